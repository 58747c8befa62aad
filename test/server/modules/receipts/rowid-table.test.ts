/**
 * The receipts table has rowids: its inner B-tree pages hold 8-byte keys instead of whole rows (~3 KB with an
 * envelope), so a lookup by id reads the id index and then the table by rowid, a few pages deep at 10^7 receipts.
 * A database of the release before (a table without rowid) is rebuilt by a migration, every row and index kept.
 */
import { expect } from "chai";
import { ethers, ZeroHash } from "ethers";
import { buildBatch, verifyProof, type Receipt } from "../../../../core/receipt";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { ReceiptRecorder, type ReceiptDraft } from "../../../../server/src/modules/receipts/recorder";
import { ReceiptStore } from "../../../../server/src/store/receipts";
import { writeEarlierRelease } from "../../support/legacy-receipts";

const CIVIL = ethers.id("civil affairs").toLowerCase();
const HEALTH = ethers.id("health").toLowerCase();
/** The release before the rebuild: its schema is the first 13 statements. */
const BEFORE_ROWIDS = 13;
const COLUMNS = `department, sequence, id, time, created_ms, grant_id, agreement_id, provider, subject_ref, result, leaf,
  batch_sequence, role, record, proof_nodes, proof`;
const INDEXES = ["receipts_agreement", "receipts_subject", "receipts_time", "receipts_unbatched"];

function draft(n: number, department: string): ReceiptDraft {
  return {
    time: 1_700_000_000 + n,
    department,
    account: "0x" + "11".repeat(20),
    grantId: "1",
    agreementId: String(1 + (n % 3)),
    consentId: ZeroHash,
    provider: ethers.id("provider"),
    resourceId: ethers.id("resource"),
    resourceVersion: 1,
    fieldMask: "0x3",
    subjectRef: ethers.id(`subject ${n % 4}`),
    purpose: ethers.encodeBytes32String("purpose"),
    result: "delivered",
    reason: "ok",
    requestHash: ethers.id(`request ${n}`),
    responseHash: ethers.id(`response ${n}`),
  };
}

/** Ten receipts of each department, the first six of each batched and anchored. */
async function fill(store: ReceiptStore): Promise<Map<string, Receipt[]>> {
  const recorder = new ReceiptRecorder(store);
  const byDepartment = new Map<string, Receipt[]>();
  for (const department of [CIVIL, HEALTH]) {
    const recorded = await Promise.all(Array.from({ length: 10 }, (_, n) => recorder.record(draft(n, department))));
    const receipts = recorded.map((r) => r.receipt);
    byDepartment.set(department, receipts);
    const built = buildBatch(receipts.slice(0, 6));
    store.saveBatch({
      department,
      sequence: 1,
      root: built.root,
      previousRoot: ZeroHash,
      firstSequence: 1,
      lastSequence: 6,
      proofs: receipts.slice(0, 6).map((r) => built.proofs[r.id]),
      createdMs: 1,
    });
    store.markAnchored(department, 1, built.root, ethers.id(`anchor ${department}`), 7);
  }
  return byDepartment;
}

const tableSql = (db: Db) =>
  db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'receipts'`).pluck().get() as string;
const indexNames = (db: Db) =>
  db
    .prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'receipts' AND sql IS NOT NULL`)
    .pluck()
    .all();
const idKey = (id: string) => Buffer.from(id.slice(2), "hex");

describe("Receipts: a table with rowids", function () {
  let db: Db;
  let older: Db | undefined;
  afterEach(() => {
    db?.close();
    older?.close();
    older = undefined;
  });

  it("keeps the receipts in a table with rowids, found by id through the id index and then by rowid", async function () {
    db = openDatabase(":memory:");
    const store = new ReceiptStore(db);
    const receipts = (await fill(store)).get(CIVIL)!;
    expect(tableSql(db)).to.not.match(/WITHOUT ROWID/i);
    expect(db.prepare(`SELECT COUNT(rowid) FROM receipts`).pluck().get()).to.equal(20);
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT record, proof_nodes FROM receipts WHERE id = ?`)
      .all(idKey(receipts[0].id)) as { detail: string }[];
    expect(plan.map((p) => p.detail)).to.deep.equal(["SEARCH receipts USING INDEX sqlite_autoindex_receipts_1 (id=?)"]);
    // The key is still unique: a second receipt 1 of the department is refused.
    const copy = db.prepare(`SELECT ${COLUMNS} FROM receipts WHERE id = ?`).get(idKey(receipts[0].id)) as Record<
      string,
      unknown
    >;
    expect(() =>
      db
        .prepare(`INSERT INTO receipts (${COLUMNS}) VALUES (${Array(16).fill("?").join(", ")})`)
        .run(...Object.values({ ...copy, id: idKey("0x" + "ab".repeat(32)) })),
    ).to.throw(/UNIQUE constraint failed: receipts.department, receipts.sequence/);
  });

  it("rebuilds a table without rowid of the release before: every row, proof and index kept", async function () {
    // The same receipts written by this release and by the one before (its first 13 statements), row for row.
    older = openDatabase(":memory:");
    const current = openDatabase(":memory:");
    try {
      const currentStore = new ReceiptStore(current);
      const byDepartment = await fill(currentStore);
      const all = [...byDepartment.values()].flat();
      const batches = current.prepare(`SELECT * FROM receipt_batches`).all() as Record<string, unknown>[];
      writeEarlierRelease(
        older,
        BEFORE_ROWIDS,
        all.map((r) => ({ stored: currentStore.get(r.id)!, proofAs: "bytes" as const })),
        batches,
      );
      expect(tableSql(older)).to.match(/WITHOUT ROWID/);
      expect(older.prepare(`SELECT COUNT(*) FROM receipts`).pluck().get()).to.equal(20);

      db = older;
      older = undefined;
      const migrated = new ReceiptStore(db);
      expect(migrated.fresh).to.equal(true);
      expect(tableSql(db)).to.not.match(/WITHOUT ROWID/i);
      for (const r of all) expect(migrated.get(r.id)).to.deep.equal(currentStore.get(r.id));
      expect(indexNames(db)).to.have.members(INDEXES);
      expect(db.pragma("integrity_check", { simple: true })).to.equal("ok");
      for (const [department, receipts] of byDepartment) {
        const root = migrated.batch(department, 1)!.root;
        for (const r of receipts.slice(0, 6)) {
          const stored = migrated.get(r.id)!;
          expect(stored.batchSequence).to.equal(1);
          expect(verifyProof(r, stored.proof!, root)).to.equal(true);
        }
        expect(migrated.unbatched(department, 100).map((w) => w.receipt.sequence)).to.deep.equal([7, 8, 9, 10]);
      }
      // The recorder continues each department's chain on the rebuilt table.
      const next = await new ReceiptRecorder(migrated).record(draft(10, CIVIL));
      expect(next.receipt.sequence).to.equal(11);
      expect(next.receipt.prevHash).to.equal(currentStore.head(CIVIL)!.leaf);
    } finally {
      current.close();
    }
  });
});
