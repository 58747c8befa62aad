import { get, post } from "../api.js";
import { field, h, mount, shortHex } from "../dom.js";
import { t } from "../i18n.js";
import { departmentName, departmentsById, evidence, label, maskIdNumber, problemNotice } from "../common.js";

const ID_TYPE = "resident_id";

/**
 * The consumer clerk's query page: pick a grant, type the identity number and the purpose, see only the granted
 * fields with the receipt's id and anchoring status; a refusal says which rule refused and what to do. The identity
 * number is sent once and cleared; only its masked form is shown back. The grant chosen lives in the URL.
 */
export async function render(main, { params, navigate }) {
  const [grants, agreements, byId] = await Promise.all([
    get("/v1/grants"),
    get("/v1/agreements?as=consumer"),
    departmentsById(),
  ]);
  const purposes = new Map(agreements.items.map((a) => [a.agreementId, a]));
  const usable = grants.items.filter((g) => g.status === "active").sort((a, b) => b.grantId - a.grantId);
  const chosen = params.get("grant") ?? (usable[0] ? String(usable[0].grantId) : "");

  const grantSelect = h(
    "select",
    { name: "grant", required: true },
    usable.map((g) => {
      const agreement = purposes.get(g.agreementId);
      const name = agreement?.resource?.name ?? agreement?.resource?.code ?? shortHex(g.resourceId ?? "");
      return h(
        "option",
        { value: g.grantId, selected: String(g.grantId) === chosen },
        t("query.grantOption", { id: g.grantId, resource: name, provider: departmentName(byId, g.provider) }),
      );
    }),
  );
  const purposeFor = (grantId) =>
    purposes.get(usable.find((g) => String(g.grantId) === String(grantId))?.agreementId)?.purpose.code ?? "";
  const purpose = h("input", { name: "purpose", value: purposeFor(chosen), required: true, autocomplete: "off" });
  grantSelect.addEventListener("change", () => navigate("query", { grant: grantSelect.value }));
  const idNumber = h("input", {
    name: "idNumber",
    autocomplete: "off",
    inputmode: "text",
    spellcheck: "false",
    maxlength: 18,
  });
  const result = h("section", { "aria-live": "polite", "aria-label": t("query.resultLabel") });

  const form = h(
    "form",
    { class: "panel" },
    field(t("query.grant"), grantSelect),
    field(t("query.idNumber"), idNumber),
    field(t("query.purpose"), purpose),
    h("button", { type: "submit" }, t("query.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = idNumber.value.trim();
    idNumber.value = "";
    const body = { grantId: Number(grantSelect.value), purpose: { code: purpose.value.trim() } };
    if (typed !== "") body.subject = { idType: ID_TYPE, idNumber: typed };
    mount(result, h("p", { class: "muted" }, t("query.asking")));
    try {
      const answer = await post("/v1/data/fetch", body);
      mount(result, answerView(answer, typed));
    } catch (error) {
      mount(result, problemNotice(error));
    }
  });

  mount(
    main,
    h("h1", {}, t("query.title")),
    h("p", { class: "muted" }, t("query.intro")),
    usable.length === 0 ? h("p", { class: "notice" }, t("query.noGrant")) : form,
    result,
  );
}

function answerView(answer, typed) {
  const records = Array.isArray(answer.data) ? answer.data : [answer.data];
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const status = h(
    "span",
    { class: "badge", "data-receipt-status": answer.receipt.status },
    label("receiptStatus", answer.receipt.status),
  );
  const anchoring = h("span", {});
  const check = h("button", { type: "button", class: "secondary" }, t("query.checkAnchoring"));
  check.addEventListener("click", async () => {
    const view = await get(`/v1/receipts/${answer.receipt.id}`);
    status.textContent = label("receiptStatus", view.status);
    status.dataset.receiptStatus = view.status;
    mount(
      anchoring,
      view.batch
        ? [
            t("query.batch", { sequence: view.batch.sequence }),
            " ",
            evidence(view.batch.blockNumber, view.batch.txHash),
          ]
        : null,
    );
  });
  return h(
    "div",
    { class: "answer" },
    h("h2", {}, typed ? t("query.answerFor", { id: maskIdNumber(typed) }) : t("query.answer")),
    h(
      "table",
      { "data-fields": columns.join(",") },
      h("caption", { class: "visually-hidden" }, t("query.answer")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          columns.map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        records.map((r) =>
          h(
            "tr",
            {},
            columns.map((c) => h("td", {}, r[c] == null ? "—" : String(r[c]))),
          ),
        ),
      ),
    ),
    h("p", {}, t("query.onlyGranted")),
    h(
      "p",
      { class: "receipt" },
      t("query.receipt"),
      " ",
      h("code", { title: answer.receipt.id, "data-receipt": answer.receipt.id }, shortHex(answer.receipt.id)),
      " ",
      status,
      " ",
      check,
      " ",
      anchoring,
    ),
  );
}
