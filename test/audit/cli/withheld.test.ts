/**
 * What a receipts file leaves out, and what the chain says about the rest: every anchored batch and receipt of a
 * department in the file must be given, a receipt's time is bounded by the chain, and each delivery is checked against
 * the departments' status, the grant's consumer and the quotas at its time.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { PROPOSAL_ACTION } from "../../../core/codes/enumerations";
import { encodeDepartmentPayload } from "../../../core/council/proposals";
import { receiptId } from "../../../core/receipt";
import { isoTime } from "../../../scripts/audit/time";
import {
  anchor,
  audit,
  CONSENT_BASIS,
  loadWorld,
  PERIOD_DAY,
  pending,
  requestAgreement,
  writeReceipts,
  type AuditOutcome,
  type World,
} from "./world";

function violationsOf(outcome: AuditOutcome, rule: string) {
  return outcome.json.violations.filter((v) => v.rule === rule);
}

function expectOnly(outcome: AuditOutcome, rule: string, receipt: string) {
  expect(outcome.code, outcome.stdout + outcome.stderr).to.equal(1);
  const found = violationsOf(outcome, rule).filter((v) => v.receiptId === receipt);
  expect(
    found,
    `expected ${rule} for ${receipt}, got ${JSON.stringify(outcome.json.violations, null, 2)}`,
  ).to.have.length(1);
  return found[0];
}

async function suspend(w: World, key: string) {
  await w.s.consortium
    .connect(w.s.operators["data-bureau"])
    .propose(PROPOSAL_ACTION.toIndex("suspend"), encodeDepartmentPayload(w.s.departments[key].id));
}

/** The start of the next day in the consortium's time zone (UTC+8) plus `hours`, as unix seconds. */
async function nextConsortiumDay(hours: number): Promise<number> {
  const now = await time.latest();
  const day = 24 * 3600;
  const offset = 8 * 3600;
  return Math.floor((now + offset) / day + 1) * day - offset + hours * 3600;
}

describe("audit receipts: what is withheld, and what the chain bounds", function () {
  it("reports every anchored batch after the ones given as batch_withheld, naming the batches and receipts", async function () {
    const w = await loadWorld();
    const first = await anchor(w, [await w.receipts.next(), await w.receipts.next()]);
    await anchor(w, [await w.receipts.next()]);
    await anchor(w, [await w.receipts.next(), await w.receipts.next()]);

    const outcome = await audit(w, ["receipts", writeReceipts(w, "first-batch.json", first)]);

    const found = expectOnly(outcome, "batch_withheld", receiptId(w.civilId, 3));
    expect(found.detail).to.contain("batches 2..3").and.to.contain("receipts 3..5");
    expect(outcome.json.violations.map((v) => v.rule)).to.deep.equal(["batch_withheld"]);
  });

  it("reports the anchored receipts of a batch the file does not name as receipt_withheld", async function () {
    const w = await loadWorld();
    const receipts = [await w.receipts.next(), await w.receipts.next(), await w.receipts.next()];
    await anchor(w, receipts);

    const outcome = await audit(w, ["receipts", writeReceipts(w, "last-only.json", [pending(receipts[2])])]);

    const found = expectOnly(outcome, "receipt_withheld", receiptId(w.civilId, 1));
    expect(found.detail).to.contain("receipts 1..2").and.to.contain("batch 1");
  });

  it("requires only the batches anchored within --from and --to", async function () {
    const w = await loadWorld();
    await anchor(w, [await w.receipts.next()]);
    await time.increase(3600);
    const from = (await time.latest()) + 1;
    const second = await anchor(w, [await w.receipts.next()]);
    const file = writeReceipts(w, "second.json", second);

    expectOnly(await audit(w, ["receipts", file]), "batch_withheld", receiptId(w.civilId, 1));
    const spanned = await audit(w, ["receipts", file, "--from", String(from)]);
    expect(spanned.code, JSON.stringify(spanned.json.violations)).to.equal(0);
    expect(spanned.json.data.span).to.deep.equal({ from, to: null });
  });

  it("reports a receipt dated after the chain's head as time_after_head", async function () {
    const w = await loadWorld();
    const future = (await time.latest()) + 3600;
    const receipt = await w.receipts.next({ time: future });

    const outcome = await audit(w, ["receipts", writeReceipts(w, "future.json", [pending(receipt)])]);

    const found = expectOnly(outcome, "time_after_head", receipt.id);
    expect(found.detail).to.contain(isoTime(future));
  });

  it("bounds a receipt given without its batch by the block that anchored its number", async function () {
    const w = await loadWorld();
    const receipt = await w.receipts.next({ time: (await time.latest()) + 600 });
    await anchor(w, [receipt]);
    await time.increase(3600);

    const outcome = await audit(w, ["receipts", writeReceipts(w, "unnamed.json", [pending(receipt)])]);

    expect(expectOnly(outcome, "time_after_anchor", receipt.id).detail).to.contain("batch 1");
  });

  it("reports a delivery while the provider was suspended as department_suspended", async function () {
    const w = await loadWorld();
    const before = await w.receipts.next();
    await suspend(w, "public-security");
    const after = await w.receipts.next();

    const outcome = await audit(w, ["receipts", writeReceipts(w, "suspended.json", await anchor(w, [before, after]))]);

    expect(expectOnly(outcome, "department_suspended", after.id).detail).to.contain("provider");
    expect(outcome.json.violations.filter((v) => v.receiptId === before.id)).to.deep.equal([]);
  });

  it("reports a delivery on another department's grant as receipt_inconsistent, naming the grant's consumer", async function () {
    const w = await loadWorld();
    const health = w.s.operators["health"];
    const agreementId = await requestAgreement(w.s, "health", w.household, CONSENT_BASIS, 0b001n);
    await w.s.agreements.connect(w.s.operators["public-security"]).approve(agreementId);
    await w.s.grants.connect(health).issue(agreementId, health.address, 0b001n, 0, 100, PERIOD_DAY);
    const grantId = await w.s.grants.grantCount();
    const receipt = await w.receipts.next({ grantId: String(grantId) });

    const outcome = await audit(w, ["receipts", writeReceipts(w, "other-grant.json", await anchor(w, [receipt]))]);

    const details = violationsOf(outcome, "receipt_inconsistent").map((v) => v.detail);
    expect(details.some((d) => d.includes(`not grant ${grantId}'s consumer`))).to.equal(true, details.join("\n"));
  });

  it("reports the delivery past the grant's daily quota as quota_exceeded", async function () {
    const w = await loadWorld();
    await time.increaseTo(await nextConsortiumDay(10));
    await w.s.grants.connect(w.civil).issue(w.agreementId, w.civil.address, 0b001n, 0, 2, PERIOD_DAY);
    const grantId = String(await w.s.grants.grantCount());
    const at = await time.latest();
    const receipts = [];
    for (let i = 0; i < 3; i++) receipts.push(await w.receipts.next({ grantId, time: at + i }));
    const denied = await w.receipts.next({
      grantId,
      time: at + 3,
      result: "denied",
      reason: "quota_exceeded",
      fieldMask: "0x0",
      responseHash: ethers.ZeroHash,
    });
    await time.increaseTo(at + 5);

    const outcome = await audit(w, [
      "receipts",
      writeReceipts(w, "quota.json", await anchor(w, [...receipts, denied])),
    ]);

    const found = expectOnly(outcome, "quota_exceeded", receipts[2].id);
    expect(found.detail).to.contain(`grant ${grantId}`).and.to.contain("2 per day");
    expect(violationsOf(outcome, "quota_exceeded")).to.have.length(1);
  });
});
