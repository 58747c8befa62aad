/**
 * Fills a gateway's receipt store quickly and honestly, for the receipts-scale bench: every receipt is numbered,
 * chained and checked by the gateway's own recorder (`ReceiptRecorder.record`: the receipt schema, its id and leaf)
 * and inserted by the store's own statement (`ReceiptStore.insertMany`); every batch of 1,024 is built by the
 * receipt module's `buildBatch` and stored by `ReceiptStore.saveBatch`, then marked anchored by
 * `ReceiptStore.markAnchored`, as the anchorer does once its transaction is mined. What it leaves out is the waiting:
 * the recorder's groups run back to back inside one SQLite transaction of `TRANSACTION_RECEIPTS` (the gateway commits
 * one group per turn of its event loop), and the batches are then cut, in a second transaction, from the receipts just
 * committed instead of being read back from the store (the anchorer's `unbatched`, which the bench measures on its
 * own).
 */
import type { Db } from "../../server/src/common/db";
import { storeNextBatch } from "../../server/src/modules/receipts/anchorer";
import { ReceiptRecorder, type ReceiptDraft, type RecordedReceipt } from "../../server/src/modules/receipts/recorder";
import type { ReceiptEnvelope, ReceiptStore } from "../../server/src/store/receipts";

/** One receipt of the history to fill: what a fetch hands the recorder. */
export interface FilledReceipt {
  draft: ReceiptDraft;
  envelope: ReceiptEnvelope | null;
}

/** Where a filled batch's anchor "was mined" (the bench's stand-in chain). */
type AnchorOf = (department: string, batchSequence: number) => { txHash: string; blockNumber: number };

export interface FillerOptions {
  db: Db;
  store: ReceiptStore;
  batchSize: number;
  anchorOf: AnchorOf;
}

/** Receipts a transaction: the recorder's groups of 4,096 back to back (one fsync per 16 batches). */
const TRANSACTION_RECEIPTS = 16_384;
const GROUP = 4_096;

export class ReceiptFiller {
  /** The receipts committed but not yet in a batch, by department, in sequence order. */
  private readonly unbatched = new Map<string, RecordedReceipt[]>();

  constructor(private readonly options: FillerOptions) {}

  /**
   * Records receipts `from` to `to - 1` of the history (`receiptOf(n)`), cuts and anchors every full batch, and the
   * remainder of each department as one last, smaller batch (the anchorer cuts one after `batchSeconds`).
   */
  async fill(from: number, to: number, receiptOf: (n: number) => FilledReceipt): Promise<void> {
    const { db, store } = this.options;
    // A recorder of its own each time: it reads each department's head from the store, so the receipts the bench
    // records between two fills (with the gateway's recorder) are continued, not numbered again.
    let committed = 0;
    const recorder = new ReceiptRecorder(store, {
      maxGroup: GROUP,
      onCommitted: (receipts) => {
        committed += receipts.length;
        for (const r of receipts) this.pendingOf(r.receipt.department).push(r);
      },
    });
    for (let start = from; start < to; start += TRANSACTION_RECEIPTS) {
      const end = Math.min(to, start + TRANSACTION_RECEIPTS);
      committed = 0;
      const recorded: Promise<unknown>[] = [];
      db.transaction(() => {
        for (let n = start; n < end; n++) {
          const { draft, envelope } = receiptOf(n);
          recorded.push(recorder.record(draft, envelope));
        }
        recorder.flush();
      })();
      // The recorder settles a group (`onCommitted`, then its promises) once its commit is durable: after this
      // transaction, a turn of promises later. A group whose insert failed rejects here and ends the fill.
      await Promise.all(recorded);
      if (committed !== end - start) throw new Error(`${end - start} receipts recorded, ${committed} committed`);
      db.transaction(() => this.cutBatches(end === to))();
    }
  }

  private pendingOf(department: string): RecordedReceipt[] {
    let pending = this.unbatched.get(department);
    if (pending === undefined) this.unbatched.set(department, (pending = []));
    return pending;
  }

  /** Every full batch waiting, and with `all` the rest too: built, stored and marked anchored. */
  private cutBatches(all: boolean): void {
    const { store, batchSize, anchorOf } = this.options;
    for (const [department, pending] of this.unbatched) {
      let taken = 0;
      while (pending.length - taken >= batchSize || (all && pending.length > taken)) {
        const receipts = pending.slice(taken, taken + batchSize).map((r) => r.receipt);
        taken += receipts.length;
        const { sequence, root } = storeNextBatch(store, department, receipts, store.lastBatch(department), Date.now());
        const { txHash, blockNumber } = anchorOf(department, sequence);
        if (!store.markAnchored(department, sequence, root, txHash, blockNumber)) {
          throw new Error(`batch ${sequence} of ${department} was not marked anchored`);
        }
      }
      pending.splice(0, taken);
    }
  }
}
