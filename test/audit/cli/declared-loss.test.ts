/**
 * `audit receipts` over a department that declared the loss of anchored receipts on chain (AccessLedger
 * `ReceiptsDeclaredLost`): the loss is reported once, as `receipts_lost`, naming the batches, the receipts, the block,
 * the admin and the reason hash; the receipts of the range its gateway still holds are not "unanchored"; the
 * receipt after the range may begin a new hash chain; everything before and after is checked as always.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { receiptId } from "../../../core/receipt";
import { anchor, audit, loadWorld, pending, writeReceipts, type World } from "./world";

const REASON = ethers.id("incident report 2026-17: the gateway's disk and its copies were lost");

/** Batch 1 (receipts 1–2) kept; batches 2 (3–4) and 3 (5) lost but for receipts 3 and 5; receipt 6 after the loss. */
async function lostWorld(w: World, declare: boolean) {
  const kept = await anchor(w, [await w.receipts.next(), await w.receipts.next()]);
  const lost = [await w.receipts.next(), await w.receipts.next(), await w.receipts.next()];
  await anchor(w, lost.slice(0, 2));
  await anchor(w, lost.slice(2));
  if (declare) await w.s.ledger.connect(w.civil).declareLoss(2, REASON);
  // The gateway that lost receipt 5 does not know its leaf: the receipt after the loss begins a new hash chain.
  const after = await anchor(w, [await w.receipts.next({ prevHash: ethers.ZeroHash })]);
  const held = [lost[0], lost[2]].map((r) => ({ ...pending(r), status: "lost" as const }));
  return writeReceipts(w, "department.json", [...kept, ...held, ...after]);
}

describe("audit receipts: a loss of anchored receipts declared on chain", function () {
  it("reports the declared loss once, as receipts_lost, and checks the rest as always", async function () {
    const w = await loadWorld();
    const file = await lostWorld(w, true);

    const outcome = await audit(w, ["receipts", file]);

    expect(outcome.code, outcome.stdout + outcome.stderr).to.equal(1);
    expect(outcome.json.violations.map((v) => v.rule)).to.deep.equal(["receipts_lost"]);
    const [lost] = outcome.json.violations;
    expect(lost.receiptId).to.equal(receiptId(w.civilId, 3));
    expect(lost.detail)
      .to.contain("batches 2..3")
      .and.to.contain("receipts 3..5, 3 in all")
      .and.to.contain(REASON)
      .and.to.contain(w.civil.address)
      .and.to.contain("the file holds 2 of them");
    expect(outcome.json.summary["receipts declared lost by their department (receipts_lost)"]).to.equal(3);
  });

  it("without a declaration, reports the same file's missing receipts and its broken hash chain", async function () {
    const w = await loadWorld();
    const file = await lostWorld(w, false);

    const outcome = await audit(w, ["receipts", file]);

    const rules = outcome.json.violations.map((v) => v.rule);
    expect(outcome.code).to.equal(1);
    expect(rules).to.deep.equal(["prev_hash_mismatch", "sequence_gap"]);
    expect(Object.keys(outcome.json.summary).some((row) => row.includes("declared lost"))).to.equal(false);
    expect(outcome.json.violations.map((v) => v.receiptId)).to.deep.equal([
      receiptId(w.civilId, 6),
      receiptId(w.civilId, 4),
    ]);
  });
});
