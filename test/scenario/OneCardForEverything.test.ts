/**
 * The "one card for everything" (一卡通用) story on the real contracts, deployed by the Ignition module:
 * public security, social security and health each register a personal resource; the Guangzhou civil-affairs bureau
 * obtains agreements and grants and records a citizen's consent; the citizen withdraws; a grant is paused; a request
 * left unanswered is escalated and decided by the council.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { registerPersonal } from "../support/personal-resource";
import { CALL, deploySystem, type System } from "../support/system";

const CONSENT = 0;
const STATUTORY_DUTY = 1;
const PERIOD_DAY = 3;
const STATUS = { Requested: 0n, Active: 1n, Rejected: 2n, Escalated: 3n };
const GRANT_CHECK = { Usable: 0n, GrantPaused: 2n };

const purpose = ethers.encodeBytes32String("minimum-living-allowance");
const subjectRef = ethers.keccak256(ethers.toUtf8Bytes("hmac of a synthetic resident id"));

async function requestAgreement(s: System, resourceId: string, legalBasis: number, fieldMask: bigint) {
  const now = await time.latest();
  const request = {
    resourceId,
    coConsumers: [],
    fieldMask,
    purpose,
    legalBasis,
    validFrom: now,
    validUntil: now + 365 * 24 * 3600,
    quota: { calls: 1000, per: PERIOD_DAY },
    termsHash: ethers.id("service contract text"),
  };
  const consumer = s.agreements.connect(s.operators["gz-civil-affairs"]);
  // Personal data on a basis other than consent: the request names the legal reference it relies on.
  if (legalBasis === CONSENT) await consumer.request(request);
  else await consumer.requestWithLegalReference(request, ethers.id("《社会救助暂行办法》第十一条"));
  return s.agreements.agreementCount();
}

async function storyFixture() {
  const s = await deploySystem();
  const household = await registerPersonal(s, "public-security", "household-registration", [
    "idNumber",
    "name",
    "address",
  ]);
  const insurance = await registerPersonal(s, "hrss", "social-insurance-status", ["idNumber", "status", "monthlyBase"]);
  const health = await registerPersonal(s, "health", "health-card", ["idNumber", "bloodType", "allergies"]);
  return { s, household, insurance, health };
}

describe("Scenario: one card for everything", function () {
  it("deploys the whole system with the Ignition module and wires the modules to the council", async function () {
    const { s } = await loadFixture(storyFixture);
    expect(await s.consortium.founded()).to.equal(true);
    for (const module of [s.agreements, s.grants, s.consents]) {
      expect(await s.consortium.isModule(await module.getAddress())).to.equal(true);
    }
    for (const key of Object.keys(s.departments)) {
      expect(await s.consortium.activeDepartmentOf(s.operators[key].address)).to.equal(s.departments[key].id);
    }
    expect(await s.consortium.councilSeats()).to.equal(1n);
  });

  it("walks the story from registration to the council's decision", async function () {
    const { s, household, insurance, health } = await loadFixture(storyFixture);
    const civil = s.operators["gz-civil-affairs"];
    const civilId = s.departments["gz-civil-affairs"].id;

    // Household registration on the basis of the citizen's consent: requested, approved by public security.
    const onConsent = await requestAgreement(s, household, CONSENT, 0b011n);
    expect((await s.agreements.agreement(onConsent)).requiresConsent).to.equal(true);
    expect(await s.agreements.agreementStatus(onConsent)).to.equal(STATUS.Requested);
    await expect(s.agreements.connect(s.operators["public-security"]).approve(onConsent))
      .to.emit(s.agreements, "AgreementActivated")
      .withArgs(onConsent, household, civilId);

    // Social insurance status under a statutory duty: approved by hrss.
    const onDuty = await requestAgreement(s, insurance, STATUTORY_DUTY, 0b011n);
    await s.agreements.connect(s.operators.hrss).approve(onDuty);
    expect(await s.agreements.agreementStatus(onDuty)).to.equal(STATUS.Active);

    // Grants to the civil-affairs bureau's system account, for a subset of the agreed fields.
    const system = ethers.Wallet.createRandom().address;
    await s.grants.connect(civil).issue(onConsent, system, 0b001n, 0, 100, PERIOD_DAY);
    const householdGrant = await s.grants.grantCount();
    await s.grants.connect(civil).issue(onDuty, system, 0b011n, 0, 100, PERIOD_DAY);
    const insuranceGrant = await s.grants.grantCount();
    expect(await s.grants.checkGrantFor(householdGrant, system)).to.equal(GRANT_CHECK.Usable);

    // The citizen consents at the counter (paper form digitised; the record's hash is the evidence).
    const now = await time.latest();
    const key = { subjectRef, recipient: civilId, resourceId: household, purpose };
    await s.consents
      .connect(civil)
      .record(
        { key, separate: true, validFrom: now, validUntil: now + 180 * 24 * 3600 },
        ethers.id("ISO/IEC 27560 consent record #1"),
      );
    const [active, consentId] = await s.consents.activeConsent(subjectRef, civilId, household, purpose);
    expect(active).to.equal(true);

    // The citizen withdraws: from the next block no consent covers a fetch.
    await expect(s.consents.connect(civil).withdraw(key, ethers.id("withdrawal request form #7")))
      .to.emit(s.consents, "ConsentWithdrawn")
      .withArgs(subjectRef, consentId, civilId, ethers.id("withdrawal request form #7"));
    expect((await s.consents.activeConsent(subjectRef, civilId, household, purpose))[0]).to.equal(false);

    // A department re-records the consent on a new form: allowed (the subject has no signing key), but marked as a
    // re-consent after withdrawal for every auditor to see.
    const later = await time.latest();
    await s.consents
      .connect(civil)
      .record(
        { key, separate: true, validFrom: later, validUntil: later + 180 * 24 * 3600 },
        ethers.id("ISO/IEC 27560 consent record #2"),
      );

    // The whole trail of the subject is one query by its topic.
    const trail = await s.consents.queryFilter(s.consents.filters.ConsentRecorded(subjectRef));
    expect(trail.map((e) => e.args.afterWithdrawal)).to.deep.equal([false, true]);

    // The provider pauses the insurance grant; the consumer cannot lift the provider's pause.
    await s.grants.connect(s.operators.hrss).pause(insuranceGrant);
    expect(await s.grants.checkGrant(insuranceGrant)).to.equal(GRANT_CHECK.GrantPaused);
    await expect(s.grants.connect(civil).resume(insuranceGrant))
      .to.be.revertedWithCustomError(s.grants, "GrantsUnauthorizedAccount")
      .withArgs(civil.address, s.departments.hrss.id);

    // Health never answers: past the deadline civil affairs escalates, and the council approves.
    const unanswered = await requestAgreement(s, health, STATUTORY_DUTY, 0b011n);
    await expect(s.agreements.connect(civil).escalate(unanswered)).to.be.revertedWithCustomError(
      s.agreements,
      "SharingReplyDeadlineNotReached",
    );
    await time.increaseTo((await s.agreements.agreement(unanswered)).replyDeadline + 1n);
    await s.agreements.connect(civil).escalate(unanswered);
    expect(await s.agreements.agreementStatus(unanswered)).to.equal(STATUS.Escalated);

    const decide = s.agreements.interface.encodeFunctionData("councilDecide", [unanswered, true, ethers.ZeroHash]);
    const payload = ethers.AbiCoder.defaultAbiCoder().encode(
      ["address", "bytes"],
      [await s.agreements.getAddress(), decide],
    );
    await expect(s.consortium.connect(s.operators["data-bureau"]).propose(CALL, payload))
      .to.emit(s.agreements, "AgreementDecidedByCouncil")
      .withArgs(unanswered, true, ethers.ZeroHash);
    expect(await s.agreements.agreementStatus(unanswered)).to.equal(STATUS.Active);
  });
});
