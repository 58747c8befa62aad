import { get, post } from "../api.js";
import { field, h, mount } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { departmentName, departmentsById, evidence, label, problemNotice, successNotice } from "../common.js";
import { paged } from "./paging.js";

const STATUSES = ["active", "paused", "revoked", "expired"];

/**
 * Grants: a consumer clerk issues one under an active agreement; either side pauses, resumes (a pause only by whoever
 * imposed it, the gateway says so) or revokes.
 */
export async function render(main, { params, navigate, session, flash }) {
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "all";
  const [grants, agreements, byId] = await Promise.all([
    get("/v1/grants"),
    get("/v1/agreements?as=consumer&status=active"),
    departmentsById(),
  ]);
  const message = h("div", { "aria-live": "polite" }, flash);
  const reload = (notice) => render(main, { params, navigate, session, flash: notice });
  const act = async (path, body, success) => {
    try {
      const result = await post(path, body);
      await reload(successNotice(success(result), result.blockNumber, result.txHash));
    } catch (error) {
      mount(message, problemNotice(error));
    }
  };

  const granted = new Set(grants.items.filter((g) => g.status === "active").map((g) => g.agreementId));
  const issuable = agreements.items.filter((a) => !granted.has(a.agreementId));
  const issueList =
    issuable.length === 0
      ? h("p", { class: "muted" }, t("grants.nothingToIssue"))
      : h(
          "ul",
          { class: "cards" },
          issuable.map((a) =>
            h(
              "li",
              { class: "card", "data-agreement": a.agreementId },
              h("h3", {}, t("grants.agreement", { id: a.agreementId, resource: a.resource?.code ?? a.resourceId })),
              h(
                "p",
                {},
                t("grants.agreementFacts", {
                  provider: departmentName(byId, a.provider),
                  fields: a.fields.join(", "),
                  purpose: a.purpose.code,
                }),
              ),
              h(
                "button",
                {
                  type: "button",
                  onclick: () =>
                    act("/v1/grants", { agreementId: a.agreementId }, (r) =>
                      t("grants.issued", { id: r.grantId, agreement: a.agreementId }),
                    ),
                },
                t("grants.issue"),
              ),
            ),
          ),
        );

  const select = h(
    "select",
    { name: "status" },
    ["all", ...STATUSES].map((value) => h("option", { value, selected: value === status }, label("status", value))),
  );
  select.addEventListener("change", () => navigate("grants", { status: select.value }));
  const listed = grants.items
    .filter((g) => status === "all" || g.status === status)
    .sort((a, b) => b.grantId - a.grantId);
  const { shown, pager } = paged(listed, params, (page) => navigate("grants", { status, page }));
  const table = h(
    "table",
    {},
    h("caption", { class: "visually-hidden" }, t("grants.listTitle")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["id", "resource", "provider", "fields", "status", "expires", "evidence", "actions"].map((c) =>
          h("th", { scope: "col" }, t(`grants.col.${c}`)),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      shown.map((g) => {
        const base = `/v1/grants/${g.grantId}`;
        return h(
          "tr",
          { "data-grant": g.grantId },
          h("td", {}, String(g.grantId)),
          h("td", {}, g.resourceId ? h("code", { title: g.resourceId }, g.resourceId.slice(0, 10)) : "—"),
          h("td", {}, g.provider ? departmentName(byId, g.provider) : "—"),
          h("td", {}, g.fields.join(", ")),
          h("td", {}, h("span", { class: "badge" }, label("status", g.status))),
          h("td", {}, formatDateTime(g.expiresAt)),
          h("td", {}, evidence(g.issuedBlock, g.issuedTx)),
          h(
            "td",
            { class: "actions" },
            g.status === "active"
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "secondary",
                    onclick: () =>
                      act(`${base}/pause`, {}, (r) =>
                        t("grants.changed", { id: g.grantId, status: label("status", r.status) }),
                      ),
                  },
                  t("grants.pause"),
                )
              : null,
            g.status === "paused"
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "secondary",
                    onclick: () =>
                      act(`${base}/resume`, {}, (r) =>
                        t("grants.changed", { id: g.grantId, status: label("status", r.status) }),
                      ),
                  },
                  t("grants.resume"),
                )
              : null,
            g.status === "active" || g.status === "paused"
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "danger",
                    onclick: () =>
                      act(`${base}/revoke`, {}, (r) =>
                        t("grants.changed", { id: g.grantId, status: label("status", r.status) }),
                      ),
                  },
                  t("grants.revoke"),
                )
              : null,
          ),
        );
      }),
    ),
  );

  mount(
    main,
    h("h1", {}, t("grants.title")),
    message,
    h("h2", {}, t("grants.issueTitle")),
    issueList,
    h("h2", {}, t("grants.listTitle")),
    h("form", { class: "filters", role: "search" }, field(t("grants.filterStatus"), select)),
    listed.length === 0 ? h("p", { class: "notice" }, t("grants.empty")) : table,
    pager,
  );
}
