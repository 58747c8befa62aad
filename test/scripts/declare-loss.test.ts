/**
 * `npm run declare-loss` (scripts/declare-loss.ts): what it refuses before it asks the chain anything. Planning and
 * declaring a loss against a real gateway and chain, and the gateway carrying on, are in
 * test/server/modules/receipts.test.ts; the contract's rules in test/audit/AccessLedger.test.ts.
 */
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { ethers } from "ethers";
import { openDatabase, type Db } from "../../server/src/common/db";
import { ReceiptStore } from "../../server/src/store/receipts";
import { LossRefusedError, lossReasonHash, planLoss } from "../../scripts/declare-loss";
import { anchoredEvent } from "../server/support/receipt-drafts";

const OURS = ethers.id("our department").toLowerCase();
const NO_CHAIN = null; // every refusal below comes before a read of the chain

async function refusalOf(db: Db, department = OURS): Promise<Error> {
  return planLoss(db, ethers.ZeroAddress, NO_CHAIN, department).then(
    () => expect.fail("planned a loss it should refuse"),
    (error: Error) => error,
  );
}

describe("npm run declare-loss: what it refuses", function () {
  let db: Db;
  let store: ReceiptStore;

  beforeEach(function () {
    db = openDatabase(":memory:");
    store = new ReceiptStore(db);
    store.watch([OURS]);
  });
  afterEach(() => db.close());

  it("declares nothing for a database that holds every batch its gateway has seen anchored", async function () {
    const refusal = await refusalOf(db);
    expect(refusal).to.be.instanceOf(LossRefusedError);
    expect(refusal.message).to.include("nothing to declare");
  });

  it("declares nothing when the database holds a batch with another root (a second gateway anchors)", async function () {
    db.prepare(
      `INSERT INTO receipt_batches (department, sequence, root, receipt_count, first_sequence, last_sequence,
         previous_root, status, created_ms) VALUES (?, 1, ?, 1, 1, 1, ?, 'pending', 0)`,
    ).run(OURS, ethers.id("our batch 1"), ethers.ZeroHash);
    store.apply([anchoredEvent(OURS, 1, ethers.id("their batch 1"), 10)]);
    expect(store.divergence(OURS)?.localRoot).to.equal(ethers.id("our batch 1"));

    const refusal = await refusalOf(db);
    expect(refusal).to.be.instanceOf(LossRefusedError);
    expect(refusal.message).to.include("second gateway");
  });

  it("hashes the reason as keccak256 of its UTF-8 text (only the hash goes on chain)", function () {
    expect(lossReasonHash("事件报告 2026-17")).to.equal(ethers.keccak256(ethers.toUtf8Bytes("事件报告 2026-17")));
  });

  it("answers a usage error (exit 2) without --reason, before it reads any configuration", function () {
    this.timeout(60_000);
    const run = spawnSync("npx", ["ts-node", "--transpile-only", "scripts/declare-loss.ts", "--yes"], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, KUAJIE_DATA_DIR: "/nonexistent/kuajie" },
    });
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr).to.include("--reason is required").and.to.include("usage: declare-loss");
  });
});
