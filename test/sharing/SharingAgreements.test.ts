import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { SharingAgreements } from "../../typechain-types";
import type { ISharingAgreements } from "../../typechain-types/contracts/sharing/SharingAgreements";
import {
  CO1,
  CO2,
  CONSUMER,
  DAY,
  LegalBasis,
  OTHER,
  PROVIDER,
  Period,
  LEGAL_REFERENCE,
  REASON,
  RES_CONDITIONAL,
  RES_CONSENT_ONLY,
  RES_PERSONAL_OPEN,
  RES_NOT_SHAREABLE,
  RES_RETIRED,
  RES_UNCONDITIONAL,
  RES_UNKNOWN,
  ROLE_COUNCIL,
  ROLE_MEMBER,
  SUSPENDED,
  Status,
  UNKNOWN_DEPT,
  deploySharing,
  signSeal,
  termsDigestOf,
  termsTuple,
} from "./fixtures";

async function request(
  sharing: SharingAgreements,
  op: HardhatEthersSigner,
  t: ISharingAgreements.AgreementRequestStruct,
): Promise<bigint> {
  await sharing.connect(op).request(t);
  return sharing.agreementCount();
}

/** Moves the chain past the agreement's reply deadline (counted in working days, so days vary with the calendar). */
async function passReplyDeadline(sharing: SharingAgreements, id: bigint): Promise<void> {
  const deadline = (await sharing.agreement(id)).replyDeadline;
  const now = BigInt(await time.latest());
  await time.increaseTo((deadline > now ? deadline : now) + 1n);
}

/** The timestamp of the block that mined `tx`. */
async function minedAt(tx: Promise<{ wait(): Promise<{ blockNumber: number } | null> }>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
}

/** The provider's approval (its own or the council's) activated the request: both events, and the status. */
async function expectApprovedAndActive(
  sharing: SharingAgreements,
  tx: Promise<unknown>,
  id: bigint,
  byCouncil: boolean,
) {
  await expect(tx).to.emit(sharing, "AgreementApproved").withArgs(id, PROVIDER, byCouncil);
  await expect(tx).to.emit(sharing, "AgreementActivated").withArgs(id, RES_CONDITIONAL, CONSUMER);
  expect(await sharing.agreementStatus(id)).to.equal(Status.Active);
}

