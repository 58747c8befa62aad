import { get } from "../api.js";
import { field, h, mount, shortHex } from "../dom.js";
import { formatDateTime, t } from "../i18n.js";
import { bytes32Text, departmentName, departmentsById, label } from "../common.js";
import { paged } from "./paging.js";

const RESULTS = ["all", "delivered", "denied", "failed"];

/** The exchanges this gateway served, asked for and refused: its receipts, newest first, by result. */
export async function render(main, { params, navigate }) {
  const result = RESULTS.includes(params.get("result")) ? params.get("result") : "all";
  const [list, byId] = await Promise.all([get("/v1/receipts?limit=1000"), departmentsById()]);
  const select = h(
    "select",
    { name: "result" },
    RESULTS.map((value) => h("option", { value, selected: value === result }, t(`exchanges.result.${value}`))),
  );
  select.addEventListener("change", () => navigate("exchanges", { result: select.value }));
  const items = list.items
    .filter((item) => result === "all" || item.receipt.result === result)
    .sort((a, b) => b.receipt.time - a.receipt.time || b.receipt.sequence - a.receipt.sequence);
  const { shown, pager } = paged(items, params, (page) => navigate("exchanges", { result, page }));
  mount(
    main,
    h("h1", {}, t("exchanges.title")),
    h("form", { class: "filters", role: "search" }, field(t("exchanges.filterResult"), select)),
    items.length === 0
      ? h("p", { class: "notice" }, t("exchanges.empty"))
      : h(
          "table",
          {},
          h("caption", { class: "visually-hidden" }, t("exchanges.title")),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["time", "role", "requester", "provider", "purpose", "result", "receipt"].map((c) =>
                h("th", { scope: "col" }, t(`exchanges.col.${c}`)),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            shown.map(({ receipt, role, status }) =>
              h(
                "tr",
                { "data-result": receipt.result },
                h("td", {}, formatDateTime(receipt.time)),
                h("td", {}, role ? t(`exchanges.role.${role}`) : "—"),
                h("td", {}, departmentName(byId, receipt.department)),
                h("td", {}, departmentName(byId, receipt.provider)),
                h("td", {}, bytes32Text(receipt.purpose)),
                h(
                  "td",
                  {},
                  t(`exchanges.result.${receipt.result}`),
                  receipt.result === "delivered" ? "" : ` — ${label("refusalShort", bytes32Text(receipt.reason))}`,
                ),
                h(
                  "td",
                  {},
                  h("code", { title: receipt.id }, shortHex(receipt.id)),
                  " ",
                  h("span", { class: "badge" }, label("receiptStatus", status)),
                ),
              ),
            ),
          ),
        ),
    pager,
  );
}
