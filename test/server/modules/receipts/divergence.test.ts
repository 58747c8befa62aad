/**
 * ReceiptStore's divergences: a BatchAnchored event of a department this gateway anchors, for a batch its database
 * does not hold (or holds with another root), is recorded, kept across a restart, and answered by `divergence`; the
 * batches it holds, and other departments' batches, are not divergences.
 */
import { expect } from "chai";
import { ethers, ZeroHash } from "ethers";
import { buildBatch, verifyProof, type Receipt } from "../../../../core/receipt";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { ReceiptRecorder } from "../../../../server/src/modules/receipts/recorder";
import { ReceiptStore } from "../../../../server/src/store/receipts";
import { anchoredEvent as anchored, deniedDraft } from "../../support/receipt-drafts";

const OURS = ethers.id("our department").toLowerCase();
const OTHERS = ethers.id("another department").toLowerCase();

describe("Receipts: batches the chain holds and this database does not", function () {
  let db: Db;
  let store: ReceiptStore;
  let batch1: string;

  beforeEach(async function () {
    db = openDatabase(":memory:");
    store = new ReceiptStore(db);
    store.watch([OURS.toUpperCase().replace("0X", "0x")]);
    const recorder = new ReceiptRecorder(store);
    const receipts = await Promise.all([1, 2].map(() => recorder.record(deniedDraft("consent_missing", "0x0", OURS))));
    const built = buildBatch(receipts.map((r) => r.receipt));
    store.saveBatch({
      department: OURS,
      sequence: 1,
      root: built.root,
      previousRoot: ZeroHash,
      firstSequence: built.firstSequence,
      lastSequence: built.lastSequence,
      proofs: receipts.map((r) => built.proofs[r.receipt.id]),
      createdMs: 1,
    });
    batch1 = built.root;
  });
  afterEach(() => db.close());

  it("are none while the chain anchors only the batches this database holds, or other departments' batches", function () {
    store.apply([anchored(OURS, 1, batch1, 10)]); // pending here: marked anchored
    expect(store.batch(OURS, 1)?.status).to.equal("anchored");
    store.apply([anchored(OURS, 1, batch1.toUpperCase().replace("0X", "0x"), 10)]); // seen again, any case
    store.apply([anchored(OTHERS, 1, ethers.id("their root"), 11), anchored(OTHERS, 2, ethers.id("next"), 12)]);
    expect(store.divergence(OURS)).to.equal(null);
    expect(store.divergence(OTHERS)).to.equal(null);
    expect(db.prepare(`SELECT COUNT(*) FROM receipt_divergences`).pluck().get()).to.equal(0);
  });

  it("records a batch this database does not hold, and keeps it across a restart", function () {
    const missing = ethers.id("batch 2 of a newer database");
    store.apply([anchored(OURS, 1, batch1, 10), anchored(OURS, 2, missing, 12)]);
    expect(store.divergence(OURS)).to.deep.include({
      department: OURS,
      batchSequence: 2,
      chainRoot: missing,
      localRoot: null,
      blockNumber: 12,
    });
    expect(store.divergence(OURS.toUpperCase().replace("0X", "0x"))?.batchSequence).to.equal(2);
    expect(store.batch(OURS, 1)?.status).to.equal("anchored");
    // A restart reads what was recorded, before anything is watched or applied.
    const restarted = new ReceiptStore(db);
    expect(restarted.divergence(OURS)).to.deep.include({ batchSequence: 2, chainRoot: missing, localRoot: null });
  });

  it("records a batch it holds with another root, leaves it pending, and answers the department's lowest divergence", function () {
    store.apply([anchored(OURS, 2, ethers.id("batch 2"), 12)]);
    expect(store.divergence(OURS)?.batchSequence).to.equal(2);
    const conflicting = ethers.id("batch 1, anchored by another gateway");
    store.apply([anchored(OURS, 1, conflicting, 13)]);
    expect(store.divergence(OURS)).to.deep.include({ batchSequence: 1, chainRoot: conflicting, localRoot: batch1 });
    expect(store.batch(OURS, 1)?.status).to.equal("pending");
    expect(new ReceiptStore(db).divergence(OURS)?.batchSequence).to.equal(1);
    expect(db.prepare(`SELECT COUNT(*) FROM receipt_divergences`).pluck().get()).to.equal(2);
  });

  describe("a batch cut from receipts this database holds but had not batched (a copy taken just before the cut)", function () {
    let held: Receipt[];
    beforeEach(async function () {
      store.apply([anchored(OURS, 1, batch1, 10)]);
      const recorder = new ReceiptRecorder(store);
      held = [];
      for (let i = 0; i < 2; i++)
        held.push((await recorder.record(deniedDraft("consent_missing", "0x0", OURS))).receipt);
    });
    const batch2 = (root: string, last = 4) => ({
      ...anchored(OURS, 2, root, 12),
      args: {
        departmentId: OURS,
        batchSequence: 2n,
        root,
        firstReceiptSequence: 3n,
        lastReceiptSequence: BigInt(last),
        previousRoot: batch1,
      },
    });

    it("is cut again from them and kept anchored, with every proof: nothing diverged", function () {
      const built = buildBatch(held);
      store.apply([batch2(built.root)]);
      expect(store.divergence(OURS)).to.equal(null);
      expect(store.batch(OURS, 2)).to.deep.include({ status: "anchored", firstSequence: 3, lastSequence: 4 });
      for (const r of held) {
        const stored = store.get(r.id)!;
        expect(stored.batchSequence).to.equal(2);
        expect(verifyProof(r, stored.proof!, built.root)).to.equal(true);
      }
    });

    it("is a divergence when its root is another", function () {
      store.apply([batch2(ethers.id("another batch 2"))]);
      expect(store.divergence(OURS)).to.deep.include({ batchSequence: 2, localRoot: null });
      expect(store.batch(OURS, 2)).to.equal(null);
      expect(store.unbatchedSummary(OURS).count).to.equal(2);
    });

    it("is a divergence when a receipt of it is not held", function () {
      store.apply([batch2(buildBatch(held).root, 5)]);
      expect(store.divergence(OURS)?.batchSequence).to.equal(2);
      expect(store.batch(OURS, 2)).to.equal(null);
      expect(store.unbatchedSummary(OURS).count).to.equal(2);
    });
  });

  it("records nothing for departments it was not asked to watch", function () {
    const unwatched = new ReceiptStore(db);
    unwatched.apply([anchored(OURS, 2, ethers.id("batch 2"), 12)]);
    expect(unwatched.divergence(OURS)).to.equal(null);
  });
});
