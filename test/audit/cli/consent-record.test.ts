import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { iso27560Errors, kantaraErrors } from "../../support/consent-record-schemas";
import { audit, loadWorld, SUBJECT } from "./world";

describe("audit consent-record", function () {
  it("exports the consent as a Kantara receipt from the chain alone, valid against the published schema", async function () {
    const w = await loadWorld();

    const outcome = await audit(w, ["consent-record", w.consentId, "--format", "kantara"]);

    expect(outcome.code, outcome.stderr).to.equal(0);
    const receipt = JSON.parse(outcome.stdout);
    expect(kantaraErrors(receipt)).to.deep.equal([]);
    expect(receipt).to.include({
      consentReceiptID: w.consentId.toLowerCase(),
      piiPrincipalId: SUBJECT.toLowerCase(),
      consentStatus: "active",
    });
    expect(receipt.piiControllers.map((c: { piiController: string }) => c.piiController)).to.deep.equal([
      "广东省公安厅 (Guangdong Public Security Department)",
      "广州市民政局 (Guangzhou Civil Affairs Bureau)",
    ]);
    expect(receipt.services[0].service).to.equal(w.household);
    expect(receipt.services[0].purposes[0].purpose).to.equal("minimum-living-allowance");
    const [given] = receipt.chainEvidence.events;
    const log = (await ethers.provider.getTransactionReceipt(given.transactionHash))!.logs.find(
      (l) => l.index === given.logIndex,
    )!;
    expect(log.address).to.equal(w.s.deployment.contracts.ConsentRegistry);
    expect(w.s.consents.interface.parseLog(log)?.args.consentId).to.equal(w.consentId);
  });

  it("exports a withdrawn consent as an ISO/IEC TS 27560 record with both events and who indicated each", async function () {
    const w = await loadWorld();
    await w.s.consents.connect(w.civil).withdraw(w.consentKey, ethers.id("withdrawal request"));
    const out = path.join(w.dir, "record.json");

    const outcome = await audit(w, ["consent-record", w.consentId, "--format", "iso27560", "--out", out]);

    expect(outcome.code, outcome.stderr).to.equal(0);
    const record = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(record).to.deep.equal(JSON.parse(outcome.stdout));
    expect(iso27560Errors(record)).to.deep.equal([]);
    expect(record.header.consent_status).to.equal("withdrawn");
    expect(record.events.map((e: { event_state: string }) => e.event_state)).to.deep.equal(["given", "withdrawn"]);
    expect(record.events[1]).to.include({
      entity_kind: "pii_principal",
      entity_id: SUBJECT.toLowerCase(),
      received_by: w.civilId.toLowerCase(),
      evidence_hash: ethers.id("withdrawal request"),
    });
    expect(record.events[1].chain_evidence.blockNumber).to.equal(await ethers.provider.getBlockNumber());
  });

  it("refuses an unknown consent and a format it does not write, with exit status 2", async function () {
    const w = await loadWorld();
    const unknown = await audit(w, ["consent-record", `0x${"ee".repeat(32)}`, "--format", "kantara"]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/no consent 0xeeee.* on the chain/);
    const badFormat = await audit(w, ["consent-record", w.consentId, "--format", "pdf"]);
    expect(badFormat.code).to.equal(2);
    expect(badFormat.stderr).to.contain("--format must be iso27560 or kantara");
  });
});
