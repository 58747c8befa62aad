import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { subjectRef as gatewaySubjectRef } from "../../../server/src/common/subject-ref";
import { subjectRefOf } from "../../../scripts/audit/subject-ref";
import { anchor, audit, loadWorld, SUBJECT, writeReceipts } from "./world";

const GZ_CIVIL_AFFAIRS_NAME = "广州市民政局 (Guangzhou Civil Affairs Bureau)";

type Trail = {
  consents: {
    consentId: string;
    evidenceKind: string;
    statusNow: string;
    events: { event: string; block: number }[];
  }[];
  accesses: { receiptId: string; covered: boolean | null; why: string }[];
};

describe("audit subject", function () {
  it("rebuilds the subject's consent trail from events, with every status change, block and time", async function () {
    const w = await loadWorld();
    await w.s.consents.connect(w.civil).withdraw(w.consentKey, ethers.id("withdrawal request"));

    const outcome = await audit(w, ["subject", "--subject-ref", SUBJECT]);

    expect(outcome.code).to.equal(0);
    const data = outcome.json.data as unknown as Trail;
    expect(data.consents).to.have.length(1);
    expect(data.consents[0].consentId).to.equal(w.consentId.toLowerCase());
    expect(data.consents[0].statusNow).to.equal("withdrawn");
    // IConsentRegistry.EvidenceKind.RecordHash, spelled as the gateway's API spells it (core/codes).
    expect(data.consents[0].evidenceKind).to.equal("record");
    expect(data.consents[0].events.map((e) => e.event)).to.deep.equal(["ConsentRecorded", "ConsentWithdrawn"]);
    expect(data.consents[0].events[1].block).to.equal(await ethers.provider.getBlockNumber());
  });

  it("shows a re-consent on record evidence after a withdrawal as such, naming the department", async function () {
    const w = await loadWorld();
    await w.s.consents.connect(w.civil).withdraw(w.consentKey, ethers.id("withdrawal request"));
    const now = await time.latest();
    await w.s.consents
      .connect(w.civil)
      .record(
        { key: w.consentKey, separate: true, validFrom: now, validUntil: now + 3600 },
        ethers.id("consent record #2"),
      );

    const outcome = await audit(w, ["subject", "--subject-ref", SUBJECT], { json: false });

    expect(outcome.code).to.equal(0);
    expect(outcome.stdout).to.contain(`re-consented after withdrawal, by ${GZ_CIVIL_AFFAIRS_NAME}, on record evidence`);
  });

  it("shows a superseded consent and the council's revocation of its successor", async function () {
    const w = await loadWorld();
    const now = await time.latest();
    await w.s.consents
      .connect(w.civil)
      .record(
        { key: w.consentKey, separate: false, validFrom: now, validUntil: now + 3600 },
        ethers.id("consent record #2"),
      );
    const revoke = w.s.consents.interface.encodeFunctionData("revokeByCouncil", [w.consentKey]);
    const payload = ethers.AbiCoder.defaultAbiCoder().encode(
      ["address", "bytes"],
      [await w.s.consents.getAddress(), revoke],
    );
    await w.s.consortium.connect(w.s.operators["data-bureau"]).propose(7, payload);

    const outcome = await audit(w, ["subject", "--subject-ref", SUBJECT], { json: false });

    expect(outcome.code).to.equal(0);
    expect(outcome.stdout).to.contain("superseded").and.to.contain("revoked").and.to.contain("the council");
  });

  it("finds the subject from an identity number and the consortium secret, as the gateway computes the reference", async function () {
    const w = await loadWorld();
    const secret = Buffer.alloc(32, 7);
    const secretFile = path.join(w.dir, "secret.hex");
    fs.writeFileSync(secretFile, `0x${secret.toString("hex")}\n`);
    const idNumber = "11010519491231002X";
    const ref = gatewaySubjectRef(secret, "resident_id", idNumber);
    expect(subjectRefOf(secret, "resident_id", " 110105-19491231 002x ")).to.equal(ref);
    const now = await time.latest();
    await w.s.consents
      .connect(w.civil)
      .record(
        { key: { ...w.consentKey, subjectRef: ref }, separate: false, validFrom: now, validUntil: now + 3600 },
        ethers.id("record"),
      );

    const outcome = await audit(w, [
      "subject",
      "--id-type",
      "resident_id",
      "--id-number",
      idNumber.toLowerCase(),
      "--secret-file",
      secretFile,
    ]);

    expect(outcome.code).to.equal(0);
    expect(outcome.json.summary["subject reference"]).to.equal(ref);
    expect(outcome.json.summary["consents recorded"]).to.equal(1);
  });

  it("lists each access to the subject's data with whether a consent covered it then, and flags the uncovered delivery", async function () {
    const w = await loadWorld();
    const covered = await w.receipts.next();
    await w.s.consents.connect(w.civil).withdraw(w.consentKey, ethers.id("withdrawal request"));
    await time.increase(5);
    const refused = await w.receipts.next({
      result: "denied",
      reason: "consent_withdrawn",
      fieldMask: "0x0",
      responseHash: ethers.ZeroHash,
    });
    const uncovered = await w.receipts.next();
    const someoneElse = await w.receipts.next({ subjectRef: ethers.id("another subject") });
    const file = writeReceipts(w, "subject.json", await anchor(w, [covered, refused, uncovered, someoneElse]));

    const outcome = await audit(w, ["subject", "--subject-ref", SUBJECT, "--receipts", file]);

    expect(outcome.code).to.equal(1);
    const accesses = (outcome.json.data as unknown as Trail).accesses;
    expect(accesses.map((a) => [a.receiptId, a.covered])).to.deep.equal([
      [covered.id, true],
      [refused.id, false],
      [uncovered.id, false],
    ]);
    expect(outcome.json.violations).to.deep.equal([
      {
        rule: "consent_missing",
        receiptId: uncovered.id,
        detail: `agreement ${w.agreementId} requires consent: ${accesses[2].why}`,
      },
    ]);
  });

  it("refuses (exit 2) a subject reference that is not 32 bytes of hex", async function () {
    const w = await loadWorld();
    const outcome = await audit(w, ["subject", "--subject-ref", "0x1234"]);
    expect(outcome.code).to.equal(2);
    expect(outcome.stderr).to.contain("--subject-ref must be 0x and 64 hex digits");
  });
});
