import { expect } from "chai";
import { ethers, ZeroHash } from "ethers";
import { buildBatch, verifyProof, type Receipt } from "../../../../core/receipt";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { ReceiptRecorder, type ReceiptDraft } from "../../../../server/src/modules/receipts/recorder";
import { ReceiptService } from "../../../../server/src/modules/receipts/service";
import { ReceiptStore } from "../../../../server/src/store/receipts";
import { writeEarlierRelease } from "../../support/legacy-receipts";

const DEPARTMENT = ethers.id("department").toLowerCase();
const AUDITOR = { tokenId: 1, role: "auditor" as const, departmentKey: null };
/** The receipts schema before proofs were stored as bytes: its first 12 migrations. */
const BEFORE_PROOF_BYTES = 12;

function draft(n: number): ReceiptDraft {
  return {
    time: 1_700_000_000 + n,
    department: DEPARTMENT,
    account: "0x" + "11".repeat(20),
    grantId: "1",
    agreementId: "1",
    consentId: ZeroHash,
    provider: ethers.id("provider"),
    resourceId: ethers.id("resource"),
    resourceVersion: 1,
    fieldMask: "0x3",
    subjectRef: ethers.id(`subject ${n}`),
    purpose: ethers.encodeBytes32String("purpose"),
    result: "delivered",
    reason: "ok",
    requestHash: ethers.id(`request ${n}`),
    responseHash: ethers.id(`response ${n}`),
  };
}

async function recordAll(recorder: ReceiptRecorder, from: number, to: number): Promise<Receipt[]> {
  const recorded = await Promise.all(Array.from({ length: to - from }, (_, i) => recorder.record(draft(from + i))));
  return recorded.map((r) => r.receipt);
}

function save(store: ReceiptStore, sequence: number, receipts: Receipt[], previousRoot = ZeroHash) {
  const built = buildBatch(receipts);
  store.saveBatch({
    department: DEPARTMENT,
    sequence,
    root: built.root,
    previousRoot,
    firstSequence: built.firstSequence,
    lastSequence: built.lastSequence,
    proofs: receipts.map((r) => built.proofs[r.id]),
    createdMs: 1,
  });
  store.markAnchored(DEPARTMENT, sequence, built.root, ethers.id(`anchor ${sequence}`), sequence);
  return built;
}

describe("Receipts: each receipt's proof stored as bytes beside it", function () {
  let db: Db;
  afterEach(() => db?.close());

  it("serves every receipt's proof, stored as bytes and not as JSON", async function () {
    db = openDatabase(":memory:");
    const store = new ReceiptStore(db);
    const receipts = await recordAll(new ReceiptRecorder(store), 0, 5);
    const built = save(store, 1, receipts);
    const service = new ReceiptService(
      store,
      () => null,
      () => 1,
    );
    for (const r of receipts) {
      const view = service.get(r.id, AUDITOR);
      expect(view.status).to.equal("anchored");
      expect(view.proof).to.deep.equal(built.proofs[r.id]);
      expect(verifyProof(r, view.proof!, built.root)).to.equal(true);
    }
    expect(db.prepare(`SELECT COUNT(*) FROM receipts WHERE proof IS NOT NULL`).pluck().get()).to.equal(0);
    const bytes = db.prepare(`SELECT length(proof_nodes) FROM receipts`).pluck().all();
    expect(bytes).to.deep.equal(receipts.map((r) => 32 * built.proofs[r.id].length));
    expect(store.list({ visibleTo: null, limit: 10 }).map((s) => s.batchSequence)).to.deep.equal([1, 1, 1, 1, 1]);
  });

  it("refuses a batch whose range holds a receipt missing or already batched, and stores nothing of it", async function () {
    db = openDatabase(":memory:");
    const store = new ReceiptStore(db);
    const receipts = await recordAll(new ReceiptRecorder(store), 0, 4);
    const first = save(store, 1, receipts.slice(0, 2));
    const next = buildBatch(receipts.slice(2, 4));
    const attempt = (firstSequence: number, lastSequence: number) => () =>
      store.saveBatch({
        department: DEPARTMENT,
        sequence: 2,
        root: next.root,
        previousRoot: first.root,
        firstSequence,
        lastSequence,
        proofs: [[], [], []],
        createdMs: 1,
      });
    // Receipts 3–5: the fifth does not exist; 2–4: the second is in batch 1 already; 3–4 with three proofs.
    expect(attempt(3, 5)).to.throw(/receipt 5 of .* is missing or already in a batch/);
    expect(attempt(2, 4)).to.throw(/receipt 2 of .* is missing or already in a batch/);
    expect(attempt(3, 4)).to.throw(/a batch of 2 receipts with 3 proofs/);
    expect(store.lastBatch(DEPARTMENT)?.sequence).to.equal(1);
    expect(store.get(receipts[2].id)?.batchSequence).to.equal(null);
    expect(store.get(receipts[2].id)?.proof).to.equal(null);
  });

  it("migrates a database whose receipts carry JSON proofs: they keep them, and later batches store bytes", async function () {
    // Three receipts batched by the release before, which stored their proofs as JSON (its first 12 statements).
    const current = openDatabase(":memory:");
    const currentStore = new ReceiptStore(current);
    const old = await recordAll(new ReceiptRecorder(currentStore), 0, 3);
    const oldBatch = buildBatch(old);
    db = openDatabase(":memory:");
    writeEarlierRelease(
      db,
      BEFORE_PROOF_BYTES,
      old.map((r) => ({
        stored: { ...currentStore.get(r.id)!, batchSequence: 1, proof: oldBatch.proofs[r.id] },
        proofAs: "json" as const,
      })),
      [
        {
          department: DEPARTMENT,
          sequence: 1,
          root: oldBatch.root,
          receipt_count: 3,
          first_sequence: 1,
          last_sequence: 3,
          previous_root: ZeroHash,
          status: "anchored",
          attempts: 0,
          tx_hash: ethers.id("old anchor"),
          block_number: 1,
          created_ms: 1,
        },
      ],
    );
    current.close();
    expect(db.prepare(`SELECT COUNT(*) FROM receipts WHERE proof IS NOT NULL`).pluck().get()).to.equal(3);

    const migrated = new ReceiptStore(db);
    expect(migrated.fresh).to.equal(true);
    for (const r of old) expect(migrated.get(r.id)?.proof).to.deep.equal(oldBatch.proofs[r.id]);
    const fresh = await recordAll(new ReceiptRecorder(migrated), 3, 6);
    const newBatch = save(migrated, 2, fresh, oldBatch.root);
    for (const r of fresh) {
      const proof = migrated.get(r.id)!.proof!;
      expect(proof).to.deep.equal(newBatch.proofs[r.id]);
      expect(verifyProof(r, proof, newBatch.root)).to.equal(true);
    }
  });
});
