import { get } from "../api.js";
import { h, mount } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { departmentName, departmentsById, evidence, label } from "../common.js";

/** One agreement and its history from the chain's events, each with its block and transaction. */
export async function render(main, { params }) {
  const id = /^[1-9][0-9]{0,15}$/.test(params.get("id") ?? "") ? params.get("id") : null;
  if (id === null) {
    mount(main, h("h1", {}, t("agreement.title")), h("p", { class: "notice" }, t("agreement.none")));
    return;
  }
  const [agreement, byId] = await Promise.all([get(`/v1/agreements/${id}`), departmentsById()]);
  mount(
    main,
    h(
      "h1",
      {},
      t("agreement.heading", {
        id,
        resource: agreement.resource?.name ?? agreement.resource?.code ?? agreement.resourceId,
      }),
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("inbox.status")),
      h("dd", {}, h("span", { class: "badge" }, label("status", agreement.status))),
      h("dt", {}, t("agreement.provider")),
      h("dd", {}, departmentName(byId, agreement.provider)),
      h("dt", {}, t("inbox.requester")),
      h("dd", {}, departmentName(byId, agreement.consumer)),
      h("dt", {}, t("inbox.purpose")),
      h("dd", {}, agreement.purpose.code),
      h("dt", {}, t("inbox.fields")),
      h("dd", {}, agreement.fields.join(", ")),
      h("dt", {}, t("inbox.legalBasis")),
      h("dd", {}, label("legalBasis", agreement.legalBasis)),
      h("dt", {}, t("agreement.validity")),
      h("dd", {}, `${formatDateTime(agreement.validFrom)} – ${formatDateTime(agreement.validUntil)}`),
    ),
    h("h2", {}, t("agreement.history")),
    h(
      "ol",
      { class: "timeline" },
      agreement.history.map((step) =>
        h(
          "li",
          { "data-event": step.event },
          h("strong", {}, label("agreementEvent", step.event)),
          " ",
          step.byCouncil ? t("timeline.actor.council") : step.actor ? departmentName(byId, step.actor) : "",
          h("br"),
          h("time", { datetime: step.time }, formatDateTime(step.time)),
          " ",
          evidence(step.block, step.txHash),
        ),
      ),
    ),
  );
}
