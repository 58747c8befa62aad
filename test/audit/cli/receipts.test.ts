import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { receiptId } from "../../../core/receipt";
import { anchor, audit, loadWorld, pending, writeReceipts, type AuditOutcome } from "./world";

function expectViolation(outcome: AuditOutcome, rule: string, receipt: string) {
  expect(outcome.code, outcome.stdout + outcome.stderr).to.equal(1);
  const found = outcome.json.violations.filter((v) => v.rule === rule && v.receiptId === receipt);
  expect(
    found,
    `expected ${rule} for ${receipt}, got ${JSON.stringify(outcome.json.violations, null, 2)}`,
  ).to.have.length.greaterThan(0);
}

describe("audit receipts", function () {
  it("passes (exit 0) when every receipt is authentic, anchored in time and allowed", async function () {
    const w = await loadWorld();
    const delivered = await w.receipts.next();
    const denied = await w.receipts.next({
      result: "denied",
      reason: "quota_exceeded",
      fieldMask: "0x0",
      responseHash: ethers.ZeroHash,
    });
    const entries = await anchor(w, [delivered, denied]);
    const later = await w.receipts.next();
    const file = writeReceipts(w, "ok.jsonl", [...entries, pending(later)], "lines");

    const outcome = await audit(w, ["receipts", file]);

    expect(outcome.code, outcome.stdout).to.equal(0);
    expect(outcome.json.verdict).to.equal("pass");
    expect(outcome.json.violations).to.deep.equal([]);
    expect(outcome.json.summary["receipts given"]).to.equal(3);
    expect(outcome.json.summary["anchored (proof checked against the chain)"]).to.equal(2);
  });

  it("prints a readable text report by default and writes a self-contained HTML page with --out", async function () {
    const w = await loadWorld();
    const file = writeReceipts(w, "ok.json", await anchor(w, [await w.receipts.next()]));
    const html = path.join(w.dir, "receipts.html");

    const outcome = await audit(w, ["receipts", file, "--out", html], { json: false });

    expect(outcome.code).to.equal(0);
    expect(outcome.stdout)
      .to.contain("verdict: PASS")
      .and.to.contain("household-registration")
      .and.to.contain("idNumber");
    const page = fs.readFileSync(html, "utf8");
    expect(page)
      .to.match(/^<!doctype html>/)
      .and.to.contain("<style>")
      .and.to.contain("Pass: everything checked holds.");
    expect(page).not.to.match(/<script|<link|src=|href="http/);
  });

  it("reports a receipt with one changed field as leaf_mismatch and proof_invalid", async function () {
    const w = await loadWorld();
    const [entry] = await anchor(w, [await w.receipts.next()]);
    const tampered = { ...entry, receipt: { ...entry.receipt, resourceVersion: 2 } };

    const outcome = await audit(w, ["receipts", writeReceipts(w, "tampered.json", [tampered])]);

    expectViolation(outcome, "leaf_mismatch", entry.receipt.id);
    expectViolation(outcome, "proof_invalid", entry.receipt.id);
  });

  it("reports a forged proof as proof_invalid", async function () {
    const w = await loadWorld();
    const entries = await anchor(w, [await w.receipts.next(), await w.receipts.next()]);
    const forged = { ...entries[0], proof: [ethers.id("forged sibling")] };

    const outcome = await audit(w, ["receipts", writeReceipts(w, "forged.json", [forged, entries[1]])]);

    expectViolation(outcome, "proof_invalid", entries[0].receipt.id);
    expect(outcome.json.violations.filter((v) => v.receiptId === entries[1].receipt.id)).to.deep.equal([]);
  });

  it("reports a receipt anchored after the allowed delay as anchored_late", async function () {
    const w = await loadWorld();
    const receipt = await w.receipts.next();
    await time.increase(120);
    const entries = await anchor(w, [receipt]);
    const file = writeReceipts(w, "late.json", entries);

    expectViolation(await audit(w, ["receipts", file]), "anchored_late", receipt.id);
    expect((await audit(w, ["receipts", file, "--max-anchor-delay", "300"])).code).to.equal(0);
  });

  it("reports a receipt left unanchored past the delay as not_anchored", async function () {
    const w = await loadWorld();
    const receipt = await w.receipts.next();
    await time.increase(120);

    expectViolation(
      await audit(w, ["receipts", writeReceipts(w, "pending.json", [pending(receipt)])]),
      "not_anchored",
      receipt.id,
    );
  });

  it("reports a delivery after the subject withdrew consent as consent_missing", async function () {
    const w = await loadWorld();
    const before = await w.receipts.next();
    await w.s.consents.connect(w.civil).withdraw(w.consentKey, ethers.id("withdrawal request"));
    await time.increase(5);
    const after = await w.receipts.next();
    const entries = await anchor(w, [before, after]);

    const outcome = await audit(w, ["receipts", writeReceipts(w, "withdrawn.json", entries)]);

    expectViolation(outcome, "consent_missing", after.id);
    expect(outcome.json.violations.find((v) => v.receiptId === after.id)!.detail).to.contain("withdrawn");
    expect(outcome.json.violations.filter((v) => v.receiptId === before.id)).to.deep.equal([]);
  });

  it("reports a delivery of a field outside the grant as field_outside_grant, naming the field", async function () {
    const w = await loadWorld();
    const receipt = await w.receipts.next({ fieldMask: "0x3" }); // idNumber (granted) and name (not granted)

    const outcome = await audit(w, ["receipts", writeReceipts(w, "fields.json", await anchor(w, [receipt]))]);

    expectViolation(outcome, "field_outside_grant", receipt.id);
    expect(outcome.json.violations.find((v) => v.rule === "field_outside_grant")!.detail).to.contain("delivered name");
  });

  it("reports a delivery after the grant was paused as grant_inactive and under a suspended agreement as agreement_inactive", async function () {
    const w = await loadWorld();
    await w.s.grants.connect(w.s.operators["public-security"]).pause(w.grantId);
    await w.s.agreements.connect(w.s.operators["public-security"]).suspend(w.agreementId);
    const receipt = await w.receipts.next();

    const outcome = await audit(w, ["receipts", writeReceipts(w, "paused.json", await anchor(w, [receipt]))]);

    expectViolation(outcome, "grant_inactive", receipt.id);
    expectViolation(outcome, "agreement_inactive", receipt.id);
  });

  it("reports a purpose other than the agreement's as purpose_mismatch", async function () {
    const w = await loadWorld();
    const receipt = await w.receipts.next({ purpose: ethers.encodeBytes32String("marketing") });

    const outcome = await audit(w, ["receipts", writeReceipts(w, "purpose.json", await anchor(w, [receipt]))]);

    expectViolation(outcome, "purpose_mismatch", receipt.id);
  });

  it("reports a receipt missing from its batch as sequence_gap naming the missing receipt", async function () {
    const w = await loadWorld();
    const entries = await anchor(w, [await w.receipts.next(), await w.receipts.next(), await w.receipts.next()]);

    const outcome = await audit(w, ["receipts", writeReceipts(w, "gap.json", [entries[0], entries[2]])]);

    expectViolation(outcome, "sequence_gap", receiptId(w.civilId, 2));
    expect(outcome.json.violations.find((v) => v.rule === "sequence_gap")!.detail).to.contain("batch 1");
  });

  it("reports a broken link to the previous receipt as prev_hash_mismatch", async function () {
    const w = await loadWorld();
    const first = await w.receipts.next();
    const second = await w.receipts.next({ prevHash: ethers.id("not the first receipt's leaf") });

    const outcome = await audit(w, ["receipts", writeReceipts(w, "link.json", await anchor(w, [first, second]))]);

    expectViolation(outcome, "prev_hash_mismatch", second.id);
  });

  it("checks a link to a receipt given earlier in the file, not just before, on a second reading", async function () {
    const w = await loadWorld();
    const first = await w.receipts.next();
    const second = await w.receipts.next({ prevHash: ethers.id("not the first receipt's leaf") });
    const third = await w.receipts.next();
    const [a, b, c] = await anchor(w, [first, second, third]);

    const outcome = await audit(w, ["receipts", writeReceipts(w, "order.jsonl", [a, c, b], "lines")]);

    expect(outcome.json.violations.map((v) => [v.rule, v.receiptId])).to.deep.equal([
      ["prev_hash_mismatch", second.id],
    ]);
  });

  it("reports a repeated receipt whose fields differ from its first copy given earlier, not an identical repeat", async function () {
    const w = await loadWorld();
    const [a, b] = await anchor(w, [await w.receipts.next(), await w.receipts.next()]);
    const changed = { ...a, receipt: { ...a.receipt, resourceVersion: 2 } };

    const outcome = await audit(w, ["receipts", writeReceipts(w, "repeats.jsonl", [a, b, changed, a], "lines")]);

    expect(outcome.json.violations.map((v) => [v.rule, v.receiptId, v.detail])).to.deep.equal([
      ["duplicate_receipt", a.receipt.id, "line 3 repeats the id with different fields"],
    ]);
    expect(outcome.json.summary["receipts given"]).to.equal(4);
  });

  it("reports every receipt as wrong_deployment when the chain is not the deployment's", async function () {
    const w = await loadWorld();
    const entries = await anchor(w, [await w.receipts.next()]);
    const deployment = JSON.parse(fs.readFileSync(w.deploymentFile, "utf8"));
    fs.writeFileSync(w.deploymentFile, JSON.stringify({ ...deployment, genesisHash: ethers.id("another chain") }));

    const outcome = await audit(w, ["receipts", writeReceipts(w, "ok.json", entries)]);

    expectViolation(outcome, "wrong_deployment", entries[0].receipt.id);
    expect(outcome.json.violations[0].detail).to.contain("genesis");
  });

  it("reports addresses without contract code as wrong_deployment", async function () {
    const w = await loadWorld();
    const deployment = JSON.parse(fs.readFileSync(w.deploymentFile, "utf8"));
    deployment.contracts.AccessLedger = ethers.Wallet.createRandom().address;
    fs.writeFileSync(w.deploymentFile, JSON.stringify(deployment));

    const outcome = await audit(w, ["report"]);

    expect(outcome.code).to.equal(1);
    expect(outcome.json.violations).to.have.length(1);
    expect(outcome.json.violations[0]).to.include({ rule: "wrong_deployment" });
    expect(outcome.json.violations[0].detail).to.contain("no contract code at AccessLedger");
  });

  it("reports contracts of another system at the addresses as wrong_deployment", async function () {
    const w = await loadWorld();
    const deployment = JSON.parse(fs.readFileSync(w.deploymentFile, "utf8"));
    deployment.contracts.SharingAgreements = deployment.contracts.DataCatalog;
    fs.writeFileSync(w.deploymentFile, JSON.stringify(deployment));

    const outcome = await audit(w, ["agreement", "1"]);

    expect(outcome.code).to.equal(1);
    expect(outcome.json.violations[0]).to.include({ rule: "wrong_deployment" });
    expect(outcome.json.violations[0].detail)
      .to.contain("Grants at")
      .and.to.contain("does not belong to this deployment");
  });

  it("refuses (exit 2) a receipts file that is not receipts, naming the line", async function () {
    const w = await loadWorld();
    const file = path.join(w.dir, "bad.jsonl");
    fs.writeFileSync(file, `{"receipt": {}}\n{"nope": 1}\n`);

    const outcome = await audit(w, ["receipts", file]);

    expect(outcome.code).to.equal(2);
    expect(outcome.stderr).to.match(/line 2 is not a receipt/);
    expect(outcome.stderr.trim().split("\n")).to.have.length(1);
  });

  it("refuses (exit 2) a line that is not JSON after a receipt whose chain records are being read ahead", async function () {
    const w = await loadWorld();
    const [entry] = await anchor(w, [await w.receipts.next()]);
    const file = path.join(w.dir, "truncated.jsonl");
    fs.writeFileSync(file, `${JSON.stringify(entry)}\n{"receipt": \n`);
    const unhandled: unknown[] = [];
    const hear = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", hear);
    try {
      const outcome = await audit(w, ["receipts", file]);
      expect(outcome.code).to.equal(2);
      expect(outcome.stdout).to.equal("");
      expect(outcome.stderr).to.equal(`audit: ${file} line 2 is not JSON: pass a JSON array or one receipt per line\n`);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the read ahead, answered after the audit ended
    } finally {
      process.off("unhandledRejection", hear);
    }
    expect(unhandled).to.deep.equal([]);
  });
});
