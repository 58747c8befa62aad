import { get, post } from "../api.js";
import { field, h, mount, shortHex } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { departmentName, evidence, label, problemNotice, successNotice } from "../common.js";
import { sealList } from "../seals.js";
import { deadlineDate } from "../workdays.js";

/**
 * The requests a provider left unanswered past their reply deadline and a party escalated: what each side has put on
 * record (the consumer's purpose, legal basis, fields and terms; the provider's entry and its terms of sharing, and
 * its silence), and the council's decision, proposed as `decide_agreement` (approve, or reject with a reason).
 */
export async function escalatedCases(escalated, byId, message, reload) {
  if (escalated.length === 0) return h("p", { class: "muted" }, t("council.noEscalated"));
  const resources = new Map(
    await Promise.all(
      [...new Set(escalated.map((a) => a.resourceId))].map(async (id) => [
        id,
        await get(`/v1/catalog/resources/${id}`).catch(() => null),
      ]),
    ),
  );
  const decide = async (agreement, approve, reason) => {
    try {
      const result = await post("/v1/council/proposals", {
        action: "decide_agreement",
        agreementId: agreement.agreementId,
        approve,
        ...(reason ? { reason } : {}),
      });
      await reload(
        successNotice(
          t(approve ? "cases.approvedProposal" : "cases.rejectedProposal", {
            proposal: result.proposalId,
            id: agreement.agreementId,
            status: label("proposalStatus", result.status),
          }),
          result.block,
          result.txHash,
        ),
      );
    } catch (error) {
      mount(message, problemNotice(error));
    }
  };
  return h(
    "ul",
    { class: "cards" },
    escalated.map((a) => caseCard(a, resources.get(a.resourceId), byId, message, decide)),
  );
}

function caseCard(a, resource, byId, message, decide) {
  const metadata = resource?.metadata ?? {};
  const reason = h("textarea", { name: "reason", rows: 2, cols: 40 });
  const consumer = departmentName(byId, a.consumer);
  const provider = departmentName(byId, a.provider);
  return h(
    "li",
    { class: "card escalated", "data-case": a.agreementId },
    h(
      "h3",
      {},
      h(
        "a",
        { href: `#/agreement?id=${a.agreementId}` },
        t("council.escalated", { id: a.agreementId, resource: a.resource?.name ?? a.resource?.code ?? a.resourceId }),
      ),
    ),
    h(
      "p",
      { "data-deadline": a.replyDeadlineDate ?? a.replyDeadline ?? "" },
      a.replyDeadlineDate
        ? t("cases.deadlinePassed", { provider, date: deadlineDate(a) })
        : t("council.deadlinePassed", { when: formatDateTime(a.replyDeadline) }),
    ),
    h(
      "div",
      { class: "positions" },
      h(
        "section",
        { "data-position": "consumer", "aria-label": t("cases.consumerPosition", { name: consumer }) },
        h("h4", {}, t("cases.consumerPosition", { name: consumer })),
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, t("inbox.purpose")),
          h("dd", {}, a.purpose.text ? `${a.purpose.text} (${a.purpose.code})` : a.purpose.code),
          h("dt", {}, t("inbox.legalBasis")),
          h("dd", {}, label("legalBasis", a.legalBasis)),
          h("dt", {}, t("inbox.fields")),
          h("dd", {}, a.fields.join(", ")),
          h("dt", {}, t("cases.terms")),
          h(
            "dd",
            {},
            typeof a.terms?.text === "string"
              ? a.terms.text
              : // The text stays at the requester's gateway: the chain, and so the council, hold only its hash.
                [
                  t("cases.termsHashOnly"),
                  " ",
                  h("code", { title: a.termsHash, "data-terms-hash": a.termsHash }, shortHex(a.termsHash)),
                ],
          ),
          h("dt", {}, t("agreement.validity")),
          h("dd", {}, `${formatDateTime(a.validFrom)} – ${formatDateTime(a.validUntil)}`),
          h("dt", {}, t("inbox.requestedAt")),
          h("dd", {}, formatDateTime(a.requestedAt), " ", evidence(a.requestedBlock, a.requestedTx)),
        ),
      ),
      h(
        "section",
        { "data-position": "provider", "aria-label": t("cases.providerPosition", { name: provider }) },
        h("h4", {}, t("cases.providerPosition", { name: provider })),
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, t("cases.answer")),
          h("dd", {}, t("cases.noAnswer")),
          h("dt", {}, t("catalog.shareType")),
          h("dd", {}, resource ? label("shareType", resource.shareType) : "—"),
          h("dt", {}, t("catalog.securityLevel")),
          h("dd", {}, resource ? label("securityLevel", resource.securityLevel) : "—"),
          h("dt", {}, t("cases.personal")),
          h(
            "dd",
            {},
            resource ? t(`cases.personalValue.${resource.sensitive ? "sensitive" : String(resource.personal)}`) : "—",
          ),
          typeof metadata.summary === "string"
            ? [h("dt", {}, t("catalogEntry.summary")), h("dd", {}, metadata.summary)]
            : null,
          typeof metadata.legalBasis === "string"
            ? [h("dt", {}, t("catalogEntry.legalBasis")), h("dd", {}, metadata.legalBasis)]
            : null,
        ),
      ),
    ),
    a.coConsumers.length > 0 ? sealList(a, byId) : null,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", onclick: () => decide(a, true) }, t("cases.approve")),
      field(t("cases.reason"), reason),
      h(
        "button",
        {
          type: "button",
          class: "danger",
          onclick: () => {
            if (reason.value.trim() === "") {
              mount(message, h("div", { class: "notice error", role: "alert" }, t("cases.reasonRequired")));
              reason.focus();
              return;
            }
            decide(a, false, reason.value.trim());
          },
        },
        t("cases.reject"),
      ),
    ),
  );
}
