/** The report as a Markdown page. */
import { verdictOf, violationCounts, type AuditReport, type Cell, type Table } from "./model";

const escape = (cell: Cell) => String(cell).replace(/\|/g, "\\|").replace(/\n/g, " ");

export function toMarkdown(report: AuditReport): string {
  const out: string[] = [`# ${report.title}`, ""];
  out.push(
    `Chain ${report.chain.chainId} at \`${report.chain.rpc}\`, block ${report.chain.block} (${report.chain.blockTime}); deployment \`${report.chain.deploymentFile}\`.`,
    "",
  );
  out.push(
    verdictOf(report) === "pass"
      ? "**Verdict: pass.** Everything checked holds."
      : `**Verdict: ${report.violations.length} violation(s)** (${violationCounts(report.violations)
          .map(([rule, n]) => `\`${rule}\` ${n}`)
          .join(", ")}).`,
    "",
  );
  // A list, not a table: a Markdown table would need a header row, and the summary has nothing to put in it.
  out.push(...report.summary.map(([key, value]) => `- ${key}: ${escape(value)}`), "");
  if (report.violations.length) {
    out.push("## Violations", "");
    out.push(
      ...table({
        columns: ["rule", "about", "detail"],
        rows: report.violations.map((v) => [
          `\`${v.rule}\``,
          v.receiptId ? `\`${v.receiptId}\`` : (v.subject ?? ""),
          v.detail,
        ]),
      }),
      "",
    );
  }
  for (const section of report.sections) {
    out.push(`## ${section.heading}`, "");
    for (const line of section.lines ?? []) out.push(line, "");
    if (section.table) out.push(...table(section.table), "");
  }
  return out.join("\n");
}

function table(t: Table): string[] {
  if (t.rows.length === 0) return ["(none)"];
  return [
    `| ${t.columns.map(escape).join(" | ")} |`,
    `|${t.columns.map(() => "---").join("|")}|`,
    ...t.rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
  ];
}
