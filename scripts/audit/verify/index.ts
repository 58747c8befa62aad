/**
 * Verifies a set of receipts against the chain: authenticity (leaf, proof, anchoring, delay, links), completeness
 * (sequence gaps) and lawfulness of every delivery. Each batch, agreement, grant and subject trail is read once; the
 * checks then run in memory, so ten thousand receipts take seconds.
 */
import { ReceiptSchema, receiptLeaf } from "../../../core/receipt";
import type { AuditContext } from "../connect";
import type { ReceiptEntry } from "../receipts-file";
import type { Violation } from "../rules";
import { loadDirectory, type Directory } from "../state/directory";
import { checkDelivery, loadRecordsFor, type ChainRecords } from "./allowed";
import { checkAnchoring, checkChainLinks, readBatches, type AnchoredBatch, type CheckedReceipt } from "./anchoring";
import { findSequenceGaps } from "./gaps";

/** Default `--max-anchor-delay`: the gateway's anchoring limit (60 s) plus its batch window (2 s). */
export const DEFAULT_MAX_ANCHOR_DELAY = 62;

export interface VerifyOptions {
  maxAnchorDelay: number;
}

export interface VerifyResult {
  checked: CheckedReceipt[];
  batches: AnchoredBatch[];
  records: ChainRecords;
  directory: Directory;
  violations: Violation[];
  /** Entries that could not be parsed as receipts (each also a `malformed_receipt` violation). */
  malformed: number;
}

export async function verifyReceipts(
  ctx: AuditContext,
  entries: readonly ReceiptEntry[],
  options: VerifyOptions,
): Promise<VerifyResult> {
  const violations: Violation[] = [];
  const checked: CheckedReceipt[] = [];
  const seen = new Map<string, string>();
  let malformed = 0;
  for (const entry of entries) {
    const parsed = ReceiptSchema.safeParse(entry.receipt);
    if (!parsed.success) {
      malformed++;
      const issue = parsed.error.issues[0];
      violations.push({
        rule: "malformed_receipt",
        receiptId: typeof entry.receipt.id === "string" ? entry.receipt.id : undefined,
        subject: entry.position,
        detail: `${entry.position}: ${issue.path.join(".") || "receipt"}: ${issue.message}`,
      });
      continue;
    }
    const receipt = parsed.data;
    const leaf = receiptLeaf(receipt);
    const id = receipt.id.toLowerCase();
    const previous = seen.get(id);
    if (previous !== undefined) {
      if (previous !== leaf) {
        violations.push({
          rule: "duplicate_receipt",
          receiptId: receipt.id,
          detail: `${entry.position} repeats the id with different fields`,
        });
      }
      continue;
    }
    seen.set(id, leaf);
    checked.push({ entry, receipt, leaf });
  }

  const [batchMap, directory, records] = await Promise.all([
    readBatches(ctx, checked),
    loadDirectory(
      ctx,
      checked.map((c) => c.receipt.resourceId),
    ),
    loadRecordsFor(
      ctx,
      checked.filter((c) => c.receipt.result === "delivered").map((c) => c.receipt),
    ),
  ]);
  for (const c of checked) {
    violations.push(...checkAnchoring(c, batchMap, options.maxAnchorDelay, ctx.head.time));
    if (c.receipt.result === "delivered") violations.push(...checkDelivery(c.receipt, records, directory));
  }
  const batches = [...batchMap.values()].filter((b) => b.receiptCount > 0);
  violations.push(...checkChainLinks(checked), ...findSequenceGaps(checked, batches));
  return { checked, batches, records, directory, violations, malformed };
}