describe("SharingAgreements", function () {
  async function fixture() {
    return deploySharing();
  }

  /** Fixture plus one conditional request (id 1) with two co-consumers. */
  async function withCoConsumers() {
    const f = await deploySharing();
    const t = f.terms({ coConsumers: [CO1, CO2] });
    await f.sharing.connect(f.consumerOp).request(t);
    return { ...f, t, id: 1n };
  }

  /** Fixture plus one conditional request (id 1) without co-consumers. */
  async function withRequest() {
    const f = await deploySharing();
    const t = f.terms();
    await f.sharing.connect(f.consumerOp).request(t);
    return { ...f, t, id: 1n };
  }

  /** Fixture plus one active agreement (id 1) on an unconditional resource. */
  async function withActive() {
    const f = await deploySharing();
    const t = f.terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 0b11n });
    await f.sharing.connect(f.consumerOp).request(t);
    return { ...f, t, id: 1n };
  }

  /** Fixture plus one escalated request (id 1) with one co-consumer. */
  async function withEscalated() {
    const f = await deploySharing();
    const t = f.terms({ coConsumers: [CO1] });
    await f.sharing.connect(f.consumerOp).request(t);
    await passReplyDeadline(f.sharing, 1n);
    await f.sharing.connect(f.otherOp).escalate(1n);
    return { ...f, t, id: 1n };
  }

  describe("deployment", function () {
    it("exposes the seal typehash, the co-consumer limit and the EIP-712 domain", async function () {
      const { sharing } = await loadFixture(fixture);
      expect(await sharing.SEAL_TYPEHASH()).to.equal(
        ethers.id("Seal(uint256 agreementId,bytes32 department,bytes32 termsDigest,uint256 nonce,uint256 deadline)"),
      );
      expect(await sharing.MAX_CO_CONSUMERS()).to.equal(16n);
      const domain = await sharing.eip712Domain();
      expect(domain.name).to.equal("Kuajie SharingAgreements");
      expect(domain.version).to.equal("1");
      expect(await sharing.DOMAIN_SEPARATOR()).to.equal(
        ethers.TypedDataEncoder.hashDomain({
          name: "Kuajie SharingAgreements",
          version: "1",
          chainId: (await ethers.provider.getNetwork()).chainId,
          verifyingContract: await sharing.getAddress(),
        }),
      );
      expect(await sharing.agreementCount()).to.equal(0n);
    });
  });

  describe("request", function () {
    it("records a conditional request as Requested with a reply deadline and emits AgreementRequested", async function () {
      const { sharing, calendar, consumerOp, terms } = await loadFixture(fixture);
      const t = terms({ coConsumers: [CO1] });
      const tx = sharing.connect(consumerOp).request(t);
      // Ten working days (the consortium's default) after the day of filing, on the council's calendar.
      const replyDeadline = await calendar.deadlineAfter(await minedAt(tx), 10);
      await expect(tx)
        .to.emit(sharing, "AgreementRequested")
        .withArgs(1n, RES_CONDITIONAL, CONSUMER, PROVIDER, termsTuple(t), replyDeadline, true, Status.Requested);
      await expect(tx).not.to.emit(sharing, "AgreementActivated");

      expect(await sharing.agreementCount()).to.equal(1n);
      expect(await sharing.agreementStatus(1n)).to.equal(Status.Requested);
      const a = await sharing.agreement(1n);
      expect(a.resourceId).to.equal(RES_CONDITIONAL);
      expect(a.provider).to.equal(PROVIDER);
      expect(a.consumer).to.equal(CONSUMER);
      expect(a.coConsumers).to.deep.equal([CO1]);
      expect(a.fieldMask).to.equal(0b1011n);
      expect(a.purpose).to.equal(t.purpose);
      expect(a.termsHash).to.equal(t.termsHash);
      expect(a.legalBasis).to.equal(LegalBasis.Consent);
      expect(a.validFrom).to.equal(t.validFrom);
      expect(a.validUntil).to.equal(t.validUntil);
      expect(a.replyDeadline).to.equal(replyDeadline);
      expect(a.quota.calls).to.equal(1000n);
      expect(a.quota.per).to.equal(Period.Day);
      expect(a.status).to.equal(Status.Requested);
      expect(a.requiresConsent).to.equal(true);
      expect(a.providerApproved).to.equal(false);
      expect(a.pendingSeals).to.equal(1n);
    });

    it("uses the consortium's current reply deadline, in working days", async function () {
      const { sharing, calendar, consortium, consumerOp, terms } = await loadFixture(fixture);
      await consortium.setReplyDeadline(3n);
      const filedAt = await minedAt(sharing.connect(consumerOp).request(terms()));
      const deadline = (await sharing.agreement(1n)).replyDeadline;
      expect(deadline).to.equal(await calendar.deadlineAfter(filedAt, 3));
      expect(await calendar.workingDaysLeft(filedAt, deadline)).to.equal(3);
    });

    it("marks consent as required only for a personal resource under legal basis Consent", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      const byLaw = (basis: LegalBasis) =>
        sharing.connect(consumerOp).requestWithLegalReference(terms({ legalBasis: basis }), LEGAL_REFERENCE);
      await byLaw(LegalBasis.StatutoryDuty);
      await sharing.connect(consumerOp).request(terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 1n }));
      await byLaw(LegalBasis.PublicInterest);
      await sharing.connect(consumerOp).request(terms());
      expect((await sharing.agreement(1n)).requiresConsent).to.equal(false);
      expect((await sharing.agreement(2n)).requiresConsent).to.equal(false); // not personal
      expect((await sharing.agreement(3n)).requiresConsent).to.equal(false);
      expect((await sharing.agreement(4n)).requiresConsent).to.equal(true);
    });

    it("makes a personal unconditional resource on a basis other than consent wait for the provider", async function () {
      const { sharing, calendar, providerOp, consumerOp, terms } = await loadFixture(fixture);
      const t = terms({ resourceId: RES_PERSONAL_OPEN, legalBasis: LegalBasis.StatutoryDuty });
      const tx = sharing.connect(consumerOp).requestWithLegalReference(t, LEGAL_REFERENCE);
      const replyDeadline = await calendar.deadlineAfter(await minedAt(tx), 10);
      await expect(tx)
        .to.emit(sharing, "AgreementRequested")
        .withArgs(1n, RES_PERSONAL_OPEN, CONSUMER, PROVIDER, termsTuple(t), replyDeadline, false, Status.Requested);
      await expect(tx)
        .to.emit(sharing, "AgreementLegalReference")
        .withArgs(1n, LegalBasis.StatutoryDuty, LEGAL_REFERENCE);
      await expect(tx).not.to.emit(sharing, "AgreementActivated");
      const a = await sharing.agreement(1n);
      expect(a.providerApproved).to.equal(false);
      expect(a.requiresConsent).to.equal(false);
      await expect(sharing.connect(providerOp).approve(1n))
        .to.emit(sharing, "AgreementActivated")
        .withArgs(1n, RES_PERSONAL_OPEN, CONSUMER);
    });

    it("still activates a personal unconditional resource on consent at once, consent required", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      const t = terms({ resourceId: RES_PERSONAL_OPEN });
      await expect(sharing.connect(consumerOp).request(t))
        .to.emit(sharing, "AgreementActivated")
        .withArgs(1n, RES_PERSONAL_OPEN, CONSUMER);
      expect((await sharing.agreement(1n)).requiresConsent).to.equal(true);
    });

    it("records a legal reference on a resource that is not personal without asking the provider", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      const t = terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 1n, legalBasis: LegalBasis.Contract });
      const tx = sharing.connect(consumerOp).requestWithLegalReference(t, LEGAL_REFERENCE);
      await expect(tx).to.emit(sharing, "AgreementLegalReference").withArgs(1n, LegalBasis.Contract, LEGAL_REFERENCE);
      await expect(tx).to.emit(sharing, "AgreementActivated").withArgs(1n, RES_UNCONDITIONAL, CONSUMER);
    });

    it("refuses a personal resource on a basis other than consent without a legal reference", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      for (const resourceId of [RES_PERSONAL_OPEN, RES_CONDITIONAL]) {
        for (const basis of [LegalBasis.StatutoryDuty, LegalBasis.Contract, LegalBasis.PublicInterest]) {
          const t = terms({ resourceId, legalBasis: basis });
          await expect(sharing.connect(consumerOp).request(t))
            .to.be.revertedWithCustomError(sharing, "SharingLegalReferenceRequired")
            .withArgs(resourceId, basis);
          await expect(sharing.connect(consumerOp).requestWithLegalReference(t, ethers.ZeroHash))
            .to.be.revertedWithCustomError(sharing, "SharingLegalReferenceRequired")
            .withArgs(resourceId, basis);
        }
      }
    });

    it("refuses a legal basis the catalog entry does not accept", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      for (const basis of [LegalBasis.StatutoryDuty, LegalBasis.Contract, LegalBasis.PublicInterest]) {
        const t = terms({ resourceId: RES_CONSENT_ONLY, legalBasis: basis });
        await expect(sharing.connect(consumerOp).requestWithLegalReference(t, LEGAL_REFERENCE))
          .to.be.revertedWithCustomError(sharing, "SharingLegalBasisNotAccepted")
          .withArgs(RES_CONSENT_ONLY, basis);
      }
      await expect(sharing.connect(consumerOp).request(terms({ resourceId: RES_CONSENT_ONLY }))).to.emit(
        sharing,
        "AgreementActivated",
      );
    });

    it("refuses a request with a legal reference from callers that act for no active department", async function () {
      const { sharing, suspendedOp, stranger, terms } = await loadFixture(fixture);
      for (const who of [stranger, suspendedOp]) {
        await expect(sharing.connect(who).requestWithLegalReference(terms(), LEGAL_REFERENCE))
          .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
          .withArgs(who.address, ROLE_MEMBER);
      }
    });

    it("activates an unconditional request without co-consumers at once", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      const t = terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 0b1111n, quota: { calls: 0, per: Period.None } });
      const tx = sharing.connect(consumerOp).request(t);
      await expect(tx)
        .to.emit(sharing, "AgreementRequested")
        .withArgs(1n, RES_UNCONDITIONAL, CONSUMER, PROVIDER, termsTuple(t), 0n, false, Status.Active);
      await expect(tx).to.emit(sharing, "AgreementActivated").withArgs(1n, RES_UNCONDITIONAL, CONSUMER);
      const a = await sharing.agreement(1n);
      expect(a.status).to.equal(Status.Active);
      expect(a.providerApproved).to.equal(true);
      expect(a.replyDeadline).to.equal(0n);
    });

    it("keeps an unconditional request with co-consumers Requested until every co-consumer sealed", async function () {
      const { sharing, consumerOp, co1Op, co2Op, otherOp, terms } = await loadFixture(fixture);
      const t = terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 1n, coConsumers: [CO1, CO2] });
      await expect(sharing.connect(consumerOp).request(t))
        .to.emit(sharing, "AgreementRequested")
        .withArgs(1n, RES_UNCONDITIONAL, CONSUMER, PROVIDER, termsTuple(t), 0n, false, Status.Requested);
      const a = await sharing.agreement(1n);
      expect(a.providerApproved).to.equal(true);
      expect(a.pendingSeals).to.equal(0b11n);
      // No provider answer is needed, so there is nothing to escalate.
      await time.increase(30n * DAY);
      await expect(sharing.connect(otherOp).escalate(1n))
        .to.be.revertedWithCustomError(sharing, "SharingNotEscalable")
        .withArgs(1n);
      await expect(sharing.connect(co2Op).seal(1n)).not.to.emit(sharing, "AgreementActivated");
      expect(await sharing.agreementStatus(1n)).to.equal(Status.Requested);
      await expect(sharing.connect(co1Op).seal(1n))
        .to.emit(sharing, "AgreementActivated")
        .withArgs(1n, RES_UNCONDITIONAL, CONSUMER);
      expect(await sharing.agreementStatus(1n)).to.equal(Status.Active);
    });

    it("accepts the maximum of 16 co-consumers", async function () {
      const { sharing, consortium, consumerOp, terms } = await loadFixture(fixture);
      const many = Array.from({ length: 16 }, (_, i) => ethers.id(`co-consumer ${i}`));
      for (const d of many) await consortium.setDepartment(d, true, false);
      await sharing.connect(consumerOp).request(terms({ coConsumers: many }));
      expect((await sharing.agreement(1n)).pendingSeals).to.equal(0xffffn);
    });

    it("refuses callers that act for no active department", async function () {
      const { sharing, stranger, suspendedOp, terms } = await loadFixture(fixture);
      for (const who of [stranger, suspendedOp]) {
        await expect(sharing.connect(who).request(terms()))
          .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
          .withArgs(who.address, ROLE_MEMBER);
      }
    });

    it("refuses unknown, retired and not-shareable resources", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      await expect(sharing.connect(consumerOp).request(terms({ resourceId: RES_UNKNOWN })))
        .to.be.revertedWithCustomError(sharing, "SharingUnknownResource")
        .withArgs(RES_UNKNOWN);
      await expect(sharing.connect(consumerOp).request(terms({ resourceId: RES_RETIRED })))
        .to.be.revertedWithCustomError(sharing, "SharingResourceRetired")
        .withArgs(RES_RETIRED);
      await expect(sharing.connect(consumerOp).request(terms({ resourceId: RES_NOT_SHAREABLE })))
        .to.be.revertedWithCustomError(sharing, "SharingResourceNotShareable")
        .withArgs(RES_NOT_SHAREABLE);
    });

    it("refuses a provider requesting its own resource", async function () {
      const { sharing, providerOp, terms } = await loadFixture(fixture);
      await expect(sharing.connect(providerOp).request(terms()))
        .to.be.revertedWithCustomError(sharing, "SharingConsumerIsProvider")
        .withArgs(PROVIDER);
    });

    it("refuses a zero field mask or one outside the resource's items", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      await expect(sharing.connect(consumerOp).request(terms({ fieldMask: 0n })))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidFieldMask")
        .withArgs(0n, 0xffn);
      await expect(sharing.connect(consumerOp).request(terms({ fieldMask: 0x100n })))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidFieldMask")
        .withArgs(0x100n, 0xffn);
    });

    it("refuses a zero purpose code or terms hash", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      await expect(
        sharing.connect(consumerOp).request(terms({ purpose: ethers.ZeroHash })),
      ).to.be.revertedWithCustomError(sharing, "SharingInvalidPurpose");
      await expect(
        sharing.connect(consumerOp).request(terms({ termsHash: ethers.ZeroHash })),
      ).to.be.revertedWithCustomError(sharing, "SharingInvalidTermsHash");
    });

    it("refuses a window that is empty or already over", async function () {
      const { sharing, consumerOp, terms, now } = await loadFixture(fixture);
      await expect(sharing.connect(consumerOp).request(terms({ validFrom: now + 10n * DAY, validUntil: now + DAY })))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidWindow")
        .withArgs(now + 10n * DAY, now + DAY);
      await expect(sharing.connect(consumerOp).request(terms({ validFrom: now + DAY, validUntil: now + DAY })))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidWindow")
        .withArgs(now + DAY, now + DAY);
      await expect(sharing.connect(consumerOp).request(terms({ validFrom: now - 10n, validUntil: now })))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidWindow")
        .withArgs(now - 10n, now);
    });

    it("refuses an inconsistent quota", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      await expect(sharing.connect(consumerOp).request(terms({ quota: { calls: 0, per: Period.Hour } })))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidQuota")
        .withArgs(0, Period.Hour);
      await expect(sharing.connect(consumerOp).request(terms({ quota: { calls: 5, per: Period.None } })))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidQuota")
        .withArgs(5, Period.None);
    });

    it("refuses more than 16 co-consumers", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      const many = Array.from({ length: 17 }, (_, i) => ethers.id(`co-consumer ${i}`));
      await expect(sharing.connect(consumerOp).request(terms({ coConsumers: many })))
        .to.be.revertedWithCustomError(sharing, "SharingTooManyCoConsumers")
        .withArgs(17n, 16n);
    });

    it("refuses co-consumers that are the provider, the lead, inactive, unknown or repeated", async function () {
      const { sharing, consumerOp, terms } = await loadFixture(fixture);
      for (const [list, bad] of [
        [[CO1, PROVIDER], PROVIDER],
        [[CONSUMER], CONSUMER],
        [[SUSPENDED], SUSPENDED],
        [[UNKNOWN_DEPT], UNKNOWN_DEPT],
        [[CO1, CO2, CO1], CO1],
      ] as const) {
        await expect(sharing.connect(consumerOp).request(terms({ coConsumers: [...list] })))
          .to.be.revertedWithCustomError(sharing, "SharingInvalidCoConsumer")
          .withArgs(bad);
      }
    });
  });

  describe("approve", function () {
    it("activates a request without co-consumers", async function () {
      const { sharing, providerOp, id } = await loadFixture(withRequest);
      const tx = sharing.connect(providerOp).approve(id);
      await expect(tx).to.emit(sharing, "AgreementSealed").withArgs(id, PROVIDER, providerOp.address, false);
      await expectApprovedAndActive(sharing, tx, id, false);
    });

    it("waits for the co-consumers' seals, then activates", async function () {
      const { sharing, providerOp, co1Op, co2Op, id } = await loadFixture(withCoConsumers);
      await expect(sharing.connect(co1Op).seal(id)).not.to.emit(sharing, "AgreementActivated");
      await expect(sharing.connect(providerOp).approve(id)).not.to.emit(sharing, "AgreementActivated");
      expect(await sharing.agreementStatus(id)).to.equal(Status.Requested);
      expect((await sharing.agreement(id)).providerApproved).to.equal(true);
      await expect(sharing.connect(providerOp).approve(id))
        .to.be.revertedWithCustomError(sharing, "SharingAlreadySealed")
        .withArgs(id, PROVIDER);
      await expect(sharing.connect(co2Op).seal(id))
        .to.emit(sharing, "AgreementActivated")
        .withArgs(id, RES_CONDITIONAL, CONSUMER);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Active);
    });

    it("refuses everyone but an operator of the active provider", async function () {
      const { sharing, consortium, providerOp, consumerOp, suspendedOp, stranger, id } = await loadFixture(withRequest);
      for (const who of [stranger, suspendedOp, consumerOp]) {
        await expect(sharing.connect(who).approve(id))
          .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
          .withArgs(who.address, PROVIDER);
      }
      await consortium.setDepartment(PROVIDER, false, true);
      await expect(sharing.connect(providerOp).approve(id))
        .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
        .withArgs(providerOp.address, PROVIDER);
    });

    it("refuses unknown, answered, escalated and expired agreements", async function () {
      const { sharing, providerOp, consumerOp, otherOp, terms, validUntil } = await loadFixture(fixture);
      await expect(sharing.connect(providerOp).approve(9n))
        .to.be.revertedWithCustomError(sharing, "SharingUnknownAgreement")
        .withArgs(9n);
      const active = await request(sharing, consumerOp, terms());
      await sharing.connect(providerOp).approve(active);
      await expect(sharing.connect(providerOp).approve(active))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(active, Status.Active);
      const rejected = await request(sharing, consumerOp, terms());
      await sharing.connect(providerOp).reject(rejected, REASON);
      await expect(sharing.connect(providerOp).approve(rejected))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(rejected, Status.Rejected);
      const escalated = await request(sharing, consumerOp, terms());
      await passReplyDeadline(sharing, escalated);
      await sharing.connect(otherOp).escalate(escalated);
      await expect(sharing.connect(providerOp).approve(escalated))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(escalated, Status.Escalated);
      const late = await request(sharing, consumerOp, terms());
      await time.increaseTo(validUntil);
      await expect(sharing.connect(providerOp).approve(late))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(late, Status.Expired);
    });
  });

  describe("approveWithSeal (EIP-712)", function () {
    it("accepts the provider operator's seal submitted by anyone and consumes the nonce", async function () {
      const { sharing, providerOp, relayer, id, t } = await loadFixture(withRequest);
      expect(await sharing.termsDigest(id)).to.equal(termsDigestOf(PROVIDER, CONSUMER, t));
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await signSeal(sharing, providerOp, id, PROVIDER, deadline);
      const tx = sharing.connect(relayer).approveWithSeal(id, providerOp.address, deadline, sig);
      await expect(tx).to.emit(sharing, "AgreementSealed").withArgs(id, PROVIDER, providerOp.address, true);
      await expect(tx).to.emit(sharing, "AgreementApproved").withArgs(id, PROVIDER, false);
      await expect(tx).to.emit(sharing, "AgreementActivated").withArgs(id, RES_CONDITIONAL, CONSUMER);
      expect(await sharing.nonces(providerOp.address)).to.equal(1n);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Active);
    });

    it("accepts a seal of a contract wallet (ERC-1271) that operates for the provider", async function () {
      const { sharing, consortium, providerOp, relayer, id } = await loadFixture(withRequest);
      const wallet = await ethers.deployContract("ERC1271WalletMock", [providerOp.address]);
      const walletAddress = await wallet.getAddress();
      await consortium.setOperator(walletAddress, PROVIDER);
      const deadline = BigInt(await time.latest()) + 3600n;
      // The owner signs the Seal whose nonce is the wallet's.
      const sig = await signSeal(sharing, providerOp, id, PROVIDER, deadline, {
        nonce: await sharing.nonces(walletAddress),
      });
      await expect(sharing.connect(relayer).approveWithSeal(id, walletAddress, deadline, sig))
        .to.emit(sharing, "AgreementSealed")
        .withArgs(id, PROVIDER, walletAddress, true);
      expect(await sharing.nonces(walletAddress)).to.equal(1n);
    });

    it("refuses a replayed seal", async function () {
      const { sharing, providerOp, consumerOp, relayer, terms } = await loadFixture(fixture);
      const first = await request(sharing, consumerOp, terms({ coConsumers: [CO1] }));
      const second = await request(sharing, consumerOp, terms({ coConsumers: [CO1] }));
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await signSeal(sharing, providerOp, first, PROVIDER, deadline);
      await sharing.connect(relayer).approveWithSeal(first, providerOp.address, deadline, sig);
      // The same signature again: its nonce is used.
      await expect(sharing.connect(relayer).approveWithSeal(first, providerOp.address, deadline, sig))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidSignature")
        .withArgs(providerOp.address);
      // A fresh seal for another agreement signed with the used nonce.
      const stale = await signSeal(sharing, providerOp, second, PROVIDER, deadline, { nonce: 0n });
      await expect(sharing.connect(relayer).approveWithSeal(second, providerOp.address, deadline, stale))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidSignature")
        .withArgs(providerOp.address);
    });

    const misSigned = [
      { over: "for another chain id", options: { chainId: 1n } },
      { over: "over other terms", options: { termsDigest: ethers.id("other") } },
    ];
    for (const { over, options } of misSigned) {
      it(`refuses a seal signed ${over}`, async function () {
        const { sharing, providerOp, relayer, id } = await loadFixture(withRequest);
        const deadline = BigInt(await time.latest()) + 3600n;
        const sig = await signSeal(sharing, providerOp, id, PROVIDER, deadline, options);
        await expect(sharing.connect(relayer).approveWithSeal(id, providerOp.address, deadline, sig))
          .to.be.revertedWithCustomError(sharing, "SharingInvalidSignature")
          .withArgs(providerOp.address);
      });
    }

    it("refuses a seal past its deadline", async function () {
      const { sharing, providerOp, relayer, id } = await loadFixture(withRequest);
      const deadline = BigInt(await time.latest()) + 60n;
      const sig = await signSeal(sharing, providerOp, id, PROVIDER, deadline);
      await time.increaseTo(deadline + 1n);
      await expect(sharing.connect(relayer).approveWithSeal(id, providerOp.address, deadline, sig))
        .to.be.revertedWithCustomError(sharing, "SharingExpiredSignature")
        .withArgs(deadline);
    });

    it("refuses a seal by the wrong signer", async function () {
      const { sharing, consortium, providerOp, otherOp, relayer, id } = await loadFixture(withRequest);
      const deadline = BigInt(await time.latest()) + 3600n;
      // An operator of another department signs for the provider.
      const other = await signSeal(sharing, otherOp, id, PROVIDER, deadline);
      await expect(sharing.connect(relayer).approveWithSeal(id, otherOp.address, deadline, other))
        .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
        .withArgs(otherOp.address, PROVIDER);
      // ... or passes it off as the provider operator's.
      const forged = await signSeal(sharing, otherOp, id, PROVIDER, deadline, { nonce: 0n });
      await expect(sharing.connect(relayer).approveWithSeal(id, providerOp.address, deadline, forged))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidSignature")
        .withArgs(providerOp.address);
      // The provider's own operator, once the provider is suspended.
      await consortium.setDepartment(PROVIDER, false, true);
      const own = await signSeal(sharing, providerOp, id, PROVIDER, deadline);
      await expect(sharing.connect(relayer).approveWithSeal(id, providerOp.address, deadline, own))
        .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
        .withArgs(providerOp.address, PROVIDER);
    });

    it("refuses an unknown agreement", async function () {
      const { sharing, providerOp, relayer } = await loadFixture(fixture);
      const deadline = BigInt(await time.latest()) + 3600n;
      await expect(sharing.connect(relayer).approveWithSeal(5n, providerOp.address, deadline, "0x"))
        .to.be.revertedWithCustomError(sharing, "SharingUnknownAgreement")
        .withArgs(5n);
    });
  });

  describe("reject", function () {
    it("rejects a request with a reason hash", async function () {
      const { sharing, providerOp, id } = await loadFixture(withRequest);
      await expect(sharing.connect(providerOp).reject(id, REASON))
        .to.emit(sharing, "AgreementRejected")
        .withArgs(id, PROVIDER, REASON, false);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Rejected);
    });

    it("refuses everyone but an operator of the active provider", async function () {
      const { sharing, consumerOp, suspendedOp, stranger, id } = await loadFixture(withRequest);
      for (const who of [stranger, suspendedOp, consumerOp]) {
        await expect(sharing.connect(who).reject(id, REASON))
          .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
          .withArgs(who.address, PROVIDER);
      }
    });

    it("needs a reason hash", async function () {
      const { sharing, providerOp, id } = await loadFixture(withRequest);
      await expect(sharing.connect(providerOp).reject(id, ethers.ZeroHash))
        .to.be.revertedWithCustomError(sharing, "SharingMissingReason")
        .withArgs(id);
    });

    it("refuses once the provider approved, and outside Requested", async function () {
      const { sharing, providerOp, co1Op, co2Op, id } = await loadFixture(withCoConsumers);
      await sharing.connect(providerOp).approve(id);
      await expect(sharing.connect(providerOp).reject(id, REASON))
        .to.be.revertedWithCustomError(sharing, "SharingAlreadySealed")
        .withArgs(id, PROVIDER);
      await sharing.connect(co1Op).seal(id);
      await sharing.connect(co2Op).seal(id);
      await sharing.connect(providerOp).terminate(id, REASON);
      await expect(sharing.connect(providerOp).reject(id, REASON))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(id, Status.Terminated);
      await expect(sharing.connect(providerOp).reject(7n, REASON))
        .to.be.revertedWithCustomError(sharing, "SharingUnknownAgreement")
        .withArgs(7n);
    });
  });

  describe("seal", function () {
    it("records a co-consumer's seal", async function () {
      const { sharing, co1Op, id } = await loadFixture(withCoConsumers);
      await expect(sharing.connect(co1Op).seal(id))
        .to.emit(sharing, "AgreementSealed")
        .withArgs(id, CO1, co1Op.address, false);
      expect((await sharing.agreement(id)).pendingSeals).to.equal(0b10n);
    });

    it("is allowed while escalated", async function () {
      const { sharing, co1Op, id } = await loadFixture(withEscalated);
      await expect(sharing.connect(co1Op).seal(id))
        .to.emit(sharing, "AgreementSealed")
        .withArgs(id, CO1, co1Op.address, false);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Escalated);
    });

    it("refuses callers that act for no active department", async function () {
      const { sharing, stranger, suspendedOp, id } = await loadFixture(withCoConsumers);
      for (const who of [stranger, suspendedOp]) {
        await expect(sharing.connect(who).seal(id))
          .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
          .withArgs(who.address, ROLE_MEMBER);
      }
    });

    it("refuses departments that are not co-consumers", async function () {
      const { sharing, otherOp, consumerOp, providerOp, id } = await loadFixture(withCoConsumers);
      for (const [who, dept] of [
        [otherOp, OTHER],
        [consumerOp, CONSUMER],
        [providerOp, PROVIDER],
      ] as const) {
        await expect(sharing.connect(who).seal(id))
          .to.be.revertedWithCustomError(sharing, "SharingNotCoConsumer")
          .withArgs(id, dept);
      }
    });

    it("refuses a second seal, an unknown agreement and a closed one", async function () {
      const { sharing, co1Op, co2Op, providerOp, id } = await loadFixture(withCoConsumers);
      await sharing.connect(co1Op).seal(id);
      await expect(sharing.connect(co1Op).seal(id))
        .to.be.revertedWithCustomError(sharing, "SharingAlreadySealed")
        .withArgs(id, CO1);
      await expect(sharing.connect(co1Op).seal(4n))
        .to.be.revertedWithCustomError(sharing, "SharingUnknownAgreement")
        .withArgs(4n);
      await sharing.connect(providerOp).reject(id, REASON);
      await expect(sharing.connect(co2Op).seal(id))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(id, Status.Rejected);
    });
  });

  describe("sealWithSignature (EIP-712)", function () {
    it("accepts a co-consumer operator's seal submitted by anyone", async function () {
      const { sharing, co2Op, relayer, id } = await loadFixture(withCoConsumers);
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await signSeal(sharing, co2Op, id, CO2, deadline);
      await expect(sharing.connect(relayer).sealWithSignature(id, CO2, co2Op.address, deadline, sig))
        .to.emit(sharing, "AgreementSealed")
        .withArgs(id, CO2, co2Op.address, true);
      expect(await sharing.nonces(co2Op.address)).to.equal(1n);
      expect((await sharing.agreement(id)).pendingSeals).to.equal(0b01n);
    });

    it("activates when it is the last missing seal", async function () {
      const { sharing, providerOp, co1Op, co2Op, relayer, id } = await loadFixture(withCoConsumers);
      await sharing.connect(providerOp).approve(id);
      await sharing.connect(co1Op).seal(id);
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await signSeal(sharing, co2Op, id, CO2, deadline);
      await expect(sharing.connect(relayer).sealWithSignature(id, CO2, co2Op.address, deadline, sig))
        .to.emit(sharing, "AgreementActivated")
        .withArgs(id, RES_CONDITIONAL, CONSUMER);
    });

    it("refuses replay, another chain id, an expired deadline and the wrong signer", async function () {
      const { sharing, co1Op, otherOp, suspendedOp, relayer, id } = await loadFixture(withCoConsumers);
      const deadline = BigInt(await time.latest()) + 3600n;

      const wrongChain = await signSeal(sharing, co1Op, id, CO1, deadline, { chainId: 5n });
      await expect(sharing.connect(relayer).sealWithSignature(id, CO1, co1Op.address, deadline, wrongChain))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidSignature")
        .withArgs(co1Op.address);

      const suspendedSigner = await signSeal(sharing, suspendedOp, id, CO1, deadline);
      await expect(sharing.connect(relayer).sealWithSignature(id, CO1, suspendedOp.address, deadline, suspendedSigner))
        .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
        .withArgs(suspendedOp.address, CO1);

      const wrongSigner = await signSeal(sharing, otherOp, id, CO1, deadline);
      await expect(sharing.connect(relayer).sealWithSignature(id, CO1, otherOp.address, deadline, wrongSigner))
        .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
        .withArgs(otherOp.address, CO1);
      await expect(sharing.connect(relayer).sealWithSignature(id, CO1, co1Op.address, deadline, wrongSigner))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidSignature")
        .withArgs(co1Op.address);

      const ok = await signSeal(sharing, co1Op, id, CO1, deadline);
      await sharing.connect(relayer).sealWithSignature(id, CO1, co1Op.address, deadline, ok);
      await expect(sharing.connect(relayer).sealWithSignature(id, CO1, co1Op.address, deadline, ok))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidSignature")
        .withArgs(co1Op.address);

      const past = BigInt(await time.latest()) - 1n;
      const expired = await signSeal(sharing, co1Op, id, CO1, past);
      await expect(sharing.connect(relayer).sealWithSignature(id, CO1, co1Op.address, past, expired))
        .to.be.revertedWithCustomError(sharing, "SharingExpiredSignature")
        .withArgs(past);
    });

    it("refuses a valid seal of a department that is not a co-consumer", async function () {
      const { sharing, otherOp, relayer, id } = await loadFixture(withCoConsumers);
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await signSeal(sharing, otherOp, id, OTHER, deadline);
      await expect(sharing.connect(relayer).sealWithSignature(id, OTHER, otherOp.address, deadline, sig))
        .to.be.revertedWithCustomError(sharing, "SharingNotCoConsumer")
        .withArgs(id, OTHER);
    });
  });

  describe("escalate", function () {
    it("escalates an unanswered request strictly after the reply deadline", async function () {
      const { sharing, otherOp, id } = await loadFixture(withRequest);
      const replyDeadline = (await sharing.agreement(id)).replyDeadline;
      await expect(sharing.connect(otherOp).escalate(id))
        .to.be.revertedWithCustomError(sharing, "SharingReplyDeadlineNotReached")
        .withArgs(id, replyDeadline);
      await time.setNextBlockTimestamp(replyDeadline);
      await expect(sharing.connect(otherOp).escalate(id))
        .to.be.revertedWithCustomError(sharing, "SharingReplyDeadlineNotReached")
        .withArgs(id, replyDeadline);
      await expect(sharing.connect(otherOp).escalate(id))
        .to.emit(sharing, "AgreementEscalated")
        .withArgs(id, PROVIDER, OTHER);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Escalated);
      await expect(sharing.connect(otherOp).escalate(id))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(id, Status.Escalated);
    });

    it("refuses callers that act for no active department", async function () {
      const { sharing, stranger, suspendedOp, id } = await loadFixture(withRequest);
      await passReplyDeadline(sharing, id);
      for (const who of [stranger, suspendedOp]) {
        await expect(sharing.connect(who).escalate(id))
          .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
          .withArgs(who.address, ROLE_MEMBER);
      }
    });

    it("refuses once the provider answered", async function () {
      const { sharing, providerOp, consumerOp, id } = await loadFixture(withCoConsumers);
      await sharing.connect(providerOp).approve(id);
      await passReplyDeadline(sharing, id);
      await expect(sharing.connect(consumerOp).escalate(id))
        .to.be.revertedWithCustomError(sharing, "SharingNotEscalable")
        .withArgs(id);
      await expect(sharing.connect(consumerOp).escalate(3n))
        .to.be.revertedWithCustomError(sharing, "SharingUnknownAgreement")
        .withArgs(3n);
    });
  });

  describe("councilDecide", function () {
    it("approves for the provider and activates when all seals are in", async function () {
      const { sharing, consortium, co1Op, id } = await loadFixture(withEscalated);
      await sharing.connect(co1Op).seal(id);
      const data = sharing.interface.encodeFunctionData("councilDecide", [id, true, REASON]);
      const tx = consortium.councilCall(await sharing.getAddress(), data);
      await expect(tx).to.emit(sharing, "AgreementDecidedByCouncil").withArgs(id, true, REASON);
      await expectApprovedAndActive(sharing, tx, id, true);
    });

    it("approves for the provider and still waits for co-consumer seals", async function () {
      const { sharing, consortium, co1Op, id } = await loadFixture(withEscalated);
      const data = sharing.interface.encodeFunctionData("councilDecide", [id, true, ethers.ZeroHash]);
      await expect(consortium.councilCall(await sharing.getAddress(), data)).not.to.emit(sharing, "AgreementActivated");
      expect(await sharing.agreementStatus(id)).to.equal(Status.Requested);
      await expect(sharing.connect(co1Op).seal(id)).to.emit(sharing, "AgreementActivated");
    });

    it("rejects with a reason hash", async function () {
      const { sharing, consortium, id } = await loadFixture(withEscalated);
      const target = await sharing.getAddress();
      await expect(
        consortium.councilCall(
          target,
          sharing.interface.encodeFunctionData("councilDecide", [id, false, ethers.ZeroHash]),
        ),
      )
        .to.be.revertedWithCustomError(sharing, "SharingMissingReason")
        .withArgs(id);
      const tx = consortium.councilCall(
        target,
        sharing.interface.encodeFunctionData("councilDecide", [id, false, REASON]),
      );
      await expect(tx).to.emit(sharing, "AgreementDecidedByCouncil").withArgs(id, false, REASON);
      await expect(tx).to.emit(sharing, "AgreementRejected").withArgs(id, PROVIDER, REASON, true);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Rejected);
    });

    it("refuses any caller but the consortium", async function () {
      const { sharing, providerOp, stranger, otherOp, suspendedOp, id } = await loadFixture(withEscalated);
      for (const who of [providerOp, stranger, otherOp, suspendedOp]) {
        await expect(sharing.connect(who).councilDecide(id, true, REASON))
          .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
          .withArgs(who.address, ROLE_COUNCIL);
      }
    });

    it("refuses an agreement that is not escalated", async function () {
      const { sharing, consortium, id } = await loadFixture(withRequest);
      const data = sharing.interface.encodeFunctionData("councilDecide", [id, true, REASON]);
      await expect(consortium.councilCall(await sharing.getAddress(), data))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(id, Status.Requested);
    });
  });

  describe("suspend, resume, terminate", function () {
    /** The call data of a supervision action: terminate takes a reason hash. */
    const supervise = (sharing: SharingAgreements, fn: "suspend" | "resume" | "terminate", id: bigint) =>
      fn === "terminate"
        ? sharing.interface.encodeFunctionData("terminate", [id, REASON])
        : fn === "suspend"
          ? sharing.interface.encodeFunctionData("suspend", [id])
          : sharing.interface.encodeFunctionData("resume", [id]);

    it("lets the provider suspend, resume and terminate with a reason", async function () {
      const { sharing, providerOp, id } = await loadFixture(withActive);
      await expect(sharing.connect(providerOp).suspend(id))
        .to.emit(sharing, "AgreementSuspended")
        .withArgs(id, PROVIDER, false);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Suspended);
      expect((await sharing.agreement(id)).suspendedByCouncil).to.equal(false);
      await expect(sharing.connect(providerOp).resume(id))
        .to.emit(sharing, "AgreementResumed")
        .withArgs(id, PROVIDER, false);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Active);
      await expect(sharing.connect(providerOp).terminate(id, REASON))
        .to.emit(sharing, "AgreementTerminated")
        .withArgs(id, PROVIDER, false, REASON);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Terminated);
    });

    it("lets the council suspend, resume and terminate with a reason", async function () {
      const { sharing, consortium, id } = await loadFixture(withActive);
      const target = await sharing.getAddress();
      const call = async (fn: "suspend" | "resume" | "terminate") =>
        consortium.councilCall(target, supervise(sharing, fn, id));
      await expect(call("suspend")).to.emit(sharing, "AgreementSuspended").withArgs(id, ethers.ZeroHash, true);
      expect((await sharing.agreement(id)).suspendedByCouncil).to.equal(true);
      await expect(call("resume")).to.emit(sharing, "AgreementResumed").withArgs(id, ethers.ZeroHash, true);
      expect((await sharing.agreement(id)).suspendedByCouncil).to.equal(false);
      await expect(call("terminate"))
        .to.emit(sharing, "AgreementTerminated")
        .withArgs(id, ethers.ZeroHash, true, REASON);
    });

    it("lifts a council suspension only by the council, not by the provider", async function () {
      const { sharing, consortium, providerOp, id } = await loadFixture(withActive);
      const target = await sharing.getAddress();
      await consortium.councilCall(target, supervise(sharing, "suspend", id));
      await expect(sharing.connect(providerOp).resume(id))
        .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
        .withArgs(providerOp.address, ROLE_COUNCIL);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Suspended);
      await expect(consortium.councilCall(target, supervise(sharing, "resume", id)))
        .to.emit(sharing, "AgreementResumed")
        .withArgs(id, ethers.ZeroHash, true);
    });

    it("lets the council lift the provider's suspension", async function () {
      const { sharing, consortium, providerOp, id } = await loadFixture(withActive);
      await sharing.connect(providerOp).suspend(id);
      await expect(consortium.councilCall(await sharing.getAddress(), supervise(sharing, "resume", id)))
        .to.emit(sharing, "AgreementResumed")
        .withArgs(id, ethers.ZeroHash, true);
      expect(await sharing.agreementStatus(id)).to.equal(Status.Active);
    });

    it("lets the provider terminate a suspended agreement, and the council one it suspended", async function () {
      const { sharing, consortium, providerOp, consumerOp, terms } = await loadFixture(fixture);
      const mine = await request(sharing, consumerOp, terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 1n }));
      const council = await request(sharing, consumerOp, terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 1n }));
      await sharing.connect(providerOp).suspend(mine);
      await expect(sharing.connect(providerOp).terminate(mine, REASON))
        .to.emit(sharing, "AgreementTerminated")
        .withArgs(mine, PROVIDER, false, REASON);
      const target = await sharing.getAddress();
      await consortium.councilCall(target, supervise(sharing, "suspend", council));
      await expect(consortium.councilCall(target, supervise(sharing, "terminate", council)))
        .to.emit(sharing, "AgreementTerminated")
        .withArgs(council, ethers.ZeroHash, true, REASON);
    });

    it("refuses everyone but the provider's operators and the council", async function () {
      const { sharing, providerOp, consumerOp, suspendedOp, stranger, id } = await loadFixture(withActive);
      for (const who of [stranger, suspendedOp, consumerOp]) {
        for (const fn of ["suspend", "resume", "terminate"] as const) {
          await expect(who.sendTransaction({ to: await sharing.getAddress(), data: supervise(sharing, fn, id) }))
            .to.be.revertedWithCustomError(sharing, "SharingUnauthorizedAccount")
            .withArgs(who.address, PROVIDER);
        }
      }
      await expect(sharing.connect(providerOp).suspend(8n))
        .to.be.revertedWithCustomError(sharing, "SharingUnknownAgreement")
        .withArgs(8n);
    });

    it("needs a reason hash to terminate", async function () {
      const { sharing, consortium, providerOp, id } = await loadFixture(withActive);
      await expect(sharing.connect(providerOp).terminate(id, ethers.ZeroHash))
        .to.be.revertedWithCustomError(sharing, "SharingMissingReason")
        .withArgs(id);
      const data = sharing.interface.encodeFunctionData("terminate", [id, ethers.ZeroHash]);
      await expect(consortium.councilCall(await sharing.getAddress(), data))
        .to.be.revertedWithCustomError(sharing, "SharingMissingReason")
        .withArgs(id);
    });

    it("refuses transitions from the wrong status", async function () {
      const { sharing, providerOp, id } = await loadFixture(withActive);
      await expect(sharing.connect(providerOp).resume(id))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(id, Status.Active);
      await sharing.connect(providerOp).suspend(id);
      await expect(sharing.connect(providerOp).suspend(id))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(id, Status.Suspended);
      await sharing.connect(providerOp).terminate(id, REASON);
      for (const fn of ["suspend", "resume", "terminate"] as const) {
        await expect(providerOp.sendTransaction({ to: await sharing.getAddress(), data: supervise(sharing, fn, id) }))
          .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
          .withArgs(id, Status.Terminated);
      }
    });

    it("never terminates a request or an escalated request: reject and the council's decision answer those", async function () {
      const { sharing, consortium, providerOp, consumerOp, otherOp, terms } = await loadFixture(fixture);
      const requested = await request(sharing, consumerOp, terms());
      const escalated = await request(sharing, consumerOp, terms());
      const rejected = await request(sharing, consumerOp, terms());
      await sharing.connect(providerOp).reject(rejected, REASON);
      await expect(sharing.connect(providerOp).terminate(requested, REASON))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(requested, Status.Requested);
      await passReplyDeadline(sharing, escalated);
      await sharing.connect(otherOp).escalate(escalated);
      for (const [id, status] of [
        [escalated, Status.Escalated],
        [rejected, Status.Rejected],
      ] as const) {
        await expect(sharing.connect(providerOp).terminate(id, REASON))
          .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
          .withArgs(id, status);
      }
      // Not the council either: it decides an escalated request with councilDecide.
      const data = sharing.interface.encodeFunctionData("terminate", [escalated, REASON]);
      await expect(consortium.councilCall(await sharing.getAddress(), data))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(escalated, Status.Escalated);
      expect(await sharing.agreementStatus(escalated)).to.equal(Status.Escalated);
    });
  });

  describe("expiry", function () {
    it("reports Expired from validUntil on, and nothing can change an expired agreement", async function () {
      const { sharing, providerOp, consumerOp, terms, validUntil } = await loadFixture(fixture);
      const active = await request(sharing, consumerOp, terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 1n }));
      const suspended = await request(sharing, consumerOp, terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 1n }));
      const rejected = await request(sharing, consumerOp, terms());
      await sharing.connect(providerOp).suspend(suspended);
      await sharing.connect(providerOp).reject(rejected, REASON);
      await time.increaseTo(validUntil - 1n);
      expect(await sharing.agreementStatus(active)).to.equal(Status.Active);
      await time.increaseTo(validUntil);
      expect(await sharing.agreementStatus(active)).to.equal(Status.Expired);
      expect(await sharing.agreementStatus(suspended)).to.equal(Status.Expired);
      expect(await sharing.agreementStatus(rejected)).to.equal(Status.Rejected);
      expect((await sharing.agreement(active)).status).to.equal(Status.Active); // stored status unchanged
      await expect(sharing.connect(providerOp).suspend(active))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(active, Status.Expired);
      await expect(sharing.connect(providerOp).terminate(active, REASON))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(active, Status.Expired);
      await expect(sharing.connect(providerOp).resume(suspended))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidStatus")
        .withArgs(suspended, Status.Expired);
    });
  });

  describe("views", function () {
    it("answers all zero for an unknown agreement and reverts where a status or digest is asked", async function () {
      const { sharing } = await loadFixture(fixture);
      const a = await sharing.agreement(1n);
      expect(a.consumer).to.equal(ethers.ZeroHash);
      expect(a.coConsumers).to.deep.equal([]);
      await expect(sharing.agreementStatus(1n))
        .to.be.revertedWithCustomError(sharing, "SharingUnknownAgreement")
        .withArgs(1n);
      await expect(sharing.termsDigest(0n))
        .to.be.revertedWithCustomError(sharing, "SharingUnknownAgreement")
        .withArgs(0n);
    });

    it("binds the terms digest to every term and to the parties", async function () {
      const { sharing, consumerOp, otherOp, terms } = await loadFixture(withCoConsumers);
      const t2 = terms({ coConsumers: [CO2, CO1] });
      await sharing.connect(consumerOp).request(t2);
      await sharing.connect(otherOp).request(t2);
      const digests = new Set([
        await sharing.termsDigest(1n),
        await sharing.termsDigest(2n),
        await sharing.termsDigest(3n),
      ]);
      expect(digests.size).to.equal(3);
      expect(await sharing.termsDigest(3n)).to.equal(termsDigestOf(PROVIDER, OTHER, t2));
    });
  });

  describe("with the real DataCatalog", function () {
    it("requests against registered resources, checks the catalog's full mask and refuses retired ones", async function () {
      const { consortium, calendar, providerOp, consumerOp, terms } = await loadFixture(fixture);
      const catalog = await ethers.deployContract("DataCatalog", [await consortium.getAddress()]);
      const sharing = await ethers.deployContract("SharingAgreements", [
        await consortium.getAddress(),
        await catalog.getAddress(),
        await calendar.getAddress(),
      ]);
      const resourceTerms = {
        shareType: 1, // Conditional
        openType: 1,
        securityLevel: 1,
        personal: true,
        sensitive: false,
        itemCount: 12,
        legalBasis: ethers.ZeroHash,
      };
      await catalog.connect(providerOp).register("440000-GA-0001", resourceTerms, '{"name":"Household register"}');
      const resourceId = await catalog.resourceIdOf(PROVIDER, "440000-GA-0001");

      await expect(sharing.connect(consumerOp).request(terms({ resourceId, fieldMask: 0xfffn })))
        .to.emit(sharing, "AgreementRequested")
        .withArgs(1n, resourceId, CONSUMER, PROVIDER, anyValue, anyValue, true, Status.Requested);
      await expect(sharing.connect(consumerOp).request(terms({ resourceId, fieldMask: 0x1000n })))
        .to.be.revertedWithCustomError(sharing, "SharingInvalidFieldMask")
        .withArgs(0x1000n, 0xfffn);
      await catalog.connect(providerOp).retire(resourceId);
      await expect(sharing.connect(consumerOp).request(terms({ resourceId })))
        .to.be.revertedWithCustomError(sharing, "SharingResourceRetired")
        .withArgs(resourceId);
    });
  });

  describe("gas (regression budgets; figures in the report of the branch)", function () {
    it("keeps request (conditional) and approve within budget", async function () {
      const { sharing, consumerOp, providerOp, terms } = await loadFixture(fixture);
      await sharing.connect(consumerOp).request(terms()); // the first request also creates the id counter
      const requested = await (await sharing.connect(consumerOp).request(terms())).wait();
      const approved = await (await sharing.connect(providerOp).approve(2n)).wait();
      // About 6k of it is the reply deadline counted on the calendar (two cold words and the popcounts).
      expect(requested!.gasUsed).to.be.lessThan(275_000n);
      expect(approved!.gasUsed).to.be.lessThan(55_000n);
    });
  });

  describe("properties (fast-check)", function () {
    type Actor = "provider" | "consumer" | "co1" | "co2" | "other" | "stranger" | "council";
    type Kind =
      | "approve"
      | "approveSig"
      | "reject"
      | "seal"
      | "sealSig"
      | "escalate"
      | "councilApprove"
      | "councilReject"
      | "suspend"
      | "resume"
      | "terminate";
    type Action = { kind: Kind; actor: Actor } | { kind: "advance" } | { kind: "expire" };

    const DEPT: Record<Actor, string | null> = {
      provider: PROVIDER,
      consumer: CONSUMER,
      co1: CO1,
      co2: CO2,
      other: OTHER,
      stranger: null,
      council: null,
    };

    /** The state machine as the spec states it. */
    interface Model {
      status: Status;
      approved: boolean;
      pending: Set<string>;
      deadlinePassed: boolean;
      expired: boolean;
      suspendedByCouncil: boolean;
    }
    const effective = (m: Model) =>
      m.expired && m.status !== Status.Rejected && m.status !== Status.Terminated ? Status.Expired : m.status;

    /** Whether the action succeeds in the model; applies it when it does. */
    function step(m: Model, a: { kind: Kind; actor: Actor }, co: string[]): boolean {
      const eff = effective(m);
      const d = DEPT[a.actor];
      const byProvider = d === PROVIDER;
      const supervisor = byProvider || a.actor === "council";
      switch (a.kind) {
        case "approve":
        case "approveSig":
          if (!byProvider || eff !== Status.Requested || m.approved) return false;
          m.approved = true;
          if (m.pending.size === 0) m.status = Status.Active;
          return true;
        case "reject":
          if (!byProvider || eff !== Status.Requested || m.approved) return false;
          m.status = Status.Rejected;
          return true;
        case "seal":
        case "sealSig":
          if (d === null || !co.includes(d) || !m.pending.has(d)) return false;
          if (eff !== Status.Requested && eff !== Status.Escalated) return false;
          m.pending.delete(d);
          if (m.pending.size === 0 && m.approved) m.status = Status.Active;
          return true;
        case "escalate":
          if (d === null || eff !== Status.Requested || m.approved || !m.deadlinePassed) return false;
          m.status = Status.Escalated;
          return true;
        case "councilApprove":
          if (a.actor !== "council" || eff !== Status.Escalated) return false;
          m.approved = true;
          m.status = m.pending.size === 0 ? Status.Active : Status.Requested;
          return true;
        case "councilReject":
          if (a.actor !== "council" || eff !== Status.Escalated) return false;
          m.status = Status.Rejected;
          return true;
        case "suspend":
          if (!supervisor || eff !== Status.Active) return false;
          m.status = Status.Suspended;
          m.suspendedByCouncil = a.actor === "council";
          return true;
        case "resume":
          if (!supervisor || eff !== Status.Suspended) return false;
          if (m.suspendedByCouncil && a.actor !== "council") return false;
          m.status = Status.Active;
          m.suspendedByCouncil = false;
          return true;
        case "terminate":
          if (!supervisor || (eff !== Status.Active && eff !== Status.Suspended)) return false;
          m.status = Status.Terminated;
          return true;
      }
    }

    const actorArb = fc.constantFrom<Actor>("provider", "consumer", "co1", "co2", "other", "stranger", "council");
    const kindArb = fc.constantFrom<Kind>(
      "approve",
      "approveSig",
      "reject",
      "seal",
      "sealSig",
      "escalate",
      "councilApprove",
      "councilReject",
      "suspend",
      "resume",
      "terminate",
    );
    const actionArb: fc.Arbitrary<Action> = fc.oneof(
      { arbitrary: fc.record({ kind: kindArb, actor: actorArb }), weight: 12 },
      { arbitrary: fc.constant({ kind: "advance" as const }), weight: 2 },
      { arbitrary: fc.constant({ kind: "expire" as const }), weight: 1 },
    );

    it("random actions by random actors follow the state machine and never leave a final status", async function () {
      const f = await loadFixture(fixture);
      const { sharing, consortium } = f;
      const target = await sharing.getAddress();
      const signers: Record<Actor, HardhatEthersSigner> = {
        provider: f.providerOp,
        consumer: f.consumerOp,
        co1: f.co1Op,
        co2: f.co2Op,
        other: f.otherOp,
        stranger: f.stranger,
        council: f.stranger, // only used to sign, and the council cannot sign: any signature of its stands refused
      };

      async function send(a: { kind: Kind; actor: Actor }, id: bigint): Promise<boolean> {
        const deadline = BigInt(await time.latest()) + 3600n;
        let data: string;
        switch (a.kind) {
          case "approveSig": {
            const sig = await signSeal(sharing, signers[a.actor], id, PROVIDER, deadline);
            data = sharing.interface.encodeFunctionData("approveWithSeal", [
              id,
              a.actor === "council" ? target : signers[a.actor].address,
              deadline,
              sig,
            ]);
            break;
          }
          case "sealSig": {
            const dept = DEPT[a.actor] ?? CO1;
            const sig = await signSeal(sharing, signers[a.actor], id, dept, deadline);
            data = sharing.interface.encodeFunctionData("sealWithSignature", [
              id,
              dept,
              a.actor === "council" ? target : signers[a.actor].address,
              deadline,
              sig,
            ]);
            break;
          }
          case "reject":
            data = sharing.interface.encodeFunctionData("reject", [id, REASON]);
            break;
          case "terminate":
            data = sharing.interface.encodeFunctionData("terminate", [id, REASON]);
            break;
          case "councilApprove":
          case "councilReject":
            data = sharing.interface.encodeFunctionData("councilDecide", [id, a.kind === "councilApprove", REASON]);
            break;
          default:
            data = (await sharing[a.kind].populateTransaction(id)).data;
        }
        try {
          if (a.actor === "council" && !a.kind.endsWith("Sig")) {
            await (await consortium.councilCall(target, data)).wait();
          } else {
            // Signed actions are relayed by a third party; direct ones come from the actor.
            const from = a.kind.endsWith("Sig") ? f.relayer : signers[a.actor];
            await (await from.sendTransaction({ to: target, data })).wait();
          }
          return true;
        } catch {
          return false;
        }
      }

      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          fc.subarray([CO1, CO2]),
          fc.array(actionArb, { minLength: 1, maxLength: 14 }),
          async (conditional, co, actions) => {
            const { validUntil, terms } = await loadFixture(fixture);
            const t = conditional
              ? terms({ coConsumers: co })
              : terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 1n, coConsumers: co });
            await sharing.connect(f.consumerOp).request(t);
            const id = await sharing.agreementCount();
            const m: Model = {
              status: !conditional && co.length === 0 ? Status.Active : Status.Requested,
              approved: !conditional,
              pending: new Set(co),
              deadlinePassed: false,
              expired: false,
              suspendedByCouncil: false,
            };
            let previous = effective(m);
            for (const a of actions) {
              if (a.kind === "advance") {
                await passReplyDeadline(sharing, id);
                m.deadlinePassed = conditional;
              } else if (a.kind === "expire") {
                if (!m.expired) await time.increaseTo(validUntil + 10n);
                m.expired = true;
              } else {
                const expected = step(m, a, co);
                expect(await send(a, id), `${a.kind} by ${a.actor}`).to.equal(expected);
              }
              const status = await sharing.agreementStatus(id);
              expect(status).to.equal(effective(m));
              if (previous === Status.Rejected || previous === Status.Terminated) expect(status).to.equal(previous);
              previous = Number(status);
              const stored = await sharing.agreement(id);
              expect(stored.providerApproved).to.equal(m.approved);
              const pending = co.reduce((bits, d, i) => (m.pending.has(d) ? bits | (1n << BigInt(i)) : bits), 0n);
              expect(stored.pendingSeals).to.equal(pending);
              expect(stored.suspendedByCouncil).to.equal(m.suspendedByCouncil);
              if (stored.status === BigInt(Status.Active)) {
                expect(stored.providerApproved && stored.pendingSeals === 0n).to.equal(true);
              }
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});
