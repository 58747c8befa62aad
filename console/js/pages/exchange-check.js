import { ApiError, post } from "../api.js";
import { field, h, mount, shortHex } from "../dom.js";
import { has, t } from "../i18n.js";
import { bytes32Text, departmentName, departmentsById, label, problemNotice } from "../common.js";

/**
 * The auditor's receipts check: the consumer's and the provider's receipt files (as `GET /v1/receipts/:id` answers
 * them, a JSON array or JSON lines) uploaded, the gateway runs the exchange check of `npm run audit -- exchange` on
 * them (the same code), and each violation is shown with its receipt, its rule, what it means and what to do.
 */
export async function render(main) {
  const consumerInput = h("input", {
    type: "file",
    name: "consumer",
    accept: ".json,.jsonl,application/json",
    required: true,
  });
  const providerInput = h("input", {
    type: "file",
    name: "provider",
    accept: ".json,.jsonl,application/json",
    required: true,
  });
  const result = h("div", { class: "exchange-result", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "filters" },
    field(t("exchangeCheck.consumerFile"), consumerInput),
    field(t("exchangeCheck.providerFile"), providerInput),
    h("button", { type: "submit" }, t("exchangeCheck.check")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const [consumer, provider] = [consumerInput.files?.[0], providerInput.files?.[0]];
    if (!consumer || !provider) return;
    mount(result, h("p", { class: "muted" }, t("exchangeCheck.checking")));
    mount(result, await check(consumer, provider));
  });
  mount(
    main,
    h("h1", {}, t("exchangeCheck.title")),
    h("p", { class: "muted" }, t("exchangeCheck.help")),
    form,
    result,
    h("p", { class: "muted" }, t("exchangeCheck.scope")),
  );
}

/** A receipts file's entries: a JSON array, or one JSON object per line. */
function entriesOf(name, text) {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    try {
      const entries = JSON.parse(trimmed);
      if (Array.isArray(entries)) return entries;
    } catch {
      // reported below
    }
    throw new Error(t("exchangeCheck.notJson", { file: name }));
  }
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim() !== "")
    .map(({ line, i }) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new Error(t("exchangeCheck.notJsonLine", { file: name, line: i + 1 }));
      }
    });
}

async function check(consumerFile, providerFile) {
  let body;
  try {
    body = {
      consumerFile: consumerFile.name,
      consumer: entriesOf(consumerFile.name, await consumerFile.text()),
      providerFile: providerFile.name,
      provider: entriesOf(providerFile.name, await providerFile.text()),
    };
  } catch (error) {
    return h("div", { class: "notice error", role: "alert" }, error.message);
  }
  let verdict;
  try {
    [verdict] = await Promise.all([post("/v1/audit/exchange", body), departmentsById()]);
  } catch (error) {
    if (error instanceof ApiError && error.status !== 401) return problemNotice(error);
    throw error;
  }
  const byId = await departmentsById();
  return [verdictNotice(verdict), violationList(verdict, byId), exchangeTable(verdict, byId)];
}

function verdictNotice(verdict) {
  const passed = verdict.verdict === "pass";
  return h(
    "div",
    {
      class: `notice ${passed ? "success" : "error"}`,
      role: passed ? "status" : "alert",
      "data-verdict": verdict.verdict,
    },
    h("strong", {}, t(`exchangeCheck.verdict.${verdict.verdict}`)),
    " ",
    t("exchangeCheck.counts", {
      exchanges: verdict.exchanges.length,
      consumer: verdict.consumer.receipts,
      provider: verdict.provider.receipts,
      violations: verdict.violations.length,
    }),
  );
}

function receiptCell(ref, byId) {
  if (!ref) return t("exchangeCheck.none");
  const outcome = ref.result === "delivered" ? "" : ` (${label("refusalShort", bytes32Text(ref.reason))})`;
  return [
    `${departmentName(byId, ref.department)} #${ref.sequence} `,
    h("code", { title: ref.id }, shortHex(ref.id)),
    ` ${label("exchangeCheck.result", ref.result)}${outcome}`,
  ];
}

function exchangeTable(verdict, byId) {
  if (verdict.exchanges.length === 0) return h("p", { class: "notice" }, t("exchangeCheck.noExchanges"));
  return h(
    "table",
    { "data-table": "exchanges" },
    h("caption", {}, t("exchangeCheck.exchanges")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["requestId", "consumer", "provider", "verdict"].map((c) =>
          h("th", { scope: "col" }, t(`exchangeCheck.col.${c}`)),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      verdict.exchanges.map((x) =>
        h(
          "tr",
          { "data-request": x.requestId, "data-verdict": x.verdict },
          h("td", {}, h("code", { title: x.requestId }, shortHex(x.requestId))),
          h("td", {}, receiptCell(x.consumer, byId)),
          h("td", {}, receiptCell(x.provider, byId)),
          h(
            "td",
            {},
            label("exchangeCheck.pair", x.verdict),
            x.violations.length
              ? [" — ", x.violations.map((rule) => ruleText({ rule }, "title")).join(t("exchangeCheck.listSeparator"))]
              : null,
          ),
        ),
      ),
    ),
  );
}

/** A rule's title, meaning or action in the user's language; the gateway's English meaning for a rule without words. */
function ruleText(v, part) {
  const key = `exchangeCheck.rule.${v.rule}.${part}`;
  if (has(key)) return t(key);
  return part === "title" ? v.rule : part === "meaning" ? v.meaning : t("exchangeCheck.rule.unknownAction");
}

/** Each violation: the receipt it is about, its rule in words, what the rule means, what to do; the detail apart. */
function violationList(verdict, byId) {
  if (verdict.violations.length === 0) return null;
  const receipts = new Map();
  for (const x of verdict.exchanges)
    for (const ref of [x.consumer, x.provider]) if (ref) receipts.set(ref.id.toLowerCase(), ref);
  return h(
    "section",
    { "aria-labelledby": "exchange-violations" },
    h("h2", { id: "exchange-violations" }, t("exchangeCheck.violations")),
    h(
      "ol",
      { class: "violations" },
      verdict.violations.map((v) => {
        const ref = v.receiptId ? receipts.get(v.receiptId.toLowerCase()) : undefined;
        return h(
          "li",
          { "data-rule": v.rule, "data-receipt": v.receiptId ?? "" },
          h("h3", {}, ruleText(v, "title"), " ", h("code", { class: "muted" }, v.rule)),
          h(
            "p",
            {},
            t("exchangeCheck.about"),
            " ",
            ref ? [`${departmentName(byId, ref.department)} #${ref.sequence} `] : null,
            v.receiptId ? h("code", { title: v.receiptId }, shortHex(v.receiptId)) : (v.subject ?? "—"),
            v.counterpartId
              ? [
                  " ",
                  t("exchangeCheck.counterpart"),
                  " ",
                  h("code", { title: v.counterpartId }, shortHex(v.counterpartId)),
                ]
              : null,
          ),
          h("p", { "data-part": "meaning" }, ruleText(v, "meaning")),
          h("p", { "data-part": "action" }, ruleText(v, "action")),
          h("p", { class: "muted detail" }, v.detail),
        );
      }),
    ),
  );
}
