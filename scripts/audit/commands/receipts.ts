/** `receipts <file>`: verifies receipts as the gateway hands them out, against the chain alone. */
import type { AuditContext } from "../connect";
import type { ReceiptEntry } from "../receipts-file";
import { chainOf, type AuditReport, type Section } from "../render/model";
import { short } from "../state/directory";
import { formatDuration, isoTime } from "../time";
import { verifyReceipts, type VerifyResult } from "../verify";
import type { Span } from "../verify/withheld";
import { wrongDeploymentReport } from "./wrong-deployment";

/** Above this many receipts the per-receipt table is left out of text, Markdown and HTML (it stays in `--json`). */
const RECEIPT_TABLE_LIMIT = 500;

export interface ReceiptsCommandOptions {
  file: string;
  entries: ReceiptEntry[];
  maxAnchorDelay: number;
  /** The anchored batches the file must hold (`--from`, `--to`); every batch by default. */
  span: Span;
}

export async function receiptsCommand(ctx: AuditContext, options: ReceiptsCommandOptions): Promise<AuditReport> {
  const title = `Receipts audit: ${options.file}`;
  if (ctx.deploymentProblems.length) {
    const ids = options.entries.map((e) => (typeof e.receipt.id === "string" ? e.receipt.id : e.position));
    return wrongDeploymentReport(ctx, "receipts", title, ids);
  }
  const result = await verifyReceipts(ctx, options.entries, {
    maxAnchorDelay: options.maxAnchorDelay,
    span: options.span,
  });
  const rulesOf = rulesByReceipt(result);
  return {
    command: "receipts",
    title,
    chain: chainOf(ctx),
    summary: summaryOf(result, options),
    violations: result.violations,
    sections: sectionsOf(result, rulesOf),
    data: {
      maxAnchorDelay: options.maxAnchorDelay,
      span: { from: options.span.from ?? null, to: options.span.to ?? null },
      history: result.history,
      batches: result.batches,
      receipts: result.checked.map((c) => ({
        id: c.receipt.id,
        department: c.receipt.department,
        sequence: c.receipt.sequence,
        time: c.receipt.time,
        result: c.receipt.result,
        reason: c.receipt.reason,
        batch: c.batch?.sequence ?? null,
        anchorDelay: c.anchorDelay ?? null,
        violations: rulesOf(c.receipt.id),
      })),
    },
  };
}

function summaryOf(result: VerifyResult, options: ReceiptsCommandOptions): AuditReport["summary"] {
  const count = (what: string) => result.checked.filter((c) => c.receipt.result === what).length;
  const sum = (of: (h: VerifyResult["history"][number]) => number) => result.history.reduce((n, h) => n + of(h), 0);
  const delays = result.checked.map((c) => c.anchorDelay).filter((d): d is number => d !== undefined);
  return [
    ["receipts given", options.entries.length],
    ["delivered / denied / failed", `${count("delivered")} / ${count("denied")} / ${count("failed")}`],
    ["malformed", result.malformed],
    ["anchored (proof checked against the chain)", delays.length],
    ["not anchored", result.checked.length - delays.length],
    ["batches read from AccessLedger", result.batches.length],
    ["batches anchored in the span (departments in the file)", sum((h) => h.batchesInSpan)],
    ["batches / receipts withheld", `${sum((h) => h.batchesWithheld)} / ${sum((h) => h.receiptsWithheld)}`],
    ["longest anchoring delay", delays.length ? formatDuration(Math.max(...delays)) : "n/a"],
    ["allowed anchoring delay", formatDuration(options.maxAnchorDelay)],
    ["violations", result.violations.length],
  ];
}

/** The rules each receipt breaks, looked up by receipt id. */
function rulesByReceipt(result: VerifyResult): (id: string) => string[] {
  const rules = new Map<string, Set<string>>();
  for (const v of result.violations) {
    if (!v.receiptId) continue;
    const id = v.receiptId.toLowerCase();
    rules.set(id, (rules.get(id) ?? new Set()).add(v.rule));
  }
  return (id) => [...(rules.get(id.toLowerCase()) ?? [])];
}

function sectionsOf(result: VerifyResult, rulesOf: (id: string) => string[]): Section[] {
  const { directory } = result;
  const given = (department: string, first: number, last: number) =>
    result.checked.filter(
      (c) =>
        c.receipt.department.toLowerCase() === department.toLowerCase() &&
        c.receipt.sequence >= first &&
        c.receipt.sequence <= last,
    ).length;
  const sections: Section[] = [
    {
      heading: "Batches",
      table: {
        columns: ["department", "batch", "receipts", "count", "given", "anchored at", "block", "root"],
        rows: result.batches.map((b) => [
          directory.departmentName(b.department),
          b.sequence,
          `${b.firstReceiptSequence}..${b.lastReceiptSequence}`,
          b.receiptCount,
          given(b.department, b.firstReceiptSequence, b.lastReceiptSequence),
          isoTime(b.anchoredAt),
          b.blockNumber,
          b.root,
        ]),
      },
    },
  ];
  if (result.checked.length > RECEIPT_TABLE_LIMIT) {
    sections.push({
      heading: "Receipts",
      lines: [`${result.checked.length} receipts: the table is in the --json output.`],
    });
    return sections;
  }
  sections.push({
    heading: "Receipts",
    table: {
      columns: ["receipt", "department", "seq", "time", "result", "resource", "fields", "batch", "delay", "findings"],
      rows: result.checked.map((c) => {
        const r = c.receipt;
        const rules = rulesOf(r.id);
        return [
          short(r.id),
          directory.departmentName(r.department),
          r.sequence,
          isoTime(r.time),
          r.result === "delivered" ? "delivered" : `${r.result} (${r.reason})`,
          directory.resourceName(r.resourceId),
          r.result === "delivered" ? directory.fieldNames(r.resourceId, BigInt(r.fieldMask)) : "",
          c.batch?.sequence ?? "pending",
          c.anchorDelay === undefined ? "" : formatDuration(c.anchorDelay),
          rules.length ? rules.join(", ") : "ok",
        ];
      }),
    },
  });
  return sections;
}
