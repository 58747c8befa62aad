/** The report as one self-contained HTML page (inline style, no scripts, no external resources). */
import { verdictOf, violationCounts, type AuditReport, type Cell, type Table } from "./model";

/**
 * Fonts: the platform's UI font, then the Simplified Chinese fonts of macOS (PingFang SC), Windows (Microsoft YaHei)
 * and Linux (Noto Sans CJK SC, Source Han Sans SC), then the generic family, so Chinese names never fall back to boxes.
 */
export const FONT_STACK =
  'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';

const STYLE = `
body{font:15px/1.5 ${FONT_STACK};margin:2rem auto;max-width:76rem;padding:0 1rem;color:#1d232a}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dee4;padding-bottom:.25rem}
.meta{color:#57606a;font-size:.9rem}.verdict{padding:.6rem 1rem;border-radius:6px;font-weight:600;margin:1rem 0}
.pass{background:#dafbe1;color:#116329}.fail{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #d8dee4;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}thead th{vertical-align:bottom}tr:nth-child(even) td{background:#fbfcfd}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.summary{width:auto;min-width:24rem}table.summary th{background:none;font-weight:normal;color:#57606a}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.85em;word-break:break-all}
.rule{font-family:ui-monospace,monospace;color:#a40e26;white-space:nowrap}
@page{size:A4;margin:12mm}
@media print{body{font-size:9.5pt;margin:0;max-width:none;padding:0}table{font-size:8.5pt}th,td{padding:.15rem .3rem}
thead{display:table-header-group}tr{break-inside:avoid}h2{break-after:avoid}.verdict{border:1px solid currentColor}}`;

function escapeHtml(value: Cell): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const HAN = /[\u3400-\u4dbf\u4e00-\u9fff]/;

/** Chinese text is marked as such, so that browsers pick Simplified Chinese glyphs in this English page. */
const cell = (value: Cell) => {
  const text = escapeHtml(value);
  if (/^0x[0-9a-fA-F]{16,}$/.test(String(value))) return `<span class="mono">${text}</span>`;
  return HAN.test(String(value)) ? `<span lang="zh-Hans">${text}</span>` : text;
};

const td = (value: Cell) => (typeof value === "number" ? `<td class="num">${value}</td>` : `<td>${cell(value)}</td>`);

function table(t: Table): string {
  if (t.rows.length === 0) return "<p>(none)</p>";
  const head = `<tr>${t.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = t.rows.map((row) => `<tr>${row.map(td).join("")}</tr>`).join("\n");
  return `<table><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** Key–value pairs: a header cell per row, no column headers (there is nothing to name). */
function summaryTable(rows: readonly [string, Cell][]): string {
  const body = rows
    .map(([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td>${cell(value)}</td></tr>`)
    .join("\n");
  return `<table class="summary"><tbody>\n${body}\n</tbody></table>`;
}

export function toHtml(report: AuditReport): string {
  const pass = verdictOf(report) === "pass";
  const counts = violationCounts(report.violations)
    .map(([rule, n]) => `${escapeHtml(rule)} ${n}`)
    .join(", ");
  const parts = [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<title>${escapeHtml(report.title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(report.title)}</h1>`,
    `<p class="meta">Chain ${report.chain.chainId} at <code>${escapeHtml(report.chain.rpc)}</code>, block ${report.chain.block} (${escapeHtml(report.chain.blockTime)}); deployment <code>${escapeHtml(report.chain.deploymentFile)}</code>.</p>`,
    `<div class="verdict ${pass ? "pass" : "fail"}">${pass ? "Pass: everything checked holds." : `${report.violations.length} violation(s): ${counts}`}</div>`,
    summaryTable(report.summary),
  ];
  if (report.violations.length) {
    parts.push(
      `<h2>Violations</h2><table><thead><tr><th scope="col">rule</th><th scope="col">about</th><th scope="col">detail</th></tr></thead><tbody>`,
      ...report.violations.map(
        (v) =>
          `<tr><td class="rule">${escapeHtml(v.rule)}</td><td>${cell(v.receiptId ?? v.subject ?? "")}</td><td>${escapeHtml(v.detail)}</td></tr>`,
      ),
      `</tbody></table>`,
    );
  }
  for (const section of report.sections) {
    parts.push(`<h2>${escapeHtml(section.heading)}</h2>`);
    for (const line of section.lines ?? []) parts.push(`<p>${escapeHtml(line)}</p>`);
    if (section.table) parts.push(table(section.table));
  }
  parts.push(`</body></html>`);
  return parts.join("\n") + "\n";
}
