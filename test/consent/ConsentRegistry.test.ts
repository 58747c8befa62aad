import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { EventLog } from "ethers";
import {
  CIVIL_AFFAIRS,
  DAY,
  HEALTH,
  PURPOSE,
  RESOURCE,
  SOCIAL_SECURITY,
  SUSPENDED,
  consentIdOf,
  deployConsentRegistry,
  signConsent,
  signKeyRotation,
  signWithdrawal,
  subjectRef,
  termsFor,
  type ConsentTerms,
} from "./fixtures";

const MEMBER = ethers.id("kuajie.role.member");
const COUNCIL = ethers.id("kuajie.role.council");

enum Status {
  None,
  Active,
  Withdrawn,
  Revoked,
  Expired,
}
enum Evidence {
  None,
  Signature,
  RecordHash,
}

const SUBJECT = subjectRef("110101199003077777");
const OTHER_SUBJECT = subjectRef("440106198512120000");
const FORM = ethers.id("iso27560:consent-record:0001");
const REQUEST = ethers.id("withdrawal-request:0001");

/** The low 96 bits of a department id, zero-padded: what the registry stores and names when a revoker is wrong. */
function low96(departmentId: string): string {
  return ethers.toBeHex(BigInt(departmentId) & ((1n << 96n) - 1n), 32);
}

function padAddress(address: string): string {
  return ethers.zeroPadValue(address, 32);
}

function keyArgs(terms: ConsentTerms): [string, string, string, string] {
  return [terms.key.subjectRef, terms.key.recipient, terms.key.resourceId, terms.key.purpose];
}

