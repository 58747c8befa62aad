import { get, post } from "../api.js";
import { field, h, mount } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { departmentName, departmentsById, evidence, label, problemNotice, successNotice } from "../common.js";
import { paged } from "./paging.js";
import { takeFlash } from "../flash.js";
import { escalatedCases } from "./council-cases.js";

const STATUSES = ["open", "executed", "expired"];

/** Council members: proposals with a quorum bar (approvals of current seats / needed) and approve; escalated requests. */
export async function render(main, { params, navigate, flash }) {
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "open";
  const [proposals, escalated, byId] = await Promise.all([
    get(`/v1/council/proposals?status=${status}`),
    get("/v1/agreements?status=escalated"),
    departmentsById(),
  ]);
  const message = h("div", { "aria-live": "polite" }, flash ?? takeFlash());
  const reload = (notice) => render(main, { params, navigate, flash: notice });
  const cases = await escalatedCases(escalated.items, byId, message, reload);
  const select = h(
    "select",
    { name: "status" },
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, label("proposalStatus", s))),
  );
  select.addEventListener("change", () => navigate("council", { status: select.value }));
  const items = [...proposals.items].sort((a, b) => b.proposalId - a.proposalId);
  const { shown, pager } = paged(items, params, (page) => navigate("council", { status, page }));

  const approve = async (proposal) => {
    try {
      const result = await post(`/v1/council/proposals/${proposal.proposalId}/approvals`, {});
      await render(main, {
        params,
        navigate,
        flash: successNotice(
          t("council.approved", { id: proposal.proposalId, status: label("proposalStatus", result.status) }),
          result.block,
          result.txHash,
        ),
      });
    } catch (error) {
      mount(message, problemNotice(error));
    }
  };

  mount(
    main,
    h("h1", {}, t("council.title")),
    message,
    h("p", {}, h("a", { href: "#/admit", class: "button" }, t("admit.link"))),
    h("form", { class: "filters", role: "search" }, field(t("council.filterStatus"), select)),
    items.length === 0
      ? h("p", { class: "notice" }, t("council.empty"))
      : h(
          "ul",
          { class: "cards" },
          shown.map((p) => {
            const needed = p.required ?? p.approvals;
            const share = needed > 0 ? Math.min(100, Math.round((p.approvals / needed) * 100)) : 0;
            return h(
              "li",
              { class: "card", "data-proposal": p.proposalId },
              h("h3", {}, t("council.proposal", { id: p.proposalId, action: label("proposalAction", p.action) })),
              h("p", { class: "muted" }, summary(p.details, byId)),
              h(
                "div",
                { class: "quorum" },
                h(
                  "span",
                  { id: `quorum-${p.proposalId}` },
                  t("council.quorum", { approvals: p.approvals, needed: needed ?? "?" }),
                ),
                h(
                  "div",
                  {
                    class: "track",
                    role: "progressbar",
                    "aria-labelledby": `quorum-${p.proposalId}`,
                    "aria-valuemin": 0,
                    "aria-valuemax": needed ?? 0,
                    "aria-valuenow": p.approvals,
                  },
                  h("div", { class: "fill", "data-share": share }),
                ),
              ),
              h(
                "p",
                {},
                t("council.expires", { when: formatDateTime(p.expiresAt) }),
                " ",
                evidence(p.createdBlock, p.createdTx),
              ),
              p.status === "open"
                ? h("button", { type: "button", onclick: () => approve(p) }, t("council.approve"))
                : null,
            );
          }),
        ),
    pager,
    h("h2", {}, t("council.escalatedTitle")),
    cases,
  );
  for (const fill of main.querySelectorAll(".fill")) fill.style.width = `${fill.dataset.share}%`;
}

/** What a proposal would do, in a line: the department admitted, the agreement decided, the quorum asked for. */
function summary(details, byId) {
  const parts = [];
  for (const [key, value] of Object.entries(details ?? {})) {
    if (key === "department" && value && typeof value === "object") {
      parts.push(
        t("council.department", { name: value.name ?? value.id, code: value.code ?? "—", level: value.level ?? "—" }),
      );
    } else if (key === "departmentId") {
      parts.push(departmentName(byId, String(value)));
    } else if (value !== null && typeof value !== "object") {
      parts.push(`${key}: ${String(value)}`);
    }
  }
  return parts.join(" · ");
}
