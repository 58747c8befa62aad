/**
 * Each department's anchored history as the chain holds it: every `BatchAnchored` event of the department (one query
 * filtered by its id topic), checked against the ledger's `head` at the audited block; a batch the logs do not show
 * (a node that dropped old logs, a deployment block set too late) is read from the ledger's storage instead, so the
 * history is always batches 1..head with no gap. With it, the losses the department declared (`ReceiptsDeclaredLost`).
 */
import type {
  BatchAnchoredEvent,
  ReceiptsDeclaredLostEvent,
} from "../../../typechain-types/contracts/audit/IAccessLedger";
import type { AuditContext } from "../connect";
import { connectLedger, eventTopics, interfaces } from "../contracts";
import { mapLimit } from "../concurrency";
import { argsOf } from "../state/fold";

/** A batch as AccessLedger anchored it (its `BatchAnchored` event and block). */
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

/** A loss of anchored receipts the department's admin declared (`ReceiptsDeclaredLost`), as of its block. */
export interface DeclaredLoss {
  department: string;
  firstBatchSequence: number;
  lastBatchSequence: number;
  firstReceiptSequence: number;
  lastReceiptSequence: number;
  reasonHash: string;
  admin: string;
  declaredAt: number;
  blockNumber: number;
}

export interface AnchoredHistory {
  department: string;
  /** The ledger's head: the last anchored batch and receipt sequence (zero before the first batch). */
  lastBatchSequence: number;
  lastReceiptSequence: number;
  /** Batches 1..lastBatchSequence, in order. */
  batches: AnchoredBatch[];
  /** The losses the department declared, in order (their batch ranges do not overlap). */
  losses: DeclaredLoss[];
}

/** The declared loss that covers receipt `sequence` of the history's department, if one does. */
export function lossHolding(history: AnchoredHistory | undefined, sequence: number): DeclaredLoss | undefined {
  return history?.losses.find((l) => sequence >= l.firstReceiptSequence && sequence <= l.lastReceiptSequence);
}

/** The batch of the history that holds receipt `sequence`, if it is anchored. */
export function batchHolding(history: AnchoredHistory | undefined, sequence: number): AnchoredBatch | undefined {
  const batches = history?.batches ?? [];
  let low = 0;
  let high = batches.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const b = batches[mid];
    if (sequence < b.firstReceiptSequence) high = mid - 1;
    else if (sequence > b.lastReceiptSequence) low = mid + 1;
    else return b;
  }
  return undefined;
}

/**
 * The declared loss of the history's department whose receipts may have a time within `slack` seconds of `time`: its
 * lost receipts were anchored at most `maxAnchorDelay` after their time, so they lie after the anchoring of the batch
 * before the loss less that delay, and no later than the anchoring of its last batch.
 */
export function lossAround(
  history: AnchoredHistory | undefined,
  time: number,
  maxAnchorDelay: number,
  slack: number,
): DeclaredLoss | undefined {
  return history?.losses.find((l) => {
    const before = l.firstBatchSequence > 1 ? history.batches[l.firstBatchSequence - 2] : undefined;
    const from = before === undefined ? -Infinity : before.anchoredAt - maxAnchorDelay;
    const to = history.batches[l.lastBatchSequence - 1]?.anchoredAt ?? Infinity;
    return time >= from - slack && time <= to + slack;
  });
}

/** The anchored histories of the given departments, by lower-case department id. */
export async function loadAnchoredHistories(
  ctx: AuditContext,
  departments: Iterable<string>,
): Promise<Map<string, AnchoredHistory>> {
  const ids = [...new Set([...departments].map((d) => d.toLowerCase()))];
  const histories = new Map<string, AnchoredHistory>();
  if (ids.length === 0) return histories;
  const ledger = connectLedger(ctx.deployment.contracts.AccessLedger, ctx.provider);
  const [events, heads] = await Promise.all([
    ctx.events.events(ctx.deployment.contracts.AccessLedger, interfaces.AccessLedger, [
      eventTopics("AccessLedger", ["BatchAnchored", "ReceiptsDeclaredLost"]),
      ids,
    ]),
    mapLimit(ids, 16, (id) => ledger.head(id, { blockTag: ctx.head.number })),
  ]);
  const logged = new Map<string, AnchoredBatch>();
  const losses = new Map<string, DeclaredLoss[]>();
  for (const event of events) {
    if (event.name === "ReceiptsDeclaredLost") {
      const l = argsOf<ReceiptsDeclaredLostEvent.OutputObject>(event);
      const department = l.departmentId.toLowerCase();
      losses.set(department, [
        ...(losses.get(department) ?? []),
        {
          department,
          firstBatchSequence: Number(l.firstBatchSequence),
          lastBatchSequence: Number(l.lastBatchSequence),
          firstReceiptSequence: Number(l.firstReceiptSequence),
          lastReceiptSequence: Number(l.lastReceiptSequence),
          reasonHash: l.reasonHash,
          admin: l.admin,
          declaredAt: event.time,
          blockNumber: event.blockNumber,
        },
      ]);
      continue;
    }
    const b = argsOf<BatchAnchoredEvent.OutputObject>(event);
    const batch: AnchoredBatch = {
      department: b.departmentId.toLowerCase(),
      sequence: Number(b.batchSequence),
      root: b.root,
      receiptCount: Number(b.receiptCount),
      firstReceiptSequence: Number(b.firstReceiptSequence),
      lastReceiptSequence: Number(b.lastReceiptSequence),
      anchoredAt: event.time,
      blockNumber: event.blockNumber,
    };
    logged.set(`${batch.department}#${batch.sequence}`, batch);
  }
  for (const [i, id] of ids.entries()) {
    const [lastBatch, lastReceipt] = heads[i];
    const sequences = Array.from({ length: Number(lastBatch) }, (_, k) => k + 1);
    const batches = await mapLimit(sequences, 16, async (sequence) => {
      const known = logged.get(`${id}#${sequence}`);
      if (known) return known;
      const b = await ledger.batch(id, sequence, { blockTag: ctx.head.number });
      return {
        department: id,
        sequence,
        root: b.root,
        receiptCount: Number(b.receiptCount),
        firstReceiptSequence: Number(b.firstReceiptSequence),
        lastReceiptSequence: Number(b.lastReceiptSequence),
        anchoredAt: Number(b.anchoredAt),
        blockNumber: Number(b.blockNumber),
      } satisfies AnchoredBatch;
    });
    histories.set(id, {
      department: id,
      lastBatchSequence: Number(lastBatch),
      lastReceiptSequence: Number(lastReceipt),
      batches,
      losses: (losses.get(id) ?? []).sort((a, b) => a.firstBatchSequence - b.firstBatchSequence),
    });
  }
  return histories;
}
