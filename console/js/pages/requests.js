import { get, post } from "../api.js";
import { field, h, mount } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { departmentName, departmentsById, label, problemNotice, successNotice, timeLeft, urgency } from "../common.js";
import { paged } from "./paging.js";
import { deadlineDate } from "../workdays.js";
import { awaitsSealFrom } from "../seals.js";

const STATUSES = ["requested", "escalated", "active", "rejected", "suspended", "terminated", "expired"];

/** The consumer clerk's own requests and their state; a request unanswered past its deadline can be escalated. */
export async function render(main, { params, navigate, session, flash }) {
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "all";
  const [list, byId] = await Promise.all([
    get(`/v1/agreements?as=consumer${status === "all" ? "" : `&status=${status}`}`),
    departmentsById(),
  ]);
  const message = h("div", { "aria-live": "polite" }, flash);
  const select = h(
    "select",
    { name: "status" },
    ["all", ...STATUSES].map((value) => h("option", { value, selected: value === status }, label("status", value))),
  );
  select.addEventListener("change", () => navigate("requests", { status: select.value }));
  const items = [...list.items].sort((a, b) => b.agreementId - a.agreementId);
  const { shown, pager } = paged(items, params, (page) => navigate("requests", { status, page }));

  const escalate = async (agreement) => {
    try {
      const result = await post(`/v1/agreements/${agreement.agreementId}/escalate`, {});
      await render(main, {
        params,
        navigate,
        session,
        flash: successNotice(
          t("requests.escalated", { id: agreement.agreementId, status: label("status", result.status) }),
          result.blockNumber,
          result.txHash,
        ),
      });
    } catch (error) {
      mount(message, problemNotice(error));
    }
  };

  mount(
    main,
    h("h1", {}, t("requests.title")),
    message,
    h("form", { class: "filters", role: "search" }, field(t("requests.filterStatus"), select)),
    items.length === 0
      ? h("p", { class: "notice" }, t("requests.empty"))
      : h(
          "ul",
          { class: "cards" },
          shown.map((a) => {
            const level = urgency(a);
            return h(
              "li",
              {
                class: `card ${a.status === "requested" || a.status === "escalated" ? level : ""}`,
                "data-agreement": a.agreementId,
              },
              h(
                "h3",
                {},
                h(
                  "a",
                  { href: `#/agreement?id=${a.agreementId}` },
                  t("requests.request", {
                    id: a.agreementId,
                    resource: a.resource?.name ?? a.resource?.code ?? a.resourceId,
                  }),
                ),
                " ",
                h("span", { class: "badge" }, label("status", a.status)),
              ),
              h(
                "p",
                {},
                t("requests.facts", {
                  provider: departmentName(byId, a.provider),
                  purpose: a.purpose.code,
                  fields: a.fields.join(", "),
                }),
              ),
              a.status === "requested" || a.status === "escalated"
                ? h(
                    "p",
                    { class: `left-${level}`, "data-urgency": level },
                    timeLeft(a),
                    a.replyDeadlineDate
                      ? ` (${deadlineDate(a)})`
                      : a.replyDeadline
                        ? ` (${formatDateTime(a.replyDeadline)})`
                        : "",
                  )
                : null,
              a.rejection?.reason ? h("p", {}, t("inbox.rejection"), ": ", a.rejection.reason) : null,
              awaitsSealFrom(a, session?.department?.id)
                ? h(
                    "p",
                    { "data-awaits-seal": "" },
                    h("a", { href: `#/agreement?id=${a.agreementId}` }, t("seals.awaitingYours")),
                  )
                : null,
              a.overdue && a.status === "requested"
                ? h("button", { type: "button", onclick: () => escalate(a) }, t("requests.escalate"))
                : null,
            );
          }),
        ),
    pager,
  );
}