describe("ConsentRegistry", function () {
  async function withConsent() {
    const f = await deployConsentRegistry();
    const terms = await termsFor(SUBJECT);
    await f.registry.connect(f.civilOperator).record(terms, FORM);
    return { ...f, terms, consentId: consentIdOf(terms.key, 1) };
  }

  /** `withConsent`, then the consent withdrawn by the holder (social security) on the subject's request. */
  async function withWithdrawnConsent() {
    const f = await withConsent();
    await f.registry.connect(f.socialOperator).withdraw(f.terms.key, REQUEST);
    return f;
  }

  async function withSignedConsent() {
    const f = await deployConsentRegistry();
    const terms = await termsFor(SUBJECT);
    const deadline = BigInt(await time.latest()) + DAY;
    const signature = await signConsent(f.registry, f.citizen, terms, deadline);
    await f.registry.connect(f.civilOperator).recordWithSignature(terms, f.citizen.address, deadline, signature);
    return { ...f, terms, deadline, consentId: consentIdOf(terms.key, 1) };
  }

  describe("deployment", function () {
    it("knows its consortium, type hashes and EIP-712 domain", async function () {
      const { registry, consortium } = await loadFixture(deployConsentRegistry);
      expect(await registry.consortium()).to.equal(await consortium.getAddress());
      expect(await registry.CONSENT_TYPEHASH()).to.equal(
        ethers.id(
          "Consent(bytes32 subjectRef,bytes32 recipient,bytes32 resourceId,bytes32 purpose,bool separate,uint64 validFrom,uint64 validUntil,uint256 nonce,uint256 deadline)",
        ),
      );
      expect(await registry.WITHDRAWAL_TYPEHASH()).to.equal(
        ethers.id("Withdrawal(bytes32 consentId,uint256 nonce,uint256 deadline)"),
      );
      expect(await registry.KEY_ROTATION_TYPEHASH()).to.equal(
        ethers.id("SubjectKeyRotation(bytes32 subjectRef,address newKey,uint256 nonce,uint256 deadline)"),
      );
      const domain = await registry.eip712Domain();
      expect(domain.name).to.equal("Kuajie ConsentRegistry");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(31337n);
    });

    it("derives consent ids from the key hash and the serial", async function () {
      const { registry } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      expect(await registry.computeConsentId(terms.key, 7)).to.equal(consentIdOf(terms.key, 7));
    });
  });

  describe("record", function () {
    it("records a consent evidenced by a record hash, with its event and stored record", async function () {
      const { registry, civilOperator } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT, { separate: true });
      const consentId = consentIdOf(terms.key, 1);
      expect(await registry.connect(civilOperator).record.staticCall(terms, FORM)).to.equal(consentId);
      await expect(registry.connect(civilOperator).record(terms, FORM))
        .to.emit(registry, "ConsentRecorded")
        .withArgs(
          SUBJECT,
          consentId,
          SOCIAL_SECURITY,
          RESOURCE,
          PURPOSE,
          true,
          terms.validFrom,
          terms.validUntil,
          Evidence.RecordHash,
          FORM,
          CIVIL_AFFAIRS,
          false,
        )
        .and.not.to.emit(registry, "ConsentSuperseded");
      const [stored, status, id] = await registry.consent(...keyArgs(terms));
      expect(stored.validFrom).to.equal(terms.validFrom);
      expect(stored.validUntil).to.equal(terms.validUntil);
      expect(stored.status).to.equal(Status.Active);
      expect(stored.separate).to.equal(true);
      expect(stored.evidenceKind).to.equal(Evidence.RecordHash);
      expect(stored.serial).to.equal(1n);
      expect(ethers.toBeHex(stored.recorder, 32)).to.equal(low96(CIVIL_AFFAIRS));
      expect(status).to.equal(Status.Active);
      expect(id).to.equal(consentId);
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([true, consentId]);
    });

    it("lets any active department record, for any active recipient", async function () {
      const { registry, healthOperator } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT, { recipient: CIVIL_AFFAIRS, separate: false });
      await expect(registry.connect(healthOperator).record(terms, FORM))
        .to.emit(registry, "ConsentRecorded")
        .withArgs(
          SUBJECT,
          consentIdOf(terms.key, 1),
          CIVIL_AFFAIRS,
          RESOURCE,
          PURPOSE,
          false,
          terms.validFrom,
          terms.validUntil,
          Evidence.RecordHash,
          FORM,
          HEALTH,
          false,
        );
    });

    it("refuses an account of no department and an operator of a suspended department", async function () {
      const { registry, outsider, suspendedOperator } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      for (const caller of [outsider, suspendedOperator]) {
        await expect(registry.connect(caller).record(terms, FORM))
          .to.be.revertedWithCustomError(registry, "ConsentUnauthorizedAccount")
          .withArgs(caller.address, MEMBER);
      }
    });

    it("refuses a zero subject reference", async function () {
      const { registry, civilOperator } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(ethers.ZeroHash);
      await expect(registry.connect(civilOperator).record(terms, FORM)).to.be.revertedWithCustomError(
        registry,
        "ConsentZeroSubjectRef",
      );
    });

    it("refuses a validity window that ends before it starts or does not fit in 40 bits", async function () {
      const { registry, civilOperator } = await loadFixture(deployConsentRegistry);
      const now = BigInt(await time.latest());
      const cases: [bigint, bigint][] = [
        [now + DAY, now + DAY],
        [now + 2n * DAY, now + DAY],
        [now, 1n << 40n],
      ];
      for (const [validFrom, validUntil] of cases) {
        const terms = await termsFor(SUBJECT, { validFrom, validUntil });
        await expect(registry.connect(civilOperator).record(terms, FORM))
          .to.be.revertedWithCustomError(registry, "ConsentInvalidValidity")
          .withArgs(validFrom, validUntil);
      }
      const widest = await termsFor(SUBJECT, { validFrom: 0n, validUntil: (1n << 40n) - 1n });
      await expect(registry.connect(civilOperator).record(widest, FORM)).to.emit(registry, "ConsentRecorded");
    });

    it("refuses a validity window that has already ended", async function () {
      const { registry, civilOperator } = await loadFixture(deployConsentRegistry);
      const now = BigInt(await time.latest());
      const terms = await termsFor(SUBJECT, { validFrom: now - DAY, validUntil: now + 1n });
      // The transaction's block is at now + 1: validUntil must be strictly later.
      await time.setNextBlockTimestamp(now + 1n);
      await expect(registry.connect(civilOperator).record(terms, FORM))
        .to.be.revertedWithCustomError(registry, "ConsentValidityEnded")
        .withArgs(now + 1n);
    });

    it("refuses a zero evidence hash", async function () {
      const { registry, civilOperator } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      await expect(registry.connect(civilOperator).record(terms, ethers.ZeroHash)).to.be.revertedWithCustomError(
        registry,
        "ConsentZeroEvidence",
      );
    });

    it("refuses a recipient that is not an active member", async function () {
      const { registry, civilOperator } = await loadFixture(deployConsentRegistry);
      for (const recipient of [SUSPENDED, ethers.id("91440000000000000X")]) {
        const terms = await termsFor(SUBJECT, { recipient });
        await expect(registry.connect(civilOperator).record(terms, FORM))
          .to.be.revertedWithCustomError(registry, "ConsentInactiveRecipient")
          .withArgs(recipient);
      }
    });

    it("records a consent that starts later, active only from validFrom", async function () {
      const { registry, civilOperator } = await loadFixture(deployConsentRegistry);
      const now = BigInt(await time.latest());
      const terms = await termsFor(SUBJECT, { validFrom: now + DAY, validUntil: now + 2n * DAY });
      await registry.connect(civilOperator).record(terms, FORM);
      const consentId = consentIdOf(terms.key, 1);
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([false, consentId]);
      expect((await registry.consent(...keyArgs(terms)))[1]).to.equal(Status.Active);
      await time.increaseTo(now + DAY);
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([true, consentId]);
    });

    it("supersedes the key's live consent with a new serial", async function () {
      const { registry, healthOperator, terms, consentId } = await loadFixture(withConsent);
      const renewed = { ...terms, separate: false, validUntil: terms.validUntil + DAY };
      const renewedId = consentIdOf(terms.key, 2);
      await expect(registry.connect(healthOperator).record(renewed, FORM))
        .to.emit(registry, "ConsentSuperseded")
        .withArgs(SUBJECT, consentId, renewedId)
        .and.to.emit(registry, "ConsentRecorded")
        .withArgs(
          SUBJECT,
          renewedId,
          SOCIAL_SECURITY,
          RESOURCE,
          PURPOSE,
          false,
          renewed.validFrom,
          renewed.validUntil,
          Evidence.RecordHash,
          FORM,
          HEALTH,
          false,
        );
      const [stored, status, id] = await registry.consent(...keyArgs(terms));
      expect([stored.serial, stored.separate, ethers.toBeHex(stored.recorder, 32), status, id]).to.deep.equal([
        2n,
        false,
        low96(HEALTH),
        BigInt(Status.Active),
        renewedId,
      ]);
    });

    it("records anew after a withdrawal or an expiry without a supersession", async function () {
      const { registry, civilOperator, terms } = await loadFixture(withWithdrawnConsent);
      await expect(registry.connect(civilOperator).record(terms, FORM))
        .to.emit(registry, "ConsentRecorded")
        .and.not.to.emit(registry, "ConsentSuperseded");
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([true, consentIdOf(terms.key, 2)]);

      await time.increaseTo(terms.validUntil);
      const later = await termsFor(SUBJECT);
      await expect(registry.connect(civilOperator).record(later, FORM))
        .to.emit(registry, "ConsentRecorded")
        .and.not.to.emit(registry, "ConsentSuperseded");
      expect(await registry.activeConsent(...keyArgs(later))).to.deep.equal([true, consentIdOf(terms.key, 3)]);
    });
  });

  describe("recordBatch", function () {
    it("records many consents in one transaction, one event each", async function () {
      const { registry, civilOperator } = await loadFixture(deployConsentRegistry);
      const inputs = [];
      for (let i = 0; i < 4; i++) {
        const terms = await termsFor(subjectRef(`batch-${i}`), { recipient: i < 2 ? SOCIAL_SECURITY : HEALTH });
        inputs.push({ terms, evidenceHash: ethers.id(`form-${i}`) });
      }
      const ids = inputs.map((input) => consentIdOf(input.terms.key, 1));
      expect(await registry.connect(civilOperator).recordBatch.staticCall(inputs)).to.deep.equal(ids);
      const tx = registry.connect(civilOperator).recordBatch(inputs);
      for (const [i, { terms, evidenceHash }] of inputs.entries()) {
        await expect(tx)
          .to.emit(registry, "ConsentRecorded")
          .withArgs(
            terms.key.subjectRef,
            ids[i],
            terms.key.recipient,
            RESOURCE,
            PURPOSE,
            true,
            terms.validFrom,
            terms.validUntil,
            Evidence.RecordHash,
            evidenceHash,
            CIVIL_AFFAIRS,
            false,
          );
      }
      const receipt = await (await tx).wait();
      expect(receipt!.logs.length).to.equal(4);
      for (const [i, { terms }] of inputs.entries()) {
        expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([true, ids[i]]);
      }
    });

    it("lets a later entry supersede an earlier one for the same key", async function () {
      const { registry, civilOperator } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      const inputs = [
        { terms, evidenceHash: ethers.id("form-a") },
        { terms: { ...terms, separate: false }, evidenceHash: ethers.id("form-b") },
      ];
      await expect(registry.connect(civilOperator).recordBatch(inputs))
        .to.emit(registry, "ConsentSuperseded")
        .withArgs(SUBJECT, consentIdOf(terms.key, 1), consentIdOf(terms.key, 2));
    });

    it("refuses an account of no department and an operator of a suspended department", async function () {
      const { registry, outsider, suspendedOperator } = await loadFixture(deployConsentRegistry);
      const inputs = [{ terms: await termsFor(SUBJECT), evidenceHash: FORM }];
      for (const caller of [outsider, suspendedOperator]) {
        await expect(registry.connect(caller).recordBatch(inputs))
          .to.be.revertedWithCustomError(registry, "ConsentUnauthorizedAccount")
          .withArgs(caller.address, MEMBER);
      }
    });

    it("refuses an empty batch and any invalid entry", async function () {
      const { registry, civilOperator } = await loadFixture(deployConsentRegistry);
      const batch = registry.connect(civilOperator);
      await expect(batch.recordBatch([])).to.be.revertedWithCustomError(registry, "ConsentEmptyBatch");
      const good = { terms: await termsFor(SUBJECT), evidenceHash: FORM };
      const now = BigInt(await time.latest());
      await expect(
        batch.recordBatch([good, { terms: await termsFor(ethers.ZeroHash), evidenceHash: FORM }]),
      ).to.be.revertedWithCustomError(registry, "ConsentZeroSubjectRef");
      await expect(
        batch.recordBatch([good, { terms: good.terms, evidenceHash: ethers.ZeroHash }]),
      ).to.be.revertedWithCustomError(registry, "ConsentZeroEvidence");
      const reversed = await termsFor(OTHER_SUBJECT, { validFrom: now + DAY, validUntil: now });
      await expect(batch.recordBatch([good, { terms: reversed, evidenceHash: FORM }]))
        .to.be.revertedWithCustomError(registry, "ConsentInvalidValidity")
        .withArgs(now + DAY, now);
      const toSuspended = await termsFor(OTHER_SUBJECT, { recipient: SUSPENDED });
      await expect(batch.recordBatch([good, { terms: toSuspended, evidenceHash: FORM }]))
        .to.be.revertedWithCustomError(registry, "ConsentInactiveRecipient")
        .withArgs(SUSPENDED);
    });
  });

  describe("recordWithSignature", function () {
    it("records a consent signed by the subject, submitted by a department", async function () {
      const { registry, civilOperator, citizen } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signConsent(registry, citizen, terms, deadline);
      const consentId = consentIdOf(terms.key, 1);
      await expect(registry.connect(civilOperator).recordWithSignature(terms, citizen.address, deadline, signature))
        .to.emit(registry, "ConsentRecorded")
        .withArgs(
          SUBJECT,
          consentId,
          SOCIAL_SECURITY,
          RESOURCE,
          PURPOSE,
          true,
          terms.validFrom,
          terms.validUntil,
          Evidence.Signature,
          padAddress(citizen.address),
          CIVIL_AFFAIRS,
          false,
        );
      expect(await registry.nonces(citizen.address)).to.equal(1n);
      expect((await registry.consent(...keyArgs(terms)))[0].evidenceKind).to.equal(Evidence.Signature);
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([true, consentId]);
    });

    it("refuses a replayed signature", async function () {
      const { registry, civilOperator, citizen, terms, deadline } = await loadFixture(withSignedConsent);
      const replayed = await signConsent(registry, citizen, terms, deadline, { nonce: 0n });
      await expect(registry.connect(civilOperator).recordWithSignature(terms, citizen.address, deadline, replayed))
        .to.be.revertedWithCustomError(registry, "ConsentInvalidSignature")
        .withArgs(citizen.address);
    });

    it("refuses a signature for another chain id", async function () {
      const { registry, civilOperator, citizen } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signConsent(registry, citizen, terms, deadline, { chainId: 1n });
      await expect(registry.connect(civilOperator).recordWithSignature(terms, citizen.address, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ConsentInvalidSignature")
        .withArgs(citizen.address);
    });

    it("refuses a signature past its deadline, before consuming the nonce", async function () {
      const { registry, civilOperator, citizen } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      const deadline = BigInt(await time.latest()) + 10n;
      const signature = await signConsent(registry, citizen, terms, deadline);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(registry.connect(civilOperator).recordWithSignature(terms, citizen.address, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ConsentExpiredSignature")
        .withArgs(deadline);
      expect(await registry.nonces(citizen.address)).to.equal(0n);
    });

    it("refuses a signature by another key than the named signer, or over other terms", async function () {
      const { registry, civilOperator, citizen, otherCitizen } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      const deadline = BigInt(await time.latest()) + DAY;
      const byOther = await signConsent(registry, otherCitizen, terms, deadline, { nonce: 0n });
      await expect(registry.connect(civilOperator).recordWithSignature(terms, citizen.address, deadline, byOther))
        .to.be.revertedWithCustomError(registry, "ConsentInvalidSignature")
        .withArgs(citizen.address);
      const signature = await signConsent(registry, citizen, terms, deadline);
      const widened = { ...terms, validUntil: terms.validUntil + DAY };
      await expect(registry.connect(civilOperator).recordWithSignature(widened, citizen.address, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ConsentInvalidSignature")
        .withArgs(citizen.address);
    });

    it("refuses a submitter of no department or of a suspended department", async function () {
      const { registry, outsider, suspendedOperator, citizen } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signConsent(registry, citizen, terms, deadline);
      for (const caller of [outsider, suspendedOperator]) {
        await expect(registry.connect(caller).recordWithSignature(terms, citizen.address, deadline, signature))
          .to.be.revertedWithCustomError(registry, "ConsentUnauthorizedAccount")
          .withArgs(caller.address, MEMBER);
      }
    });

    it("validates the signed terms like any consent", async function () {
      const { registry, civilOperator, citizen } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT, { recipient: SUSPENDED });
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signConsent(registry, citizen, terms, deadline);
      await expect(registry.connect(civilOperator).recordWithSignature(terms, citizen.address, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ConsentInactiveRecipient")
        .withArgs(SUSPENDED);
      const unnamed = await termsFor(ethers.ZeroHash);
      const unnamedSignature = await signConsent(registry, citizen, unnamed, deadline);
      await expect(
        registry.connect(civilOperator).recordWithSignature(unnamed, citizen.address, deadline, unnamedSignature),
      ).to.be.revertedWithCustomError(registry, "ConsentZeroSubjectRef");
    });
  });

  describe("withdraw (a department acting on the subject's request)", function () {
    it("withdraws at the request received by any active department", async function () {
      const { registry, healthOperator, terms, consentId } = await loadFixture(withConsent);
      await expect(registry.connect(healthOperator).withdraw(terms.key, REQUEST))
        .to.emit(registry, "ConsentWithdrawn")
        .withArgs(SUBJECT, consentId, HEALTH, REQUEST);
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([false, consentId]);
      const [stored, status] = await registry.consent(...keyArgs(terms));
      expect([stored.status, status]).to.deep.equal([BigInt(Status.Withdrawn), BigInt(Status.Withdrawn)]);
      // A withdrawn consent stays withdrawn once its window ends.
      await time.increaseTo(terms.validUntil);
      expect((await registry.consent(...keyArgs(terms)))[1]).to.equal(Status.Withdrawn);
    });

    it("withdraws a consent that is not yet in effect", async function () {
      const { registry, civilOperator, socialOperator } = await loadFixture(deployConsentRegistry);
      const now = BigInt(await time.latest());
      const terms = await termsFor(SUBJECT, { validFrom: now + DAY, validUntil: now + 2n * DAY });
      await registry.connect(civilOperator).record(terms, FORM);
      await expect(registry.connect(socialOperator).withdraw(terms.key, REQUEST))
        .to.emit(registry, "ConsentWithdrawn")
        .withArgs(SUBJECT, consentIdOf(terms.key, 1), SOCIAL_SECURITY, REQUEST);
    });

    it("refuses an account of no department and an operator of a suspended department", async function () {
      const { registry, outsider, suspendedOperator, terms } = await loadFixture(withConsent);
      for (const caller of [outsider, suspendedOperator]) {
        await expect(registry.connect(caller).withdraw(terms.key, REQUEST))
          .to.be.revertedWithCustomError(registry, "ConsentUnauthorizedAccount")
          .withArgs(caller.address, MEMBER);
      }
    });

    it("refuses a zero evidence hash and an unknown consent", async function () {
      const { registry, socialOperator, terms } = await loadFixture(withConsent);
      await expect(registry.connect(socialOperator).withdraw(terms.key, ethers.ZeroHash)).to.be.revertedWithCustomError(
        registry,
        "ConsentZeroEvidence",
      );
      const unknown = await termsFor(OTHER_SUBJECT);
      await expect(registry.connect(socialOperator).withdraw(unknown.key, REQUEST))
        .to.be.revertedWithCustomError(registry, "ConsentUnknown")
        .withArgs(...keyArgs(unknown));
    });

    it("refuses a consent that is withdrawn, revoked or expired", async function () {
      const { registry, civilOperator, socialOperator, terms, consentId } = await loadFixture(withConsent);
      await registry.connect(socialOperator).withdraw(terms.key, REQUEST);
      await expect(registry.connect(socialOperator).withdraw(terms.key, REQUEST))
        .to.be.revertedWithCustomError(registry, "ConsentNotActive")
        .withArgs(consentId, Status.Withdrawn);

      await registry.connect(civilOperator).record(terms, FORM);
      await registry.connect(civilOperator).revoke(terms.key);
      await expect(registry.connect(socialOperator).withdraw(terms.key, REQUEST))
        .to.be.revertedWithCustomError(registry, "ConsentNotActive")
        .withArgs(consentIdOf(terms.key, 2), Status.Revoked);

      await registry.connect(civilOperator).record(terms, FORM);
      await time.increaseTo(terms.validUntil);
      await expect(registry.connect(socialOperator).withdraw(terms.key, REQUEST))
        .to.be.revertedWithCustomError(registry, "ConsentNotActive")
        .withArgs(consentIdOf(terms.key, 3), Status.Expired);
    });
  });

  describe("withdrawWithSignature (the subject)", function () {
    it("withdraws by the signing subject's signature, submitted by anyone", async function () {
      const { registry, outsider, citizen, terms, consentId } = await loadFixture(withSignedConsent);
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signWithdrawal(registry, citizen, consentId, deadline);
      await expect(registry.connect(outsider).withdrawWithSignature(terms.key, deadline, signature))
        .to.emit(registry, "ConsentWithdrawn")
        .withArgs(SUBJECT, consentId, ethers.ZeroHash, padAddress(citizen.address));
      expect(await registry.nonces(citizen.address)).to.equal(2n);
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([false, consentId]);
    });

    it("refuses a replayed signature", async function () {
      const { registry, outsider, civilOperator, citizen, terms, consentId } = await loadFixture(withSignedConsent);
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signWithdrawal(registry, citizen, consentId, deadline);
      await registry.connect(outsider).withdrawWithSignature(terms.key, deadline, signature);
      await expect(registry.connect(outsider).withdrawWithSignature(terms.key, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ConsentInvalidSignature")
        .withArgs(citizen.address);
      // Nor does it withdraw the consent that supersedes it: the id and the nonce differ.
      const consentDeadline = BigInt(await time.latest()) + DAY;
      const again = await signConsent(registry, citizen, terms, consentDeadline);
      await registry.connect(civilOperator).recordWithSignature(terms, citizen.address, consentDeadline, again);
      await expect(registry.connect(outsider).withdrawWithSignature(terms.key, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ConsentInvalidSignature")
        .withArgs(citizen.address);
    });

    const misSigned = [
      { what: "for another chain id", by: "citizen", options: { chainId: 1n } },
      { what: "by another key than the one that gave the consent", by: "otherCitizen", options: { nonce: 1n } },
    ] as const;
    for (const { what, by, options } of misSigned) {
      it(`refuses a signature ${what}`, async function () {
        const f = await loadFixture(withSignedConsent);
        const { registry, outsider, citizen, terms, consentId } = f;
        const deadline = BigInt(await time.latest()) + DAY;
        const signature = await signWithdrawal(registry, f[by], consentId, deadline, options);
        await expect(registry.connect(outsider).withdrawWithSignature(terms.key, deadline, signature))
          .to.be.revertedWithCustomError(registry, "ConsentInvalidSignature")
          .withArgs(citizen.address);
      });
    }

    it("refuses a signature past its deadline", async function () {
      const { registry, outsider, citizen, terms, consentId } = await loadFixture(withSignedConsent);
      const deadline = BigInt(await time.latest()) + 10n;
      const signature = await signWithdrawal(registry, citizen, consentId, deadline);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(registry.connect(outsider).withdrawWithSignature(terms.key, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ConsentExpiredSignature")
        .withArgs(deadline);
    });

    it("refuses a consent of a subject with no key and an unknown consent", async function () {
      const { registry, outsider, citizen, terms, consentId } = await loadFixture(withConsent);
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signWithdrawal(registry, citizen, consentId, deadline);
      await expect(registry.connect(outsider).withdrawWithSignature(terms.key, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ConsentNoSubjectKey")
        .withArgs(consentId);
      const unknown = await termsFor(OTHER_SUBJECT);
      await expect(registry.connect(outsider).withdrawWithSignature(unknown.key, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ConsentUnknown")
        .withArgs(...keyArgs(unknown));
    });

    it("refuses an expired consent", async function () {
      const { registry, outsider, citizen, terms, consentId } = await loadFixture(withSignedConsent);
      await time.increaseTo(terms.validUntil);
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signWithdrawal(registry, citizen, consentId, deadline);
      await expect(registry.connect(outsider).withdrawWithSignature(terms.key, deadline, signature))
        .to.be.revertedWithCustomError(registry, "ConsentNotActive")
        .withArgs(consentId, Status.Expired);
    });
  });

  describe("revoke (the recording department)", function () {
    it("revokes a consent its department recorded", async function () {
      const { registry, civilOperator, terms, consentId } = await loadFixture(withConsent);
      await expect(registry.connect(civilOperator).revoke(terms.key))
        .to.emit(registry, "ConsentRevoked")
        .withArgs(SUBJECT, consentId, CIVIL_AFFAIRS, false);
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([false, consentId]);
      expect((await registry.consent(...keyArgs(terms)))[1]).to.equal(Status.Revoked);
    });

    it("refuses an operator of another department, of no department, or of a suspended recorder", async function () {
      const { registry, consortium, socialOperator, outsider, suspendedOperator, civilOperator, terms } =
        await loadFixture(withConsent);
      for (const caller of [socialOperator, outsider, suspendedOperator]) {
        await expect(registry.connect(caller).revoke(terms.key))
          .to.be.revertedWithCustomError(registry, "ConsentUnauthorizedAccount")
          .withArgs(caller.address, low96(CIVIL_AFFAIRS));
      }
      await consortium.setDepartment(CIVIL_AFFAIRS, false, true);
      await expect(registry.connect(civilOperator).revoke(terms.key))
        .to.be.revertedWithCustomError(registry, "ConsentUnauthorizedAccount")
        .withArgs(civilOperator.address, low96(CIVIL_AFFAIRS));
    });

    it("refuses an unknown consent and one that is no longer active", async function () {
      const { registry, civilOperator, socialOperator, terms, consentId } = await loadFixture(withConsent);
      const unknown = await termsFor(OTHER_SUBJECT);
      await expect(registry.connect(civilOperator).revoke(unknown.key))
        .to.be.revertedWithCustomError(registry, "ConsentUnknown")
        .withArgs(...keyArgs(unknown));
      await registry.connect(socialOperator).withdraw(terms.key, REQUEST);
      await expect(registry.connect(civilOperator).revoke(terms.key))
        .to.be.revertedWithCustomError(registry, "ConsentNotActive")
        .withArgs(consentId, Status.Withdrawn);
    });
  });

  describe("a withdrawal sticks", function () {
    /** Signs and records a consent of `terms` by `signer`, submitted by `operator`. */
    async function recordSigned(
      f: Awaited<ReturnType<typeof deployConsentRegistry>>,
      terms: ConsentTerms,
      signer = f.citizen,
    ) {
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signConsent(f.registry, signer, terms, deadline);
      return f.registry.connect(f.civilOperator).recordWithSignature(terms, signer.address, deadline, signature);
    }

    it("refuses a department's record after the subject withdrew, when the subject has a key", async function () {
      const f = await loadFixture(withSignedConsent);
      const { registry, civilOperator, socialOperator, terms, consentId } = f;
      await registry.connect(socialOperator).withdraw(terms.key, REQUEST);
      await expect(registry.connect(civilOperator).record(terms, FORM))
        .to.be.revertedWithCustomError(registry, "ConsentSubjectEvidenceRequired")
        .withArgs(SUBJECT, consentId);
      await expect(registry.connect(civilOperator).recordBatch([{ terms, evidenceHash: FORM }]))
        .to.be.revertedWithCustomError(registry, "ConsentSubjectEvidenceRequired")
        .withArgs(SUBJECT, consentId);
      expect((await registry.consent(...keyArgs(terms)))[1]).to.equal(Status.Withdrawn);
    });

    it("takes the subject's own signature after a withdrawal, marked as a re-consent", async function () {
      const f = await loadFixture(withSignedConsent);
      const { registry, socialOperator, citizen, terms } = f;
      await registry.connect(socialOperator).withdraw(terms.key, REQUEST);
      await expect(recordSigned(f, terms))
        .to.emit(registry, "ConsentRecorded")
        .withArgs(
          SUBJECT,
          consentIdOf(terms.key, 2),
          SOCIAL_SECURITY,
          RESOURCE,
          PURPOSE,
          true,
          terms.validFrom,
          terms.validUntil,
          Evidence.Signature,
          padAddress(citizen.address),
          CIVIL_AFFAIRS,
          true,
        );
    });

    it("marks a department's re-consent on record evidence after a withdrawal, when the subject has no key", async function () {
      const { registry, civilOperator, terms } = await loadFixture(withWithdrawnConsent);
      await expect(registry.connect(civilOperator).record(terms, FORM))
        .to.emit(registry, "ConsentRecorded")
        .withArgs(
          SUBJECT,
          consentIdOf(terms.key, 2),
          SOCIAL_SECURITY,
          RESOURCE,
          PURPOSE,
          true,
          terms.validFrom,
          terms.validUntil,
          Evidence.RecordHash,
          FORM,
          CIVIL_AFFAIRS,
          true,
        );
      // Only the consent right after the withdrawal is a re-consent; superseding it is an ordinary record.
      await expect(registry.connect(civilOperator).record(terms, FORM))
        .to.emit(registry, "ConsentRecorded")
        .withArgs(
          SUBJECT,
          consentIdOf(terms.key, 3),
          SOCIAL_SECURITY,
          RESOURCE,
          PURPOSE,
          true,
          terms.validFrom,
          terms.validUntil,
          Evidence.RecordHash,
          FORM,
          CIVIL_AFFAIRS,
          false,
        );
    });

    it("does not mark a record after a revocation or an expiry", async function () {
      const { registry, civilOperator, terms } = await loadFixture(withSignedConsent);
      await registry.connect(civilOperator).revoke(terms.key);
      const tx = await registry.connect(civilOperator).record(terms, FORM);
      const [event] = await registry.queryFilter(registry.filters.ConsentRecorded(SUBJECT), tx.blockNumber!);
      expect(event.args.afterWithdrawal).to.equal(false);
    });
  });

  describe("the subject's signing key", function () {
    it("is bound to the subject reference by its first signed consent", async function () {
      const { registry, civilOperator, citizen } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signConsent(registry, citizen, terms, deadline);
      expect(await registry.subjectKey(SUBJECT)).to.equal(ethers.ZeroAddress);
      await expect(registry.connect(civilOperator).recordWithSignature(terms, citizen.address, deadline, signature))
        .to.emit(registry, "SubjectKeyBound")
        .withArgs(SUBJECT, citizen.address, CIVIL_AFFAIRS);
      expect(await registry.subjectKey(SUBJECT)).to.equal(citizen.address);
      // The same key again: no new binding.
      const other = await termsFor(SUBJECT, { recipient: HEALTH });
      const again = await signConsent(registry, citizen, other, deadline);
      await expect(
        registry.connect(civilOperator).recordWithSignature(other, citizen.address, deadline, again),
      ).not.to.emit(registry, "SubjectKeyBound");
    });

    it("refuses another key's signature for a subject that has a key: a fresh key is not the subject", async function () {
      const { registry, civilOperator, citizen, otherCitizen } = await loadFixture(withSignedConsent);
      const other = await termsFor(SUBJECT, { recipient: HEALTH });
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signConsent(registry, otherCitizen, other, deadline);
      await expect(
        registry.connect(civilOperator).recordWithSignature(other, otherCitizen.address, deadline, signature),
      )
        .to.be.revertedWithCustomError(registry, "ConsentSubjectKeyMismatch")
        .withArgs(SUBJECT, citizen.address, otherCitizen.address);
    });

    it("withdraws by the bound key's signature a consent recorded on a form", async function () {
      const f = await loadFixture(withSignedConsent);
      const { registry, civilOperator, outsider, citizen } = f;
      const onForm = await termsFor(SUBJECT, { recipient: HEALTH });
      await registry.connect(civilOperator).record(onForm, FORM);
      const consentId = consentIdOf(onForm.key, 1);
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signWithdrawal(registry, citizen, consentId, deadline);
      await expect(registry.connect(outsider).withdrawWithSignature(onForm.key, deadline, signature))
        .to.emit(registry, "ConsentWithdrawn")
        .withArgs(SUBJECT, consentId, ethers.ZeroHash, padAddress(citizen.address));
    });

    describe("rotateSubjectKey", function () {
      it("rotates by the old key's signature, submitted by anyone; only the new key counts afterwards", async function () {
        const { registry, civilOperator, outsider, citizen, otherCitizen } = await loadFixture(withSignedConsent);
        const deadline = BigInt(await time.latest()) + DAY;
        const signature = await signKeyRotation(registry, citizen, SUBJECT, otherCitizen.address, deadline);
        await expect(registry.connect(outsider).rotateSubjectKey(SUBJECT, otherCitizen.address, deadline, signature))
          .to.emit(registry, "SubjectKeyChanged")
          .withArgs(SUBJECT, citizen.address, otherCitizen.address, false);
        expect(await registry.subjectKey(SUBJECT)).to.equal(otherCitizen.address);
        expect(await registry.nonces(citizen.address)).to.equal(2n);

        const other = await termsFor(SUBJECT, { recipient: HEALTH });
        const byOld = await signConsent(registry, citizen, other, deadline);
        await expect(registry.connect(civilOperator).recordWithSignature(other, citizen.address, deadline, byOld))
          .to.be.revertedWithCustomError(registry, "ConsentSubjectKeyMismatch")
          .withArgs(SUBJECT, otherCitizen.address, citizen.address);
        const byNew = await signConsent(registry, otherCitizen, other, deadline);
        await expect(
          registry.connect(civilOperator).recordWithSignature(other, otherCitizen.address, deadline, byNew),
        ).to.emit(registry, "ConsentRecorded");
      });

      it("refuses a signature by another key, a replay, another subject and a passed deadline", async function () {
        const { registry, outsider, citizen, otherCitizen } = await loadFixture(withSignedConsent);
        const deadline = BigInt(await time.latest()) + DAY;
        const byOther = await signKeyRotation(registry, otherCitizen, SUBJECT, otherCitizen.address, deadline, {
          nonce: 1n,
        });
        await expect(registry.connect(outsider).rotateSubjectKey(SUBJECT, otherCitizen.address, deadline, byOther))
          .to.be.revertedWithCustomError(registry, "ConsentInvalidSignature")
          .withArgs(citizen.address);
        const replayed = await signKeyRotation(registry, citizen, SUBJECT, otherCitizen.address, deadline, {
          nonce: 0n,
        });
        await expect(registry.connect(outsider).rotateSubjectKey(SUBJECT, otherCitizen.address, deadline, replayed))
          .to.be.revertedWithCustomError(registry, "ConsentInvalidSignature")
          .withArgs(citizen.address);
        const forOther = await signKeyRotation(registry, citizen, OTHER_SUBJECT, otherCitizen.address, deadline);
        await expect(
          registry.connect(outsider).rotateSubjectKey(OTHER_SUBJECT, otherCitizen.address, deadline, forOther),
        )
          .to.be.revertedWithCustomError(registry, "ConsentNoSubjectKeyBound")
          .withArgs(OTHER_SUBJECT);
        const late = BigInt(await time.latest()) + 10n;
        const lateSignature = await signKeyRotation(registry, citizen, SUBJECT, otherCitizen.address, late);
        await time.setNextBlockTimestamp(late + 1n);
        await expect(registry.connect(outsider).rotateSubjectKey(SUBJECT, otherCitizen.address, late, lateSignature))
          .to.be.revertedWithCustomError(registry, "ConsentExpiredSignature")
          .withArgs(late);
      });

      it("refuses a zero new key", async function () {
        const { registry, outsider, citizen } = await loadFixture(withSignedConsent);
        const deadline = BigInt(await time.latest()) + DAY;
        const signature = await signKeyRotation(registry, citizen, SUBJECT, ethers.ZeroAddress, deadline);
        await expect(
          registry.connect(outsider).rotateSubjectKey(SUBJECT, ethers.ZeroAddress, deadline, signature),
        ).to.be.revertedWithCustomError(registry, "ConsentZeroSubjectKey");
      });
    });

    describe("resetSubjectKey", function () {
      it("lets the council reset or unbind a lost key", async function () {
        const { registry, consortium, civilOperator, citizen, otherCitizen } = await loadFixture(withSignedConsent);
        const target = await registry.getAddress();
        const reset = (key: string) =>
          consortium.councilCall(target, registry.interface.encodeFunctionData("resetSubjectKey", [SUBJECT, key]));
        await expect(reset(otherCitizen.address))
          .to.emit(registry, "SubjectKeyChanged")
          .withArgs(SUBJECT, citizen.address, otherCitizen.address, true);
        expect(await registry.subjectKey(SUBJECT)).to.equal(otherCitizen.address);
        await expect(reset(ethers.ZeroAddress))
          .to.emit(registry, "SubjectKeyChanged")
          .withArgs(SUBJECT, otherCitizen.address, ethers.ZeroAddress, true);
        // Unbound: the next signed consent binds a key again.
        const other = await termsFor(SUBJECT, { recipient: HEALTH });
        const deadline = BigInt(await time.latest()) + DAY;
        const signature = await signConsent(registry, citizen, other, deadline);
        await expect(registry.connect(civilOperator).recordWithSignature(other, citizen.address, deadline, signature))
          .to.emit(registry, "SubjectKeyBound")
          .withArgs(SUBJECT, citizen.address, CIVIL_AFFAIRS);
      });

      it("refuses any caller but the consortium, council members' operators included", async function () {
        const { registry, civilOperator, outsider, citizen, otherCitizen } = await loadFixture(withSignedConsent);
        for (const caller of [civilOperator, outsider, citizen]) {
          await expect(registry.connect(caller).resetSubjectKey(SUBJECT, otherCitizen.address))
            .to.be.revertedWithCustomError(registry, "ConsentUnauthorizedAccount")
            .withArgs(caller.address, COUNCIL);
        }
      });
    });
  });

  describe("revokeByCouncil", function () {
    it("revokes when the council's proposal calls it through the consortium", async function () {
      const { registry, consortium, terms, consentId } = await loadFixture(withConsent);
      const data = registry.interface.encodeFunctionData("revokeByCouncil", [terms.key]);
      await expect(consortium.councilCall(await registry.getAddress(), data))
        .to.emit(registry, "ConsentRevoked")
        .withArgs(SUBJECT, consentId, COUNCIL, true);
      expect((await registry.consent(...keyArgs(terms)))[1]).to.equal(Status.Revoked);
      await expect(consortium.councilCall(await registry.getAddress(), data))
        .to.be.revertedWithCustomError(registry, "ConsentNotActive")
        .withArgs(consentId, Status.Revoked);
    });

    it("refuses any caller but the consortium, council members' operators included", async function () {
      const { registry, civilOperator, outsider, terms } = await loadFixture(withConsent);
      for (const caller of [civilOperator, outsider]) {
        await expect(registry.connect(caller).revokeByCouncil(terms.key))
          .to.be.revertedWithCustomError(registry, "ConsentUnauthorizedAccount")
          .withArgs(caller.address, COUNCIL);
      }
    });

    it("refuses an unknown consent", async function () {
      const { registry, consortium } = await loadFixture(withConsent);
      const unknown = await termsFor(OTHER_SUBJECT);
      const data = registry.interface.encodeFunctionData("revokeByCouncil", [unknown.key]);
      await expect(consortium.councilCall(await registry.getAddress(), data))
        .to.be.revertedWithCustomError(registry, "ConsentUnknown")
        .withArgs(...keyArgs(unknown));
    });
  });

  describe("reading the consortium", function () {
    const MODE = { Revert: 0, ShortAnswer: 1, DirtyBool: 2 };

    /** A registry whose consortium misbehaves (see MisbehavingConsortiumMock). */
    async function misbehaving() {
      const [, operator] = await ethers.getSigners();
      const consortium = await ethers.deployContract("MisbehavingConsortiumMock");
      const registry = await ethers.deployContract("ConsentRegistry", [await consortium.getAddress()]);
      const terms = await termsFor(SUBJECT);
      const calls = {
        record: () => registry.connect(operator).record(terms, FORM),
        recordBatch: () => registry.connect(operator).recordBatch([{ terms, evidenceHash: FORM }]),
        withdraw: () => registry.connect(operator).withdraw(terms.key, REQUEST),
        revoke: () => registry.connect(operator).revoke(terms.key),
      };
      return { consortium, registry, terms, calls };
    }

    it("bubbles up the consortium's revert", async function () {
      const { consortium, registry, calls } = await loadFixture(misbehaving);
      for (const call of Object.values(calls)) {
        await expect(call())
          .to.be.revertedWithCustomError(consortium, "ConsortiumMockFailed")
          .withArgs(await registry.getAddress());
      }
    });

    it("reverts, as the ABI decoder would, on a short answer or a boolean that is neither 0 nor 1", async function () {
      const { consortium, calls } = await loadFixture(misbehaving);
      await consortium.setMode(MODE.ShortAnswer);
      for (const call of Object.values(calls)) await expect(call()).to.be.revertedWithoutReason();
      await consortium.setMode(MODE.DirtyBool);
      await expect(calls.record()).to.be.revertedWithoutReason();
    });

    it("reads the department of a well-formed answer", async function () {
      const { consortium, registry, terms, calls } = await loadFixture(misbehaving);
      await consortium.setMode(MODE.DirtyBool); // department 1; the boolean is not read by these calls
      await expect(calls.withdraw())
        .to.be.revertedWithCustomError(registry, "ConsentUnknown")
        .withArgs(...keyArgs(terms));
    });
  });

  describe("views", function () {
    it("answers for a key that never had a consent", async function () {
      const { registry } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([false, ethers.ZeroHash]);
      const [stored, status, id] = await registry.consent(...keyArgs(terms));
      expect([stored.serial, stored.status, status, id]).to.deep.equal([0n, 0n, BigInt(Status.None), ethers.ZeroHash]);
    });

    it("expires a consent by time: active until the second before validUntil", async function () {
      const { registry, terms, consentId } = await loadFixture(withConsent);
      await time.increaseTo(terms.validUntil - 1n);
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([true, consentId]);
      await time.increaseTo(terms.validUntil);
      expect(await registry.activeConsent(...keyArgs(terms))).to.deep.equal([false, consentId]);
      const [stored, status] = await registry.consent(...keyArgs(terms));
      expect([stored.status, status]).to.deep.equal([BigInt(Status.Active), BigInt(Status.Expired)]);
    });

    it("follows a key through record, supersede, withdraw, record, revoke, record and expiry", async function () {
      const { registry, consortium, civilOperator, socialOperator } = await loadFixture(deployConsentRegistry);
      const terms = await termsFor(SUBJECT);
      const active = () => registry.activeConsent(...keyArgs(terms));
      const id = (serial: number) => consentIdOf(terms.key, serial);
      await registry.connect(civilOperator).record(terms, FORM);
      expect(await active()).to.deep.equal([true, id(1)]);
      await registry.connect(civilOperator).record(terms, FORM);
      expect(await active()).to.deep.equal([true, id(2)]);
      await registry.connect(socialOperator).withdraw(terms.key, REQUEST);
      expect(await active()).to.deep.equal([false, id(2)]);
      await registry.connect(civilOperator).record(terms, FORM);
      expect(await active()).to.deep.equal([true, id(3)]);
      await registry.connect(civilOperator).revoke(terms.key);
      expect(await active()).to.deep.equal([false, id(3)]);
      await registry.connect(civilOperator).record(terms, FORM);
      expect(await active()).to.deep.equal([true, id(4)]);
      await consortium.councilCall(
        await registry.getAddress(),
        registry.interface.encodeFunctionData("revokeByCouncil", [terms.key]),
      );
      expect(await active()).to.deep.equal([false, id(4)]);
      await registry.connect(civilOperator).record(terms, FORM);
      expect(await active()).to.deep.equal([true, id(5)]);
      await time.increaseTo(terms.validUntil);
      expect(await active()).to.deep.equal([false, id(5)]);
    });

    it("gives a subject's whole trail, and only it, in one log query by subject reference", async function () {
      const { registry, consortium, civilOperator, socialOperator, healthOperator, outsider, citizen } =
        await loadFixture(deployConsentRegistry);
      const mine = await termsFor(SUBJECT);
      const mineForHealth = await termsFor(SUBJECT, { recipient: HEALTH });
      const theirs = await termsFor(OTHER_SUBJECT);
      await registry.connect(civilOperator).record(mine, FORM);
      await registry.connect(civilOperator).record(theirs, FORM);
      await registry.connect(healthOperator).recordBatch([
        { terms: theirs, evidenceHash: FORM },
        { terms: mineForHealth, evidenceHash: FORM },
      ]);
      await registry.connect(socialOperator).withdraw(theirs.key, REQUEST);
      await registry.connect(civilOperator).record(mine, FORM);
      await registry.connect(socialOperator).withdraw(mine.key, REQUEST);
      await consortium.councilCall(
        await registry.getAddress(),
        registry.interface.encodeFunctionData("revokeByCouncil", [mineForHealth.key]),
      );
      const signed = await termsFor(SUBJECT, { resourceId: ethers.id("resource:medical-insurance") });
      const deadline = BigInt(await time.latest()) + DAY;
      await registry
        .connect(civilOperator)
        .recordWithSignature(signed, citizen.address, deadline, await signConsent(registry, citizen, signed, deadline));
      const signedId = consentIdOf(signed.key, 1);
      await registry
        .connect(outsider)
        .withdrawWithSignature(signed.key, deadline, await signWithdrawal(registry, citizen, signedId, deadline));

      // Any event whose first indexed topic is the subject: one query, whatever the event.
      const bySubject = [null, SUBJECT] as unknown as Parameters<typeof registry.queryFilter>[0];
      const trail = (await registry.queryFilter(bySubject)) as EventLog[];
      expect(trail.map((log) => [log.eventName, log.args[0], log.args[1]])).to.deep.equal([
        ["ConsentRecorded", SUBJECT, consentIdOf(mine.key, 1)],
        ["ConsentRecorded", SUBJECT, consentIdOf(mineForHealth.key, 1)],
        ["ConsentRecorded", SUBJECT, consentIdOf(mine.key, 2)],
        ["ConsentSuperseded", SUBJECT, consentIdOf(mine.key, 1)],
        ["ConsentWithdrawn", SUBJECT, consentIdOf(mine.key, 2)],
        ["ConsentRevoked", SUBJECT, consentIdOf(mineForHealth.key, 1)],
        ["SubjectKeyBound", SUBJECT, citizen.address],
        ["ConsentRecorded", SUBJECT, signedId],
        ["ConsentWithdrawn", SUBJECT, signedId],
      ]);
      const everything = await registry.queryFilter("*" as unknown as Parameters<typeof registry.queryFilter>[0]);
      const byOther = [null, OTHER_SUBJECT] as unknown as Parameters<typeof registry.queryFilter>[0];
      const theirTrail = (await registry.queryFilter(byOther)) as EventLog[];
      expect(trail.length + theirTrail.length).to.equal(everything.length);
      expect(theirTrail.every((log) => log.args[0] === OTHER_SUBJECT)).to.equal(true);
    });
  });
});
