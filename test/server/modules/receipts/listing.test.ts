/**
 * The receipts listing (ReceiptStore.list) pages with a cursor: the `after` of each page is the last receipt's place
 * in the listing's order (time, department, sequence), so a page deep in is a seek in an index, not a count from the
 * start, and paging visits every receipt once, in order, however many share a second.
 */
import { expect } from "chai";
import { ethers, ZeroHash } from "ethers";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { ReceiptRecorder, type ReceiptDraft } from "../../../../server/src/modules/receipts/recorder";
import { ReceiptStore, type ReceiptQuery, type StoredReceipt } from "../../../../server/src/store/receipts";

const CIVIL = ethers.id("civil affairs").toLowerCase();
const SECURITY = ethers.id("public security").toLowerCase();
const HEALTH = ethers.id("health").toLowerCase();
const SUBJECTS = [ethers.id("subject a"), ethers.id("subject b")];

/** Receipt n of `department` from `provider`: three receipts a second, the subjects and agreements in turn. */
function draft(n: number, department: string, provider: string): ReceiptDraft {
  return {
    time: 1_700_000_000 + Math.floor(n / 3),
    department,
    account: "0x" + "11".repeat(20),
    grantId: "1",
    agreementId: String(1 + (n % 2)),
    consentId: ZeroHash,
    provider,
    resourceId: ethers.id("resource"),
    resourceVersion: 1,
    fieldMask: "0x0",
    subjectRef: SUBJECTS[n % 2],
    purpose: ethers.encodeBytes32String("purpose"),
    result: "denied",
    reason: "consent_missing",
    requestHash: ethers.id(`request ${n}`),
    responseHash: ZeroHash,
  };
}

const idsOf = (items: readonly StoredReceipt[]) => items.map((s) => s.receipt.id);

/** Every page of the query, `limit` at a time, each from the cursor of the page before. */
function pages(store: ReceiptStore, query: Omit<ReceiptQuery, "limit" | "after">, limit: number): StoredReceipt[][] {
  const out: StoredReceipt[][] = [];
  let after: ReceiptQuery["after"];
  for (;;) {
    const page = store.list({ ...query, after, limit });
    if (page.length === 0) return out;
    out.push(page);
    const last = page.at(-1)!.receipt;
    after = { time: last.time, department: last.department, sequence: last.sequence };
  }
}

describe("receipts listing: keyset pages", function () {
  let db: Db;
  let store: ReceiptStore;

  before(async function () {
    db = openDatabase(":memory:");
    store = new ReceiptStore(db);
    const recorder = new ReceiptRecorder(store);
    // Civil affairs' receipts of fetches from two providers, and public security's own, interleaved in time.
    await Promise.all(
      Array.from({ length: 30 }, (_, n) => [
        recorder.record(draft(n, CIVIL, n % 3 === 0 ? HEALTH : SECURITY)),
        recorder.record(draft(n, SECURITY, SECURITY)),
      ]).flat(),
    );
  });
  after(() => db.close());

  it("visits every receipt once, in time, department and sequence order, a page at a time", function () {
    const everything = store.list({ visibleTo: null, limit: 1000 });
    expect(everything).to.have.length(60);

    const paged = pages(store, { visibleTo: null }, 7);

    expect(paged.map((p) => p.length)).to.deep.equal([7, 7, 7, 7, 7, 7, 7, 7, 4]);
    expect(idsOf(paged.flat())).to.deep.equal(idsOf(everything));
    const keys = everything.map(({ receipt: r }) => [r.time, r.department, r.sequence] as const);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]) || a[2] - b[2]);
    expect(keys).to.deep.equal(sorted);
  });

  it("pages a department's receipts (as requester or provider) and a subject's, with the same cursor", function () {
    const civil = store.list({ visibleTo: CIVIL, limit: 1000 });
    expect(civil).to.have.length(30);
    expect(idsOf(pages(store, { visibleTo: CIVIL }, 4).flat())).to.deep.equal(idsOf(civil));

    const security = store.list({ visibleTo: SECURITY, limit: 1000 });
    expect(security).to.have.length(50); // its own 30 and the 20 civil affairs fetched from it
    expect(idsOf(pages(store, { visibleTo: SECURITY }, 6).flat())).to.deep.equal(idsOf(security));

    const subject = store.list({ visibleTo: CIVIL, subjectRef: SUBJECTS[1], limit: 1000 });
    expect(subject).to.have.length(15);
    expect(subject.every((s) => s.receipt.subjectRef === SUBJECTS[1])).to.equal(true);
    expect(idsOf(pages(store, { visibleTo: CIVIL, subjectRef: SUBJECTS[1] }, 4).flat())).to.deep.equal(idsOf(subject));

    const agreement = store.list({ visibleTo: null, agreementId: "2", since: 1_700_000_004, limit: 1000 });
    expect(idsOf(pages(store, { visibleTo: null, agreementId: "2", since: 1_700_000_004 }, 5).flat())).to.deep.equal(
      idsOf(agreement),
    );
  });

  /** The plan of the last statement `read` prepares: the store's own query, caught on its way to SQLite. */
  function planOf(read: () => unknown, ...parameters: unknown[]): string {
    const prepared: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => (prepared.push(sql), prepare(sql))) as typeof db.prepare;
    try {
      read();
    } finally {
      db.prepare = prepare;
    }
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${prepared.at(-1)}`).all(...parameters) as { detail: string }[];
    return plan.map((p) => p.detail).join(" | ");
  }

  it("walks an index in the listing's order for a department's page, never sorting all its receipts", function () {
    const after = { time: 0, department: CIVIL, sequence: 0 };
    const plan = planOf(() => store.list({ visibleTo: CIVIL, after, limit: 100 }), CIVIL, CIVIL, 0, CIVIL, 0, 100);
    expect(plan)
      .to.match(/USING INDEX receipts_time/)
      .and.not.match(/TEMP B-TREE/);
  });

  it("walks the subject's or the agreement's index in the listing's order for a filtered page, never sorting", function () {
    const after = { time: 0, department: CIVIL, sequence: 0 };
    const bySubject = planOf(
      () => store.list({ visibleTo: CIVIL, subjectRef: SUBJECTS[1], after, limit: 100 }),
      CIVIL,
      CIVIL,
      SUBJECTS[1],
      0,
      CIVIL,
      0,
      100,
    );
    expect(bySubject)
      .to.match(/USING INDEX receipts_subject/)
      .and.not.match(/TEMP B-TREE/);
    const byAgreement = planOf(
      () => store.list({ visibleTo: null, agreementId: "2", after, limit: 100 }),
      "2",
      0,
      CIVIL,
      0,
      100,
    );
    expect(byAgreement)
      .to.match(/USING INDEX receipts_agreement/)
      .and.not.match(/TEMP B-TREE/);
  });

  it("reads the receipts waiting for a batch from the index of unbatched receipts, not all the department's", function () {
    expect(planOf(() => store.unbatchedSummary(CIVIL), CIVIL)).to.match(/USING INDEX receipts_unbatched/);
    expect(planOf(() => store.unbatched(CIVIL, 1024), CIVIL, 1024)).to.match(/USING INDEX receipts_unbatched/);
    expect(store.unbatched(CIVIL, 1024).map((w) => w.receipt.sequence)).to.deep.equal(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    expect(store.unbatchedSummary(CIVIL).count).to.equal(30);
  });

  it("finds a department's first pending batch in an index of pending batches, not among all anchored ones", function () {
    const plan = planOf(() => store.firstPendingBatch(CIVIL), CIVIL);
    expect(plan).to.match(/USING INDEX receipt_batches_pending/);
  });
});
