/**
 * Authenticity of receipts: each leaf recomputed from the receipt's fields, each proof checked against the root the
 * department anchored on chain (from its anchored history, read once), the anchoring delay and the chain's bound on
 * each receipt's time, and each receipt's link to the previous.
 */
import { ZeroHash } from "ethers";
import { verifyLeafProof, type MerkleSteps, type Receipt } from "../../../core/receipt";
import type { ReceiptEntry } from "../receipts-file";
import type { Violation } from "../rules";
import { formatDuration, isoTime } from "../time";
import { batchHolding, lossHolding, type AnchoredBatch, type AnchoredHistory } from "./history";

export type { AnchoredBatch };

export interface CheckedReceipt {
  entry: ReceiptEntry;
  receipt: Receipt;
  leaf: string;
  /** The department that asked for the data (the consumer, also for a provider's receipt). */
  requester: string;
  batch?: AnchoredBatch;
  /** Seconds from the receipt's time to its batch's anchoring. */
  anchorDelay?: number;
}

/**
 * Merkle steps one run remembers (node → its sibling and their parent; see `verifyLeafProof`), forgotten past this many so that a
 * file of millions of receipts keeps the auditor's memory bounded: the steps shared are those of the batch being read
 * (1,023 inner nodes for 1,024 receipts), so a few batches' worth is all the cache is worth (about 4 MB).
 */
const MAX_REMEMBERED_STEPS = 16_384;

const batchKey = (department: string, sequence: number) => `${department.toLowerCase()}#${sequence}`;

/**
 * The batches the entries name, as the chain's history holds them (a named batch absent from the history is not
 * anchored). Each keeps the department as the receipts spell it.
 */
export function namedBatches(
  checked: readonly CheckedReceipt[],
  histories: ReadonlyMap<string, AnchoredHistory>,
): Map<string, AnchoredBatch> {
  const named = new Map<string, AnchoredBatch>();
  for (const { entry, receipt } of checked) {
    if (!entry.batch) continue;
    const key = batchKey(receipt.department, entry.batch.sequence);
    const batch = histories.get(receipt.department.toLowerCase())?.batches[entry.batch.sequence - 1];
    if (batch && !named.has(key)) named.set(key, { ...batch, department: receipt.department });
  }
  return named;
}

/**
 * Leaf, proof, anchoring and delay checks of one receipt; fills `checked.batch` and `checked.anchorDelay`. A receipt
 * the file gives without a batch is still bounded by the chain: not after the block that anchored its number, if
 * one did, else not after the audited head (`now`).
 */
export function checkAnchoring(
  checked: CheckedReceipt,
  batches: Map<string, AnchoredBatch>,
  maxAnchorDelay: number,
  now: number,
  history: AnchoredHistory | undefined,
  steps: MerkleSteps,
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
    violations.push(...chainTimeBound(receipt, batchHolding(history, receipt.sequence), now));
    const waited = now - receipt.time;
    // A receipt of a range its department declared lost can no longer be proved: `receipts_lost` reports the range.
    if (waited > maxAnchorDelay && lossHolding(history, receipt.sequence) === undefined) {
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
    violations.push(...chainTimeBound(receipt, batchHolding(history, receipt.sequence), now));
    return violations;
  }
  checked.batch = batch;
  if (receipt.sequence < batch.firstReceiptSequence || receipt.sequence > batch.lastReceiptSequence) {
    violations.push({
      rule: "proof_invalid",
      receiptId,
      detail: `${label} holds receipts ${batch.firstReceiptSequence}..${batch.lastReceiptSequence}, not ${receipt.sequence}`,
    });
  } else if (!verifyLeafProof(leaf, entry.proof ?? [], batch.root, forgetPast(steps))) {
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

function forgetPast(steps: MerkleSteps): MerkleSteps {
  if (steps.size > MAX_REMEMBERED_STEPS) steps.clear();
  return steps;
}

/**
 * The chain's bound on the time of a receipt not verified against the batch it names: the block that anchored its
 * number (then the receipt existed), else the audited head (nothing can be dated after the chain's last block).
 */
function chainTimeBound(receipt: Receipt, holding: AnchoredBatch | undefined, now: number): Violation[] {
  if (holding) {
    if (receipt.time <= holding.anchoredAt) return [];
    return [
      {
        rule: "time_after_anchor",
        receiptId: receipt.id,
        detail: `its time ${isoTime(receipt.time)} is after the anchoring of batch ${holding.sequence} at ${isoTime(holding.anchoredAt)} (block ${holding.blockNumber}), which holds receipts ${holding.firstReceiptSequence}..${holding.lastReceiptSequence} of its department`,
      },
    ];
  }
  if (receipt.time <= now) return [];
  return [
    {
      rule: "time_after_head",
      receiptId: receipt.id,
      detail: `its time ${isoTime(receipt.time)} is after the chain's head at ${isoTime(now)}, and no batch anchored its number`,
    },
  ];
}
