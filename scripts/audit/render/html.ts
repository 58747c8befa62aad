/** The report as one self-contained HTML page (inline style, no scripts, no external resources). */
import { verdictOf, violationCounts, type AuditReport, type Cell, type Table } from "./model";

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d232a}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dee4;padding-bottom:.25rem}
.meta{color:#57606a;font-size:.9rem}.verdict{padding:.6rem 1rem;border-radius:6px;font-weight:600;margin:1rem 0}
.pass{background:#dafbe1;color:#116329}.fail{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #d8dee4;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}tr:nth-child(even) td{background:#fbfcfd}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em;word-break:break-all}
.rule{font-family:ui-monospace,monospace;color:#a40e26;white-space:nowrap}
@media print{body{margin:0}}`;

export function escapeHtml(value: Cell): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const cell = (value: Cell) => {
  const text = escapeHtml(value);
  return /^0x[0-9a-fA-F]{16,}$/.test(String(value)) ? `<span class="mono">${text}</span>` : text;
};

function table(t: Table): string {
  if (t.rows.length === 0) return "<p>(none)</p>";
  const head = `<tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = t.rows.map((row) => `<tr>${row.map((c) => `<td>${cell(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
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
    table({ columns: ["", ""], rows: report.summary }),
  ];
  if (report.violations.length) {
    parts.push(
      `<h2>Violations</h2><table><thead><tr><th>rule</th><th>about</th><th>detail</th></tr></thead><tbody>`,
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
