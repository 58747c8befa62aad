import { get, post } from "../api.js";
import { field, h, mount } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import {
  departmentName,
  departmentsById,
  evidence,
  label,
  problemNotice,
  successNotice,
  timeLeft,
  urgency,
} from "../common.js";
import { paged } from "./paging.js";
import { deadlineDate } from "../workdays.js";
import { sealList } from "../seals.js";

const STATUSES = ["requested", "escalated", "active", "rejected", "suspended", "terminated", "expired"];

/**
 * The provider clerk's inbox (待办): requests for its department's resources, the time left to reply, approve or
 * reject with a reason. `status` (default requested) and `page` live in the URL.
 */
export async function render(main, { params, navigate, flash }) {
  const status =
    STATUSES.includes(params.get("status")) || params.get("status") === "all" ? params.get("status") : "requested";
  const query = status === "all" ? "" : `&status=${status}`;
  const [list, byId] = await Promise.all([get(`/v1/agreements?as=provider${query}`), departmentsById()]);
  const items = [...list.items].sort(
    (a, b) => Date.parse(a.replyDeadline ?? a.requestedAt) - Date.parse(b.replyDeadline ?? b.requestedAt),
  );
  const message = h("div", { "aria-live": "polite" }, flash);

  const select = h(
    "select",
    { name: "status" },
    ["all", ...STATUSES].map((value) => h("option", { value, selected: value === status }, label("status", value))),
  );
  select.addEventListener("change", () => navigate("inbox", { status: select.value }));
  const filters = h("form", { class: "filters", role: "search" }, field(t("inbox.filterStatus"), select));

  const { shown, pager } = paged(items, params, (page) => navigate("inbox", { status, page }));
  const cards =
    shown.length === 0
      ? h("p", { class: "notice" }, t("inbox.empty"))
      : h(
          "ul",
          { class: "cards" },
          shown.map((agreement) =>
            card(agreement, byId, message, (notice) => render(main, { params, navigate, flash: notice })),
          ),
        );

  mount(
    main,
    h("h1", {}, t("inbox.title")),
    h("p", { class: "muted" }, t("inbox.intro", { block: list.block })),
    filters,
    message,
    cards,
    pager,
  );
}

function card(agreement, byId, message, reload) {
  const level = urgency(agreement);
  const resource = agreement.resource
    ? `${agreement.resource.name ?? agreement.resource.code} (${agreement.resource.code})`
    : agreement.resourceId;
  const open = agreement.status === "requested";
  const reason = h("textarea", { name: "reason", rows: 2, cols: 40 });
  const act = async (action, body) => {
    try {
      const result = await post(`/v1/agreements/${agreement.agreementId}/${action}`, body);
      await reload(
        successNotice(
          t(action === "approve" ? "inbox.approved" : "inbox.rejected", {
            id: agreement.agreementId,
            status: label("status", result.status),
          }),
          result.blockNumber,
          result.txHash,
        ),
      );
    } catch (error) {
      mount(message, problemNotice(error));
    }
  };
  return h(
    "li",
    { class: `card ${level}`, "data-agreement": agreement.agreementId },
    h(
      "h3",
      {},
      h(
        "a",
        { href: `#/agreement?id=${agreement.agreementId}` },
        t("inbox.request", { id: agreement.agreementId, resource }),
      ),
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("inbox.requester")),
      h("dd", {}, departmentName(byId, agreement.consumer)),
      h("dt", {}, t("inbox.purpose")),
      h(
        "dd",
        {},
        agreement.purpose.text ? `${agreement.purpose.text} (${agreement.purpose.code})` : agreement.purpose.code,
      ),
      h("dt", {}, t("inbox.fields")),
      h("dd", {}, agreement.fields.join(", ")),
      h("dt", {}, t("inbox.legalBasis")),
      h("dd", {}, label("legalBasis", agreement.legalBasis)),
      h("dt", {}, t("inbox.status")),
      h("dd", {}, h("span", { class: "badge" }, label("status", agreement.status))),
      h("dt", {}, t("inbox.requestedAt")),
      h("dd", {}, formatDateTime(agreement.requestedAt)),
      agreement.replyDeadline
        ? [
            h("dt", {}, t("inbox.deadline")),
            h(
              "dd",
              { "data-deadline": agreement.replyDeadlineDate ?? agreement.replyDeadline },
              agreement.replyDeadlineDate ? deadlineDate(agreement) : formatDateTime(agreement.replyDeadline),
            ),
          ]
        : null,
      open || agreement.status === "escalated"
        ? [
            h("dt", {}, t("inbox.timeLeft")),
            h("dd", { class: `left-${level}`, "data-urgency": level }, timeLeft(agreement)),
          ]
        : null,
      agreement.rejection?.reason ? [h("dt", {}, t("inbox.rejection")), h("dd", {}, agreement.rejection.reason)] : null,
      agreement.coConsumers.length > 0 ? [h("dt", {}, t("seals.title")), h("dd", {}, sealList(agreement, byId))] : null,
    ),
    h("p", {}, evidence(agreement.requestedBlock, agreement.requestedTx)),
    open
      ? h(
          "div",
          { class: "actions" },
          h("button", { type: "button", onclick: () => act("approve", {}) }, t("inbox.approve")),
          field(t("inbox.reason"), reason),
          h(
            "button",
            {
              type: "button",
              class: "danger",
              onclick: () => {
                if (reason.value.trim() === "") {
                  mount(message, h("div", { class: "notice error", role: "alert" }, t("inbox.reasonRequired")));
                  reason.focus();
                  return;
                }
                act("reject", { reason: reason.value.trim() });
              },
            },
            t("inbox.reject"),
          ),
        )
      : null,
  );
}
