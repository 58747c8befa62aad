/** What every command produces: one report that the renderers print as text, Markdown, HTML or JSON. */
import { RULES, type Violation } from "../rules";
import type { AuditContext } from "../connect";
import { isoTime } from "../time";

export type Cell = string | number;

export interface Table {
  columns: string[];
  rows: Cell[][];
}

export interface Section {
  heading: string;
  lines?: string[];
  table?: Table;
}

export interface AuditReport {
  command: string;
  title: string;
  chain: { rpc: string; chainId: number; block: number; blockTime: string; deploymentFile: string };
  summary: [string, Cell][];
  violations: Violation[];
  sections: Section[];
  /** The command's structured result, for `--json`. */
  data: unknown;
}

export function chainOf(ctx: AuditContext): AuditReport["chain"] {
  return {
    rpc: ctx.rpc,
    chainId: ctx.chainId,
    block: ctx.head.number,
    blockTime: isoTime(ctx.head.time),
    deploymentFile: ctx.deploymentFile,
  };
}

export function verdictOf(report: AuditReport): "pass" | "violations" {
  return report.violations.length === 0 ? "pass" : "violations";
}

/** Violations counted by rule, in the order of RULES. */
export function violationCounts(violations: readonly Violation[]): [string, number][] {
  return (Object.keys(RULES) as (keyof typeof RULES)[])
    .map((rule): [string, number] => [rule, violations.filter((v) => v.rule === rule).length])
    .filter(([, n]) => n > 0);
}

export function toJson(report: AuditReport): string {
  const rules = Object.fromEntries(
    violationCounts(report.violations).map(([rule]) => [rule, RULES[rule as keyof typeof RULES]]),
  );
  return (
    JSON.stringify(
      {
        command: report.command,
        verdict: verdictOf(report),
        chain: report.chain,
        summary: Object.fromEntries(report.summary),
        violations: report.violations,
        rules,
        data: report.data,
      },
      (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
      2,
    ) + "\n"
  );
}
