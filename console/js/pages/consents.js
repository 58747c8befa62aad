import { get, post } from "../api.js";
import { field, h, mount, shortHex } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import {
  departmentName,
  departmentsById,
  evidence,
  label,
  maskIdNumber,
  problemNotice,
  successNotice,
} from "../common.js";

const ID_TYPE = "resident_id";
const DAY_MS = 86_400_000;

/** The ISO/IEC TS 27560 record the department keeps of a consent or its withdrawal; only its hash goes on chain. */
function consentRecord(event, session, channel, purpose, resource) {
  return {
    schema: "ISO/IEC TS 27560:2023",
    event,
    collector: session.department?.key ?? null,
    channel,
    purpose,
    resource,
    separateConsent: true,
    recordedAt: new Date().toISOString(),
  };
}

/**
 * Recording and withdrawing a citizen's consent. The identity number is typed, sent once (to record, or to compute
 * the subject reference) and cleared; it is shown back only masked. The citizen looked up is in the URL by subject
 * reference (`?subject=0x…`), never by identity number.
 */
export async function render(main, { params, navigate, session, flash }) {
  const [agreements, byId] = await Promise.all([get("/v1/agreements?as=consumer"), departmentsById()]);
  const needing = agreements.items.filter(
    (a) => a.legalBasis === "consent" && ["active", "requested"].includes(a.status),
  );
  const message = h("div", { "aria-live": "polite" }, flash);
  const subject = /^0x[0-9a-fA-F]{64}$/.test(params.get("subject") ?? "") ? params.get("subject") : null;

  const idNumber = h("input", {
    name: "idNumber",
    autocomplete: "off",
    spellcheck: "false",
    maxlength: 18,
    required: true,
  });
  const agreementSelect = h(
    "select",
    { name: "agreement", required: true },
    needing.map((a) =>
      h(
        "option",
        { value: a.agreementId },
        t("consents.agreementOption", {
          resource: a.resource?.name ?? a.resource?.code ?? shortHex(a.resourceId),
          provider: departmentName(byId, a.provider),
          purpose: a.purpose.code,
        }),
      ),
    ),
  );
  const until = h("input", {
    type: "date",
    name: "validUntil",
    required: true,
    value: new Date(Date.now() + 180 * DAY_MS).toISOString().slice(0, 10),
  });
  const channel = h("input", { name: "channel", value: t("consents.defaultChannel"), required: true });
  const record = h(
    "form",
    { class: "panel stack" },
    field(t("consents.idNumber"), idNumber),
    field(t("consents.agreement"), agreementSelect),
    field(t("consents.validUntil"), until),
    field(t("consents.channel"), channel),
    h("p", { class: "muted" }, t("consents.separateNote")),
    h("button", { type: "submit" }, t("consents.record")),
  );
  record.addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = idNumber.value.trim();
    idNumber.value = "";
    const agreement = needing.find((a) => String(a.agreementId) === agreementSelect.value);
    if (!agreement) return;
    try {
      const created = await post("/v1/consents", {
        subject: { idType: ID_TYPE, idNumber: typed },
        recipient: session.department.id,
        resourceId: agreement.resourceId,
        purpose: { code: agreement.purpose.code },
        validUntil: new Date(`${until.value}T23:59:59`).toISOString(),
        separate: true,
        evidence: {
          type: "record",
          document: consentRecord("given", session, channel.value, agreement.purpose.code, agreement.resourceId),
        },
      });
      const notice = successNotice(
        t("consents.recorded", { id: maskIdNumber(typed), consent: shortHex(created.consentId) }),
        created.block,
        created.txHash,
      );
      await render(main, {
        params: new URLSearchParams({ subject: created.subjectRef }),
        navigate,
        session,
        flash: notice,
      });
      history.replaceState(null, "", `#/consents?subject=${created.subjectRef}`);
    } catch (error) {
      mount(message, problemNotice(error));
    }
  });

  const lookupId = h("input", {
    name: "lookupIdNumber",
    autocomplete: "off",
    spellcheck: "false",
    maxlength: 18,
    required: true,
  });
  const lookup = h(
    "form",
    { class: "panel", role: "search" },
    field(t("consents.lookupId"), lookupId),
    h("button", { type: "submit" }, t("consents.lookup")),
  );
  lookup.addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = lookupId.value.trim();
    lookupId.value = "";
    try {
      const { subjectRef } = await post("/v1/subjects/ref", { idType: ID_TYPE, idNumber: typed });
      navigate("consents", { subject: subjectRef });
    } catch (error) {
      mount(message, problemNotice(error));
    }
  });

  mount(
    main,
    h("h1", {}, t("consents.title")),
    message,
    h("h2", {}, t("consents.recordTitle")),
    needing.length === 0 ? h("p", { class: "notice" }, t("consents.noAgreement")) : record,
    h("h2", {}, t("consents.trailTitle")),
    lookup,
    subject
      ? await trail(subject, session, byId, message, (notice) =>
          render(main, { params, navigate, session, flash: notice }),
        )
      : null,
  );
}

async function trail(subjectRef, session, byId, message, reload) {
  const list = await get(`/v1/subjects/${subjectRef}/consents`);
  const own = String(session.department?.id ?? "").toLowerCase();
  return h(
    "section",
    { "aria-label": t("consents.trailTitle") },
    h(
      "p",
      {},
      t("consents.subject"),
      " ",
      h("code", { title: subjectRef, "data-subject": subjectRef }, shortHex(subjectRef)),
      " · ",
      h("a", { href: `#/timeline?subject=${subjectRef}` }, t("consents.openTimeline")),
    ),
    list.items.length === 0
      ? h("p", { class: "notice" }, t("consents.none"))
      : h(
          "ul",
          { class: "cards" },
          list.items.map((c) =>
            h(
              "li",
              { class: "card", "data-consent": c.consentId },
              h(
                "h3",
                {},
                t("consents.consent", { id: shortHex(c.consentId) }),
                " ",
                h("span", { class: "badge", "data-status": c.status }, label("consentStatus", c.status)),
              ),
              h(
                "dl",
                { class: "facts" },
                h("dt", {}, t("consents.recipient")),
                h("dd", {}, departmentName(byId, c.recipient)),
                h("dt", {}, t("consents.purpose")),
                h("dd", {}, c.purpose.code),
                h("dt", {}, t("consents.validUntil")),
                h("dd", {}, formatDateTime(c.validUntil)),
                h("dt", {}, t("consents.recordedAt")),
                h("dd", {}, formatDateTime(c.recordedAt), " ", evidence(c.recordedBlock, c.recordedTx)),
              ),
              c.status === "active" && String(c.recipient).toLowerCase() === own
                ? h(
                    "button",
                    {
                      type: "button",
                      class: "danger",
                      onclick: async () => {
                        try {
                          const result = await post(`/v1/consents/${c.consentId}/withdraw`, {
                            evidence: {
                              type: "record",
                              document: consentRecord(
                                "withdrawn",
                                session,
                                t("consents.defaultChannel"),
                                c.purpose.code,
                                c.resourceId,
                              ),
                            },
                          });
                          await reload(
                            successNotice(
                              t("consents.withdrawn", {
                                consent: shortHex(c.consentId),
                                status: label("consentStatus", result.status),
                              }),
                              result.block,
                              result.txHash,
                            ),
                          );
                        } catch (error) {
                          mount(message, problemNotice(error));
                        }
                      },
                    },
                    t("consents.withdraw"),
                  )
                : null,
            ),
          ),
        ),
  );
}
