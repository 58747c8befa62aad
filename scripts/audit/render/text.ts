/** The report as plain text for a terminal. */
import { verdictOf, violationCounts, type AuditReport, type Table } from "./model";

export function toText(report: AuditReport): string {
  const out: string[] = [];
  out.push(report.title, "=".repeat(Math.min(report.title.length, 100)));
  out.push(
    `chain ${report.chain.chainId} at ${report.chain.rpc}, block ${report.chain.block} (${report.chain.blockTime})`,
  );
  const verdict = verdictOf(report);
  out.push(
    verdict === "pass"
      ? "verdict: PASS, everything checked holds"
      : `verdict: VIOLATIONS (${report.violations.length}: ${violationCounts(report.violations)
          .map(([rule, n]) => `${rule} ${n}`)
          .join(", ")})`,
    "",
  );
  for (const [key, value] of report.summary) out.push(`  ${key}: ${value}`);
  if (report.violations.length) {
    out.push("", "Violations");
    for (const v of report.violations) {
      out.push(`  ${v.rule}  ${v.receiptId ?? v.subject ?? ""}`.trimEnd(), `      ${v.detail}`);
    }
  }
  for (const section of report.sections) {
    out.push("", section.heading, "-".repeat(section.heading.length));
    for (const line of section.lines ?? []) out.push(`  ${line}`);
    if (section.table) out.push(...tableLines(section.table));
  }
  return out.join("\n") + "\n";
}

function tableLines(table: Table): string[] {
  if (table.rows.length === 0) return ["  (none)"];
  const cells = [table.columns, ...table.rows.map((row) => row.map(String))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => displayWidth(row[i] ?? ""))));
  const line = (row: readonly string[]) =>
    "  " +
    row
      .map((cell, i) => cell + " ".repeat(widths[i] - displayWidth(cell)))
      .join("  ")
      .trimEnd();
  return [line(table.columns), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)];
}

// East Asian wide characters (department names are Chinese) take two terminal columns.
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += WIDE.test(char) ? 2 : 1;
  return width;
}
