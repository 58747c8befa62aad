import { ApiError, get } from "../api.js";
import { field, h, mount } from "../dom.js";
import { currentLanguage, formatDateTime, t } from "../i18n.js";
import { bytes32Text, label, problemNotice } from "../common.js";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The auditor's supervision scorecard over a period (`from`, `to` in the URL, China Standard Time days): the figures
 * of `npm run audit -- report`, which the gateway computes with the same code. Each chart has a table of the same
 * numbers under it, which is what screen readers and the test read.
 */
export async function render(main, { params, navigate }) {
  const from = DAY.test(params.get("from") ?? "") ? params.get("from") : "";
  const to = DAY.test(params.get("to") ?? "") ? params.get("to") : "";
  const fromInput = h("input", { type: "date", name: "from", value: from });
  const toInput = h("input", { type: "date", name: "to", value: to });
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field(t("scorecard.from"), fromInput),
    field(t("scorecard.to"), toInput),
    h("button", { type: "submit" }, t("scorecard.show")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("scorecard", { from: fromInput.value, to: toInput.value });
  });

  const search = new URLSearchParams(Object.entries({ from, to }).filter(([, v]) => v !== ""));
  let data;
  try {
    data = await get(`/v1/audit/scorecard${search.size > 0 ? `?${search}` : ""}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 401) throw error;
    mount(main, h("h1", {}, t("scorecard.title")), form, problemNotice(error));
    return;
  }
  const sections = SECTIONS.map((section) => sectionOf(section, data.departments));
  mount(
    main,
    h("h1", {}, t("scorecard.title")),
    form,
    h(
      "p",
      { class: "muted", "data-period": `${data.from ?? ""}-${data.to}` },
      t("scorecard.summary", {
        from: data.from === null ? t("scorecard.deployment") : formatDateTime(data.from),
        to: formatDateTime(data.to),
        block: data.block,
        receipts: data.receiptsCounted,
      }),
    ),
    sections.map((s) => s.node),
    qualityTable(data.departments),
  );
  await drawCharts(sections);
}

/** The largest unit a duration reaches (a reply in seconds reads as seconds, one of days as days). */
const UNITS = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
];
function unitFor(seconds) {
  return UNITS.find(([, size]) => seconds >= size) ?? UNITS[UNITS.length - 1];
}

function unitFormat(unit, unitDisplay = "short") {
  return new Intl.NumberFormat(currentLanguage(), { style: "unit", unit, unitDisplay, maximumFractionDigits: 1 });
}

/** A duration in the user's language, e.g. "35秒", "2.5 hr". */
function duration(seconds) {
  if (seconds === undefined || seconds === null) return "—";
  const [unit, size] = unitFor(seconds);
  return unitFormat(unit).format(seconds / size);
}

/** The unit's name alone ("小时", "hours"), for an axis. */
function unitName(unit) {
  return (
    unitFormat(unit, "long")
      .formatToParts(2)
      .find((part) => part.type === "unit")?.value ?? unit
  );
}

/** A department's name on a chart's axis: its name in the page's language when the name gives both. */
function shortName(name) {
  const both = /^(.*?)\s*\((.*)\)$/.exec(name);
  if (!both) return name;
  return currentLanguage() === "en" ? both[2] : both[1];
}

const count = (n) => new Intl.NumberFormat(currentLanguage()).format(n);

/**
 * Each chart: the series it draws (one bar per department for each) and the table columns with the same figures.
 * `value` gives the number charted, `text` the cell (both from the department's card).
 */
const SECTIONS = [
  {
    id: "replies",
    series: [
      {
        key: "medianReplySeconds",
        value: (c) => c.medianReplySeconds ?? 0,
        text: (c) => duration(c.medianReplySeconds),
      },
      {
        key: "worstReplySeconds",
        value: (c) => c.worstReplySeconds ?? 0,
        text: (c) => duration(c.worstReplySeconds),
      },
    ],
    extra: ["requestsReceived", "approvals", "rejections"],
    durations: true,
  },
  {
    id: "overdue",
    series: ["repliesPastDeadline", "overdue", "escalations"].map(counted),
    extra: ["requestsReceived"],
  },
  {
    id: "deliveries",
    series: ["deliveries", "denials", "failures"].map((key) =>
      key === "denials" ? { key, value: totalDenials, text: (c) => count(totalDenials(c)) } : counted(key),
    ),
    extra: [],
    // Drawn as deliveries, failures and one stacked bar of denials by reason; the tables give the same numbers.
    chartSeries: (departments) => [
      counted("deliveries"),
      counted("failures"),
      ...[...new Set(departments.flatMap((c) => Object.keys(c.denialsByReason)))].sort().map((reason) => ({
        name: `${t("scorecard.col.denials")}: ${label("refusalShort", bytes32Text(reason))}`,
        stack: "denials",
        value: (c) => c.denialsByReason[reason] ?? 0,
      })),
    ],
  },
];

function counted(key) {
  return { key, value: (c) => c[key], text: (c) => count(c[key]) };
}

function totalDenials(card) {
  return Object.values(card.denialsByReason).reduce((a, b) => a + b, 0);
}

function sectionOf(section, departments) {
  const chart = h("div", {
    class: "chart",
    role: "img",
    "aria-label": t(`scorecard.${section.id}.chart`),
    "data-chart": section.id,
  });
  const columns = [...section.series.map((s) => s.key), ...section.extra];
  const cellOf = (card, key) => {
    const serie = section.series.find((s) => s.key === key);
    return serie ? serie.text(card) : count(card[key]);
  };
  const table = dataTable(section.id, departments, columns, cellOf);
  const node = h(
    "section",
    { class: "scorecard", "aria-labelledby": `scorecard-${section.id}` },
    h("h2", { id: `scorecard-${section.id}` }, t(`scorecard.${section.id}.title`)),
    h("p", { class: "muted" }, t(`scorecard.${section.id}.help`)),
    chart,
    table,
    section.id === "deliveries" ? denialsTable(departments) : null,
  );
  return { section, node, chart, departments };
}

/** A table of one figure per column and one department per row; every cell names its field for the tests. */
function dataTable(id, departments, columns, cellOf) {
  return h(
    "table",
    { "data-table": id },
    h("caption", {}, t(`scorecard.${id}.table`)),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("scorecard.col.rank")),
        h("th", { scope: "col" }, t("scorecard.col.department")),
        columns.map((key) => h("th", { scope: "col" }, t(`scorecard.col.${key}`))),
      ),
    ),
    h(
      "tbody",
      {},
      departments.map((card) =>
        h(
          "tr",
          { "data-department": card.id },
          h("td", {}, String(card.rank)),
          h("th", { scope: "row" }, card.name),
          columns.map((key) => h("td", { "data-field": key }, cellOf(card, key))),
        ),
      ),
    ),
  );
}

function denialsTable(departments) {
  const reasons = [...new Set(departments.flatMap((c) => Object.keys(c.denialsByReason)))].sort();
  if (reasons.length === 0) return h("p", { class: "muted", "data-table": "denials" }, t("scorecard.noDenials"));
  return h(
    "table",
    { "data-table": "denials" },
    h("caption", {}, t("scorecard.denials.table")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("scorecard.col.department")),
        reasons.map((r) => h("th", { scope: "col", "data-reason": r }, label("refusalShort", bytes32Text(r)))),
      ),
    ),
    h(
      "tbody",
      {},
      departments.map((card) =>
        h(
          "tr",
          { "data-department": card.id },
          h("th", { scope: "row" }, card.name),
          reasons.map((r) => h("td", { "data-reason": r }, count(card.denialsByReason[r] ?? 0))),
        ),
      ),
    ),
  );
}

const QUALITY = [
  "demandsPublished",
  "demandsOpen",
  "responsibilitiesAssigned",
  "responsibilitiesOverdue",
  "objectionsReceived",
  "objectionsOverdue",
  "grants",
  "consentsRecorded",
  "consentsWithdrawn",
];

function qualityTable(departments) {
  return h(
    "section",
    { class: "scorecard", "aria-labelledby": "scorecard-quality" },
    h("h2", { id: "scorecard-quality" }, t("scorecard.quality.title")),
    dataTable("quality", departments, QUALITY, (card, key) => count(card[key])),
  );
}

/**
 * ECharts, loaded only on this page, from the gateway (node_modules, no CDN), with its SVG renderer: no canvas for
 * axe-core to puzzle over, nothing inline for the Content-Security-Policy to refuse.
 */
async function drawCharts(sections) {
  const echarts = await import("/console/vendor/echarts.js");
  for (const { section, chart, departments } of sections) {
    if (!chart.isConnected) return; // another page was drawn meanwhile
    const series = section.chartSeries?.(departments) ?? section.series;
    // Durations are drawn in the unit of the longest one; counts as they are.
    const longest = Math.max(0, ...departments.flatMap((c) => series.map((serie) => serie.value(c))));
    const [unit, size] = section.durations ? unitFor(longest) : [null, 1];
    const instance = echarts.init(chart, null, { renderer: "svg", height: 60 + 36 * departments.length });
    instance.setOption({
      animation: false,
      aria: { enabled: false },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 56, top: 36, bottom: 8, containLabel: true },
      yAxis: { type: "category", inverse: true, data: departments.map((c) => shortName(c.name)) },
      xAxis: {
        type: "value",
        name: unit ? unitName(unit) : t("scorecard.axisCount"),
        minInterval: unit ? 0 : 1,
      },
      series: series.map((serie) => ({
        type: "bar",
        name: serie.name ?? t(`scorecard.col.${serie.key}`),
        stack: serie.stack,
        data: departments.map((c) => serie.value(c) / size),
      })),
    });
  }
}
