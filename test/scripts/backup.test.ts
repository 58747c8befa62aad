/**
 * `npm run backup`'s copy (scripts/backup.ts): a checked snapshot of a gateway database that says what it holds, and
 * never replaces a file. The restore of an older copy against a chain is test/server/modules/receipts.test.ts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { buildBatch } from "../../core/receipt";
import { openDatabase } from "../../server/src/common/db";
import { ReceiptRecorder } from "../../server/src/modules/receipts/recorder";
import { ReceiptStore } from "../../server/src/store/receipts";
import { backupDatabase } from "../../scripts/backup";
import { deniedDraft, DRAFT_DEPARTMENT } from "../server/support/receipt-drafts";

describe("npm run backup: a checked copy of a gateway's database", function () {
  let dir: string;
  let source: string;

  beforeEach(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-backup-"));
    source = path.join(dir, "gateway.db");
    const db = openDatabase(source);
    try {
      const store = new ReceiptStore(db);
      const recorder = new ReceiptRecorder(store);
      const receipts = [];
      for (let i = 0; i < 5; i++) receipts.push((await recorder.record(deniedDraft())).receipt);
      const built = buildBatch(receipts.slice(0, 3));
      store.saveBatch({
        department: DRAFT_DEPARTMENT.toLowerCase(),
        sequence: 1,
        root: built.root,
        previousRoot: "0x" + "00".repeat(32),
        firstSequence: 1,
        lastSequence: 3,
        proofs: receipts.slice(0, 3).map((r) => built.proofs[r.id]),
        createdMs: 1,
      });
      store.markAnchored(DRAFT_DEPARTMENT.toLowerCase(), 1, built.root, "0x" + "ab".repeat(32), 7);
    } finally {
      db.close();
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("copies the database, checked, and says what the copy holds", function () {
    const target = path.join(dir, "copy.db");
    const summary = backupDatabase(source, target);
    expect(summary.file).to.equal(target);
    expect(summary.bytes).to.equal(fs.statSync(target).size);
    expect(summary.departments).to.deep.equal([
      {
        department: DRAFT_DEPARTMENT.toLowerCase(),
        lastReceipt: 5,
        receipts: 5,
        lastBatch: 1,
        anchoredBatches: 1,
        pendingBatches: 0,
      },
    ]);
    const copy = openDatabase(target);
    try {
      const store = new ReceiptStore(copy);
      expect(store.batch(DRAFT_DEPARTMENT.toLowerCase(), 1)?.status).to.equal("anchored");
      expect(copy.prepare(`SELECT sequence FROM receipts ORDER BY sequence`).pluck().all()).to.deep.equal([
        1, 2, 3, 4, 5,
      ]);
    } finally {
      copy.close();
    }
    // Nothing is left beside it but the copy.
    expect(fs.readdirSync(dir).sort()).to.deep.equal(["copy.db", "gateway.db"]);
  });

  it("never replaces a file, and refuses a database that is not there", function () {
    const target = path.join(dir, "existing.db");
    fs.writeFileSync(target, "an earlier backup");
    expect(() => backupDatabase(source, target)).to.throw(/exists: a backup never overwrites a file/);
    expect(fs.readFileSync(target, "utf8")).to.equal("an earlier backup");
    expect(() => backupDatabase(path.join(dir, "nowhere.db"), path.join(dir, "copy.db"))).to.throw(
      /no gateway database at/,
    );
    expect(fs.existsSync(path.join(dir, "copy.db"))).to.equal(false);
    expect(fs.existsSync(path.join(dir, "nowhere.db"))).to.equal(false);
  });
});
