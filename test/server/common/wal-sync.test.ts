import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { openDatabase, type Db } from "../../../server/src/common/db";
import { DeferredWalSync, fsyncFile, type CommitDurability } from "../../../server/src/common/wal-sync";
import { ReceiptRecorder } from "../../../server/src/modules/receipts/recorder";
import { ReceiptStore } from "../../../server/src/store/receipts";
import { deniedDraft as draft, DRAFT_DEPARTMENT, rejection } from "../support/receipt-drafts";

const DEPARTMENT = DRAFT_DEPARTMENT.toLowerCase();

/** An fsync the test completes by hand, counting the calls. */
class HeldFsync {
  readonly calls: { file: string; done: () => void; fail: (error: Error) => void }[] = [];
  readonly fsync = (file: string): Promise<void> =>
    new Promise((resolve, reject) => this.calls.push({ file, done: resolve, fail: reject }));
}

/** Lets every callback already due run (promise reactions and I/O callbacks). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function watch<T>(promise: Promise<T>): { settled: boolean; promise: Promise<T> } {
  const watched = { settled: false, promise };
  promise.then(
    () => (watched.settled = true),
    () => (watched.settled = true),
  );
  return watched;
}

describe("Group commits made durable off the event loop (DeferredWalSync)", function () {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-wal-sync-"));
    db = openDatabase(path.join(dir, "gateway.db"));
  });
  afterEach(() => {
    if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const synchronous = () => db.pragma("synchronous", { simple: true });

  it("commits under synchronous NORMAL and leaves the connection at FULL, even when the write throws", function () {
    const wal = new DeferredWalSync(db);
    expect(wal.unsynced(() => synchronous())).to.equal(1);
    expect(synchronous()).to.equal(2);
    expect(() =>
      wal.unsynced(() => {
        throw new Error("no space");
      }),
    ).to.throw("no space");
    expect(synchronous()).to.equal(2);
  });

  it("keeps SQLite's own fsync for a write inside a transaction already open", function () {
    const wal = new DeferredWalSync(db);
    expect(db.transaction(() => wal.unsynced(() => synchronous()))()).to.equal(2);
  });

  it("syncs the database's WAL file, and lets the callers that arrive during an fsync share the next one", async function () {
    const held = new HeldFsync();
    const wal = new DeferredWalSync(db, held.fsync);
    const first = watch(wal.sync());
    const second = watch(wal.sync());
    const third = watch(wal.sync());
    expect(held.calls.map((c) => c.file)).to.deep.equal([`${db.name}-wal`]);
    expect(second.promise).to.equal(third.promise);
    held.calls[0].done();
    await settle();
    expect([first.settled, second.settled]).to.deep.equal([true, false]);
    expect(held.calls).to.have.length(2, "the second fsync starts once the first is done");
    held.calls[1].done();
    await settle();
    expect([second.settled, third.settled]).to.deep.equal([true, true]);
    expect(held.calls).to.have.length(2);
  });

  it("starts the next fsync after one that failed, and rejects only the callers of the failed one", async function () {
    const held = new HeldFsync();
    const wal = new DeferredWalSync(db, held.fsync);
    const first = wal.sync();
    const second = wal.sync();
    held.calls[0].fail(new Error("EIO"));
    expect((await rejection(first)).message).to.equal("EIO");
    await settle();
    held.calls[1].done();
    await second;
  });

  it("really fsyncs the WAL file, and treats a WAL removed by SQLite's last close as nothing left to sync", async function () {
    db.exec("CREATE TABLE t (x)");
    const wal = new DeferredWalSync(db);
    wal.unsynced(() => db.prepare("INSERT INTO t VALUES (1)").run());
    expect(fs.existsSync(`${db.name}-wal`)).to.equal(true);
    await wal.sync();
    await wal.sync();
    await wal.close();
    const file = `${db.name}-wal`;
    db.close();
    expect(fs.existsSync(file)).to.equal(false);
    await fsyncFile(file);
  });

  it("does nothing for an in-memory database", async function () {
    const memory = openDatabase(":memory:");
    try {
      const wal = new DeferredWalSync(memory, () => Promise.reject(new Error("never called")));
      expect(wal.unsynced(() => memory.pragma("synchronous", { simple: true }))).to.equal(2);
      await wal.sync();
    } finally {
      memory.close();
    }
  });

  describe("the receipt recorder on it", function () {
    function recorderOn(durability: CommitDurability): { recorder: ReceiptRecorder; store: ReceiptStore } {
      const store = new ReceiptStore(db);
      return { recorder: new ReceiptRecorder(store, { durability }), store };
    }

    it("resolves a receipt only once the fsync after its commit is done, though it is stored at once", async function () {
      const held = new HeldFsync();
      const { recorder, store } = recorderOn(new DeferredWalSync(db, held.fsync));
      const recorded = watch(recorder.record(draft()));
      recorder.flush();
      expect(store.head(DEPARTMENT)).to.have.property("sequence", 1);
      await settle();
      expect(recorded.settled).to.equal(false);
      held.calls[0].done();
      expect((await recorded.promise).receipt.sequence).to.equal(1);
    });

    it("refuses a group whose fsync failed, and numbers the next receipt after the committed ones", async function () {
      const held = new HeldFsync();
      const { recorder } = recorderOn(new DeferredWalSync(db, held.fsync));
      const lost = recorder.record(draft());
      recorder.flush();
      held.calls[0].fail(new Error("EIO"));
      expect((await rejection(lost)).message).to.equal("EIO");
      const next = recorder.record(draft());
      recorder.flush();
      held.calls[1].done();
      expect((await next).receipt.sequence).to.equal(2);
    });

    it("waits for every group's fsync in drained() (a gateway that stops)", async function () {
      const held = new HeldFsync();
      const { recorder } = recorderOn(new DeferredWalSync(db, held.fsync));
      const recorded = watch(recorder.record(draft()));
      recorder.flush();
      const drained = watch(recorder.drained());
      await settle();
      expect(drained.settled).to.equal(false);
      held.calls[0].done();
      await drained.promise;
      expect(recorded.settled).to.equal(true);
    });
  });
});
