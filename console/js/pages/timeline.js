import { get } from "../api.js";
import { field, h, mount, shortHex } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { bytes32Text, departmentName, departmentsById, evidence, label } from "../common.js";

const KINDS = ["all", "consent", "fetch"];

/**
 * The auditor's view of a citizen's consent trail as one timeline: each consent given, withdrawn, revoked, expired,
 * and every fetch at this gateway that used it (delivered or refused, with the receipt). By subject reference, in the
 * URL with the kind of entries shown.
 */
export async function render(main, { params, navigate }) {
  const subject = /^0x[0-9a-fA-F]{64}$/.test(params.get("subject") ?? "") ? params.get("subject").toLowerCase() : "";
  const kind = KINDS.includes(params.get("kind")) ? params.get("kind") : "all";
  const input = h("input", {
    name: "subject",
    value: subject,
    size: 70,
    spellcheck: "false",
    autocomplete: "off",
    pattern: "0x[0-9a-fA-F]{64}",
    required: true,
  });
  const kindSelect = h(
    "select",
    { name: "kind" },
    KINDS.map((k) => h("option", { value: k, selected: k === kind }, t(`timeline.kind.${k}`))),
  );
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field(t("timeline.subject"), input),
    field(t("timeline.kindLabel"), kindSelect),
    h("button", { type: "submit" }, t("timeline.show")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("timeline", { subject: input.value.trim(), kind: kindSelect.value });
  });
  kindSelect.addEventListener("change", () => subject && navigate("timeline", { subject, kind: kindSelect.value }));

  const content = subject ? await timeline(subject, kind) : h("p", { class: "muted" }, t("timeline.help"));
  mount(main, h("h1", {}, t("timeline.title")), form, content);
}

async function timeline(subject, kind) {
  const [consents, receipts, byId] = await Promise.all([
    get(`/v1/subjects/${subject}/consents`),
    get(`/v1/receipts?subjectRef=${subject}&limit=1000`),
    departmentsById(),
  ]);
  const entries = [];
  if (kind !== "fetch") {
    for (const consent of consents.items) {
      for (const step of consent.history) {
        entries.push({
          time: Date.parse(step.time),
          kind: "consent",
          node: h(
            "li",
            { class: `kind-${step.event}`, "data-event": step.event, "data-consent": consent.consentId },
            h("strong", {}, t(`timeline.consent.${step.event}`)),
            " ",
            t("timeline.consentFacts", {
              consent: shortHex(consent.consentId),
              purpose: consent.purpose.code,
              recipient: departmentName(byId, consent.recipient),
            }),
            h("br"),
            h("time", { datetime: step.time }, formatDateTime(step.time)),
            " · ",
            t(`timeline.actor.${step.actor.kind}`),
            step.actor.departmentId ? ` ${departmentName(byId, step.actor.departmentId)}` : "",
            " ",
            evidence(step.blockNumber, step.txHash),
          ),
        });
      }
    }
  }
  if (kind !== "consent") {
    for (const item of receipts.items) {
      const receipt = item.receipt;
      entries.push({
        time: receipt.time * 1000,
        kind: "fetch",
        node: h(
          "li",
          { class: `fetch-${receipt.result}`, "data-event": `fetch-${receipt.result}`, "data-receipt": receipt.id },
          h("strong", {}, t(`timeline.fetch.${receipt.result}`)),
          " ",
          t("timeline.fetchFacts", {
            requester: departmentName(byId, receipt.department),
            provider: departmentName(byId, receipt.provider),
            purpose: bytes32Text(receipt.purpose),
          }),
          receipt.reason && receipt.result !== "delivered"
            ? [" — ", label("refusalShort", bytes32Text(receipt.reason))]
            : null,
          h("br"),
          h("time", { datetime: new Date(receipt.time * 1000).toISOString() }, formatDateTime(receipt.time)),
          " · ",
          t("timeline.receipt"),
          " ",
          h("code", { title: receipt.id }, shortHex(receipt.id)),
          " ",
          h("span", { class: "badge" }, label("receiptStatus", item.status)),
          /^0x0{64}$/.test(receipt.consentId)
            ? null
            : [" · ", t("timeline.usedConsent", { consent: shortHex(receipt.consentId) })],
        ),
      });
    }
  }
  entries.sort((a, b) => a.time - b.time);
  return h(
    "section",
    { "aria-label": t("timeline.title") },
    h(
      "p",
      { class: "muted" },
      t("timeline.summary", { consents: consents.items.length, fetches: receipts.items.length, block: consents.block }),
    ),
    entries.length === 0
      ? h("p", { class: "notice" }, t("timeline.empty"))
      : h(
          "ol",
          { class: "timeline" },
          entries.map((e) => e.node),
        ),
  );
}
