/**
 * ReceiptStore after a loss its department's admin declared on chain (AccessLedger `ReceiptsDeclaredLost`): the
 * divergences it explains are resolved, the lost range's receipts still held are kept and never batched, numbering and
 * batching go on after the range (a new hash chain, the next batch naming the chain's last root), across a restart.
 */
import { expect } from "chai";
import { ethers, ZeroHash } from "ethers";
import { buildBatch, receiptLeaf } from "../../../../core/receipt";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { storeNextBatch } from "../../../../server/src/modules/receipts/anchorer";
import { ReceiptRecorder } from "../../../../server/src/modules/receipts/recorder";
import { LOST_BATCH, ReceiptStore } from "../../../../server/src/store/receipts";
import { anchoredEvent as anchored, deniedDraft } from "../../support/receipt-drafts";

const OURS = ethers.id("our department").toLowerCase();
const OTHERS = ethers.id("another department").toLowerCase();
const REASON = ethers.id("incident report: the gateway's disk was lost");
const ADMIN = "0x00000000000000000000000000000000000000Ad";
const ROOT_2 = ethers.id("batch 2, anchored before the disk was lost");
const ROOT_3 = ethers.id("batch 3, anchored before the disk was lost");

function declaredLost(department: string, batches: [number, number], receipts: [number, number], block: number) {
  return {
    contract: "AccessLedger",
    name: "ReceiptsDeclaredLost",
    args: {
      departmentId: department,
      firstBatchSequence: BigInt(batches[0]),
      lastBatchSequence: BigInt(batches[1]),
      firstReceiptSequence: BigInt(receipts[0]),
      lastReceiptSequence: BigInt(receipts[1]),
      reasonHash: REASON,
      admin: ADMIN,
    },
    txHash: ethers.id(`loss ${department} ${batches[0]}`),
    blockNumber: block,
  };
}

describe("Receipts: a loss of anchored receipts declared on chain", function () {
  let db: Db;
  let store: ReceiptStore;
  let recorder: ReceiptRecorder;

  /** As after a restore of a copy taken with batch 1 anchored and receipt 3 recorded, the chain at batch 3. */
  beforeEach(async function () {
    db = openDatabase(":memory:");
    store = new ReceiptStore(db);
    store.watch([OURS]);
    recorder = new ReceiptRecorder(store);
    const batch1 = await Promise.all([1, 2].map(() => recorder.record(deniedDraft("consent_missing", "0x0", OURS))));
    storeNextBatch(
      store,
      OURS,
      batch1.map((r) => r.receipt),
      null,
      1,
    );
    await recorder.record(deniedDraft("consent_missing", "0x0", OURS));
    store.apply([
      anchored(OURS, 1, store.batch(OURS, 1)!.root, 10),
      anchored(OURS, 2, ROOT_2, 11),
      anchored(OURS, 3, ROOT_3, 12),
    ]);
    expect(store.divergence(OURS)?.batchSequence).to.equal(2);
  });
  afterEach(() => db.close());

  it("resolves the divergences it covers and keeps the lost range's receipts out of every batch", function () {
    store.apply([declaredLost(OURS, [2, 3], [3, 6], 13)]);

    expect(store.divergence(OURS)).to.equal(null);
    expect(db.prepare(`SELECT COUNT(*) FROM receipt_divergences`).pluck().get()).to.equal(0);
    expect(store.loss(OURS)).to.deep.include({
      firstBatch: 2,
      lastBatch: 3,
      firstSequence: 3,
      lastSequence: 6,
      lastRoot: ROOT_3,
      reasonHash: REASON,
      admin: ADMIN,
      blockNumber: 13,
    });
    const held = store.list({ visibleTo: null, limit: 10 }).find((s) => s.receipt.sequence === 3)!;
    expect(held.batchSequence).to.equal(LOST_BATCH);
    expect(store.unbatchedSummary(OURS).count).to.equal(0);
    expect(store.anchoredThrough(OURS)).to.equal(6);
    expect(store.oldestUnanchored(OURS)).to.equal(null);
    expect(store.batchTail(OURS)).to.deep.equal({ sequence: 3, root: ROOT_3, lastSequence: 6 });
  });

  it("numbers the next receipt after the range with a new hash chain, and batches it after the chain's last root", async function () {
    store.apply([declaredLost(OURS, [2, 3], [3, 6], 13)]);

    // The recorder had receipt 3 as its head in memory; a restarted one reads it from the store.
    for (const r of [recorder, new ReceiptRecorder(new ReceiptStore(db))]) {
      const next = await r.record(deniedDraft("consent_missing", "0x0", OURS));
      if (r === recorder) {
        expect(next.receipt.sequence).to.equal(7);
        expect(next.receipt.prevHash).to.equal(ZeroHash);
      } else {
        // The second follows the first through the table: a chain of its own again.
        expect(next.receipt.sequence).to.equal(8);
        expect(next.receipt.prevHash).to.equal(receiptLeaf(store.list({ visibleTo: null, limit: 10 }).at(-2)!.receipt));
      }
    }
    const waiting = store.unbatched(OURS, 10).map((w) => w.receipt);
    expect(waiting.map((r) => r.sequence)).to.deep.equal([7, 8]);
    const { sequence } = storeNextBatch(store, OURS, waiting, store.batchTail(OURS), 2);
    expect(sequence).to.equal(4);
    expect(store.batch(OURS, 4)).to.deep.include({
      previousRoot: ROOT_3,
      firstSequence: 7,
      lastSequence: 8,
      root: buildBatch(waiting).root,
    });
  });

  it("is kept across a restart", function () {
    store.apply([declaredLost(OURS, [2, 3], [3, 6], 13)]);
    const restarted = new ReceiptStore(db);
    expect(restarted.divergence(OURS)).to.equal(null);
    expect(restarted.loss(OURS)).to.deep.include({ lastBatch: 3, lastSequence: 6, lastRoot: ROOT_3 });
    expect(restarted.batchTail(OURS)).to.deep.equal({ sequence: 3, root: ROOT_3, lastSequence: 6 });
  });

  it("still fails closed on a divergence after the range it declares", function () {
    const later = ethers.id("batch 5, anchored by a second gateway");
    store.apply([anchored(OURS, 5, later, 14), declaredLost(OURS, [2, 3], [3, 6], 15)]);
    expect(store.divergence(OURS)).to.deep.include({ batchSequence: 5, chainRoot: later });
    expect(new ReceiptStore(db).divergence(OURS)?.batchSequence).to.equal(5);
  });

  it("concerns only the departments this gateway anchors", function () {
    store.apply([anchored(OTHERS, 1, ethers.id("theirs"), 13), declaredLost(OTHERS, [1, 1], [1, 4], 14)]);
    expect(store.loss(OTHERS)).to.equal(null);
    expect(store.divergence(OURS)?.batchSequence).to.equal(2);
    expect(db.prepare(`SELECT COUNT(*) FROM receipt_losses`).pluck().get()).to.equal(0);
  });
});
