/**
 * Authenticity of receipts: each leaf recomputed from the receipt's fields, each proof checked against the root the
 * department anchored on chain (read once per batch), the anchoring delay, and each receipt's link to the previous.
 */
import { ZeroHash } from "ethers";
import { verifyProof, type Receipt } from "../../../core/receipt";
import type { AuditContext } from "../connect";
import { connectLedger } from "../contracts";
import { mapLimit } from "../concurrency";
import type { ReceiptEntry } from "../receipts-file";
import type { Violation } from "../rules";
import { formatDuration, isoTime } from "../time";

export interface AnchoredBatch {
  department: string;
  sequence: number;
  root: string;
  receiptCount: number;
  firstReceiptSequence: number;
  lastReceiptSequence: number;
  anchoredAt: number;
  blockNumber: number;
}

export interface CheckedReceipt {
  entry: ReceiptEntry;
  receipt: Receipt;
  leaf: string;
  batch?: AnchoredBatch;
  /** Seconds from the receipt's time to its batch's anchoring. */
  anchorDelay?: number;
}

const batchKey = (department: string, sequence: number) => `${department.toLowerCase()}#${sequence}`;

/** Reads each batch the entries name from AccessLedger once (as of the connection's block). */
export async function readBatches(
  ctx: AuditContext,
  checked: readonly CheckedReceipt[],
): Promise<Map<string, AnchoredBatch>> {
  const wanted = new Map<string, { department: string; sequence: number }>();
  for (const { entry, receipt } of checked) {
    if (entry.batch)
      wanted.set(batchKey(receipt.department, entry.batch.sequence), {
        department: receipt.department,
        sequence: entry.batch.sequence,
      });
  }
  const ledger = connectLedger(ctx.deployment.contracts.AccessLedger, ctx.provider);
  const batches = await mapLimit([...wanted.values()], 16, async ({ department, sequence }) => {
    const b = await ledger.batch(department, sequence, { blockTag: ctx.head.number });
    return {
      department,
      sequence,
      root: b.root,
      receiptCount: Number(b.receiptCount),
      firstReceiptSequence: Number(b.firstReceiptSequence),
      lastReceiptSequence: Number(b.lastReceiptSequence),
      anchoredAt: Number(b.anchoredAt),
      blockNumber: Number(b.blockNumber),
    } satisfies AnchoredBatch;
  });
  return new Map(batches.map((b) => [batchKey(b.department, b.sequence), b]));
}

/** Leaf, proof, anchoring and delay checks of one receipt; fills `checked.batch` and `checked.anchorDelay`. */
export function checkAnchoring(
  checked: CheckedReceipt,
  batches: Map<string, AnchoredBatch>,
  maxAnchorDelay: number,
  now: number,
): Violation[] {
  const { entry, receipt, leaf } = checked;
  const receiptId = receipt.id;
  const violations: Violation[] = [];
  if (entry.leaf && entry.leaf.toLowerCase() !== leaf) {
    violations.push({
      rule: "leaf_mismatch",
      receiptId,
      detail: `the fields hash to leaf ${leaf}, the receipt came with ${entry.leaf}`,
    });
  }
  if (!entry.batch) {
    const waited = now - receipt.time;
    if (waited > maxAnchorDelay) {
      violations.push({
        rule: "not_anchored",
        receiptId,
        detail: `no batch is named for it ${formatDuration(waited)} after its time ${isoTime(receipt.time)}; the allowed delay is ${formatDuration(maxAnchorDelay)}`,
      });
    }
    return violations;
  }
  const batch = batches.get(batchKey(receipt.department, entry.batch.sequence));
  const label = `batch ${entry.batch.sequence} of department ${receipt.department}`;
  if (!batch || batch.root === ZeroHash) {
    violations.push({ rule: "not_anchored", receiptId, detail: `${label} is not anchored on chain` });
    return violations;
  }
  checked.batch = batch;
  if (receipt.sequence < batch.firstReceiptSequence || receipt.sequence > batch.lastReceiptSequence) {
    violations.push({
      rule: "proof_invalid",
      receiptId,
      detail: `${label} holds receipts ${batch.firstReceiptSequence}..${batch.lastReceiptSequence}, not ${receipt.sequence}`,
    });
  } else if (!verifyProof(receipt, entry.proof ?? [], batch.root)) {
    const claimed =
      entry.batch.root.toLowerCase() === batch.root.toLowerCase()
        ? ""
        : ` (the receipt names root ${entry.batch.root})`;
    violations.push({
      rule: "proof_invalid",
      receiptId,
      detail: `the proof does not lead from the receipt's leaf to the root ${batch.root} anchored for ${label}${claimed}`,
    });
  }
  checked.anchorDelay = batch.anchoredAt - receipt.time;
  if (checked.anchorDelay > maxAnchorDelay) {
    violations.push({
      rule: "anchored_late",
      receiptId,
      detail: `anchored at ${isoTime(batch.anchoredAt)} (block ${batch.blockNumber}), ${formatDuration(checked.anchorDelay)} after its time ${isoTime(receipt.time)}; the allowed delay is ${formatDuration(maxAnchorDelay)}`,
    });
  } else if (checked.anchorDelay < 0) {
    violations.push({
      rule: "time_after_anchor",
      receiptId,
      detail: `its time ${isoTime(receipt.time)} is after the anchoring of its batch at ${isoTime(batch.anchoredAt)}`,
    });
  }
  return violations;
}

/** Each receipt's prevHash must be the leaf of its department's previous receipt (zero for the first). */
export function checkChainLinks(checked: readonly CheckedReceipt[]): Violation[] {
  const bySequence = new Map(checked.map((c) => [`${c.receipt.department.toLowerCase()}#${c.receipt.sequence}`, c]));
  const violations: Violation[] = [];
  for (const { receipt } of checked) {
    const expected =
      receipt.sequence === 1
        ? ZeroHash
        : bySequence.get(`${receipt.department.toLowerCase()}#${receipt.sequence - 1}`)?.leaf;
    if (expected !== undefined && receipt.prevHash.toLowerCase() !== expected) {
      violations.push({
        rule: "prev_hash_mismatch",
        receiptId: receipt.id,
        detail:
          receipt.sequence === 1
            ? `the department's first receipt must have a zero prevHash, not ${receipt.prevHash}`
            : `prevHash ${receipt.prevHash} is not the leaf ${expected} of receipt ${receipt.sequence - 1}`,
      });
    }
  }
  return violations;
}
