import { get, post } from "../api.js";
import { field, h, mount } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { departmentName, departmentsById, evidence, label, problemNotice, successNotice } from "../common.js";
import { awaitsSealFrom, sealList } from "../seals.js";

/**
 * One agreement and its history from the chain's events, each with its block and transaction; its provider suspends,
 * resumes or terminates it (with a reason) from here.
 */
export async function render(main, { params, navigate, session, flash }) {
  const id = /^[1-9][0-9]{0,15}$/.test(params.get("id") ?? "") ? params.get("id") : null;
  if (id === null) {
    mount(main, h("h1", {}, t("agreement.title")), h("p", { class: "notice" }, t("agreement.none")));
    return;
  }
  const [agreement, byId] = await Promise.all([get(`/v1/agreements/${id}`), departmentsById()]);
  const message = h("div", { "aria-live": "polite" }, flash);
  const act = async (action, body = {}, words = "agreement.changed") => {
    try {
      const result = await post(`/v1/agreements/${id}/${action}`, body);
      const notice = successNotice(
        t(words, { id, status: label("status", result.status) }),
        result.blockNumber,
        result.txHash,
      );
      await render(main, { params, navigate, session, flash: notice });
    } catch (error) {
      mount(message, problemNotice(error));
    }
  };
  const provider = String(agreement.provider.id).toLowerCase() === String(session.department?.id ?? "").toLowerCase();
  const reason = h("textarea", { name: "reason", rows: 2, cols: 40 });
  const actions = !provider
    ? null
    : h(
        "div",
        { class: "actions" },
        agreement.status === "active"
          ? h("button", { type: "button", class: "secondary", onclick: () => act("suspend") }, t("agreement.suspend"))
          : null,
        agreement.status === "suspended"
          ? h("button", { type: "button", class: "secondary", onclick: () => act("resume") }, t("agreement.resume"))
          : null,
        agreement.status === "active" || agreement.status === "suspended"
          ? [
              field(t("agreement.reason"), reason),
              h(
                "button",
                {
                  type: "button",
                  class: "danger",
                  onclick: () => {
                    if (reason.value.trim() === "") {
                      mount(message, h("div", { class: "notice error", role: "alert" }, t("agreement.reasonRequired")));
                      return;
                    }
                    act("terminate", { reason: reason.value.trim() });
                  },
                },
                t("agreement.terminate"),
              ),
            ]
          : null,
      );
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
    message,
    actions,
    h("h2", {}, t("seals.title")),
    sealList(agreement, byId),
    awaitsSealFrom(agreement, session.department?.id)
      ? h(
          "div",
          { class: "actions" },
          h("p", {}, t("seals.yourTurn")),
          h("button", { type: "button", onclick: () => act("seal", {}, "seals.sealed") }, t("seals.seal")),
        )
      : null,
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
