/** `receipts <file>`: verifies receipts as the gateway hands them out, against the chain alone. */
import type { AuditContext } from "../connect";
import type { Receipt } from "../../../core/receipt";
import type { ReceiptEntry } from "../receipts-file";
import { chainOf, type AuditReport, type Section } from "../render/model";
import { short } from "../state/directory";
import { formatDuration, isoTime } from "../time";
import { verifyReceipts, type ReceiptSource, type VerifyResult } from "../verify";
import type { Span } from "../verify/withheld";
import { wrongDeploymentReport } from "./wrong-deployment";

/** Above this many receipts the per-receipt table is left out of text, Markdown and HTML (it stays in `--json`). */
const RECEIPT_TABLE_LIMIT = 500;
/**
 * Above this many receipts `--json` leaves out the per-receipt rows too (the violations name every receipt at fault):
 * the auditor streams a file of millions of receipts in bounded memory, which a row for each would undo.
 */
const RECEIPT_ROWS_LIMIT = 10_000;

export interface ReceiptsCommandOptions {
  file: string;
  entries: ReceiptSource | readonly ReceiptEntry[];
  maxAnchorDelay: number;
  /** The anchored batches the file must hold (`--from`, `--to`); every batch by default. */
  span: Span;
}

type ReceiptRow = Pick<
  Receipt,
  "id" | "department" | "sequence" | "time" | "result" | "reason" | "resourceId" | "fieldMask"
> & {
  batch: number | null;
  anchorDelay: number | null;
};

export async function receiptsCommand(ctx: AuditContext, options: ReceiptsCommandOptions): Promise<AuditReport> {
  const title = `Receipts audit: ${options.file}`;
  if (ctx.deploymentProblems.length) {
    const ids: string[] = [];
    const entries = typeof options.entries === "function" ? options.entries() : options.entries;
    for await (const e of entries) ids.push(typeof e.receipt.id === "string" ? e.receipt.id : e.position);
    return wrongDeploymentReport(ctx, "receipts", title, ids);
  }
  let rows: ReceiptRow[] | undefined = [];
  const result = await verifyReceipts(
    ctx,
    options.entries,
    { maxAnchorDelay: options.maxAnchorDelay, span: options.span },
    ({ receipt: r, batch, anchorDelay }) => {
      if (rows && rows.length >= RECEIPT_ROWS_LIMIT) rows = undefined;
      rows?.push({
        id: r.id,
        department: r.department,
        sequence: r.sequence,
        time: r.time,
        result: r.result,
        reason: r.reason,
        resourceId: r.resourceId,
        fieldMask: r.fieldMask,
        batch: batch?.sequence ?? null,
        anchorDelay: anchorDelay ?? null,
      });
    },
  );
  const rulesOf = rulesByReceipt(result);
  return {
    command: "receipts",
    title,
    chain: chainOf(ctx),
    summary: summaryOf(result, options.maxAnchorDelay),
    violations: result.violations,
    sections: sectionsOf(result, rows, rulesOf),
    data: {
      maxAnchorDelay: options.maxAnchorDelay,
      span: { from: options.span.from ?? null, to: options.span.to ?? null },
      history: result.history,
      batches: result.batches,
      receipts:
        rows?.map(({ resourceId: _r, fieldMask: _f, ...row }) => ({ ...row, violations: rulesOf(row.id) })) ??
        `${result.receipts} receipts: above ${RECEIPT_ROWS_LIMIT}, one row each is left out (every receipt at fault is in the violations)`,
    },
  };
}

function summaryOf(result: VerifyResult, maxAnchorDelay: number): AuditReport["summary"] {
  const { outcomes } = result;
  const sum = (of: (h: VerifyResult["history"][number]) => number) => result.history.reduce((n, h) => n + of(h), 0);
  return [
    ["receipts given", result.entries],
    ["delivered / denied / failed", `${outcomes.delivered} / ${outcomes.denied} / ${outcomes.failed}`],
    ["malformed", result.malformed],
    ["anchored (proof checked against the chain)", result.anchored],
    ["not anchored", result.receipts - result.anchored],
    ["batches read from AccessLedger", result.batches.length],
    ["batches anchored in the span (departments in the file)", sum((h) => h.batchesInSpan)],
    ["batches / receipts withheld", `${sum((h) => h.batchesWithheld)} / ${sum((h) => h.receiptsWithheld)}`],
    // Only when a department of the file declared a loss (rare, and then it must not be missed).
    ...(sum((h) => h.receiptsDeclaredLost) > 0
      ? [
          ["receipts declared lost by their department (receipts_lost)", sum((h) => h.receiptsDeclaredLost)] as [
            string,
            number,
          ],
        ]
      : []),
    [
      "longest anchoring delay",
      result.longestAnchorDelay !== undefined ? formatDuration(result.longestAnchorDelay) : "n/a",
    ],
    ["allowed anchoring delay", formatDuration(maxAnchorDelay)],
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

function sectionsOf(
  result: VerifyResult,
  rows: ReceiptRow[] | undefined,
  rulesOf: (id: string) => string[],
): Section[] {
  const { directory } = result;
  const given = (department: string, first: number, last: number) =>
    result.given.get(department.toLowerCase())?.countBetween(first, last) ?? 0;
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
  if (rows === undefined || rows.length > RECEIPT_TABLE_LIMIT) {
    sections.push({
      heading: "Receipts",
      lines: [
        rows === undefined
          ? `${result.receipts} receipts: every receipt at fault is named in the violations.`
          : `${result.receipts} receipts: the table is in the --json output.`,
      ],
    });
    return sections;
  }
  sections.push({
    heading: "Receipts",
    table: {
      columns: ["receipt", "department", "seq", "time", "result", "resource", "fields", "batch", "delay", "findings"],
      rows: rows.map((r) => {
        const rules = rulesOf(r.id);
        return [
          short(r.id),
          directory.departmentName(r.department),
          r.sequence,
          isoTime(r.time),
          r.result === "delivered" ? "delivered" : `${r.result} (${r.reason})`,
          directory.resourceName(r.resourceId),
          r.result === "delivered" ? directory.fieldNames(r.resourceId, BigInt(r.fieldMask)) : "",
          r.batch ?? "pending",
          r.anchorDelay === null ? "" : formatDuration(r.anchorDelay),
          rules.length ? rules.join(", ") : "ok",
        ];
      }),
    },
  });
  return sections;
}
