import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  CO1,
  CONSUMER,
  DAY,
  OTHER,
  PROVIDER,
  Period,
  REASON,
  RES_UNCONDITIONAL,
  RES_WIDE,
  ROLE_COUNCIL,
  ROLE_MEMBER,
  Status,
  deploySharing,
} from "./fixtures";

enum GrantStatus {
  Active,
  Paused,
  Revoked,
}

enum Party {
  None,
  Provider,
  Consumer,
  Council,
}

enum GrantCheck {
  Usable,
  UnknownGrant,
  GrantPaused,
  GrantRevoked,
  GrantExpired,
  AgreementNotActive,
  AgreementNotStarted,
  AgreementExpired,
  ConsumerSuspended,
  ProviderSuspended,
  GrantNotOwned,
}

describe("Grants", function () {
  /** An active agreement (id 1) on an unconditional resource, fields 0b1011, 1000 calls a day, co-consumer CO1. */
  async function fixture() {
    const f = await deploySharing();
    await f.sharing
      .connect(f.consumerOp)
      .request(f.terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 0b1011n, coConsumers: [CO1] }));
    await f.sharing.connect(f.co1Op).seal(1n);
    return { ...f, agreementId: 1n };
  }

  /** The fixture plus grant 1 issued by the lead consumer to `grantee`. */
  async function withGrant() {
    const f = await fixture();
    await f.grants.connect(f.consumerOp).issue(1n, f.grantee.address, 0b11n, 0n, 100, Period.Day);
    return { ...f, grantId: 1n };
  }

  describe("issue", function () {
    it("issues a grant within the agreement's bounds and emits GrantIssued", async function () {
      const { grants, sharing, consumerOp, grantee, agreementId, validUntil } = await loadFixture(fixture);
      expect(await grants.sharingAgreements()).to.equal(await sharing.getAddress());
      const expiresAt = validUntil - DAY;
      await expect(grants.connect(consumerOp).issue(agreementId, grantee.address, 0b1001n, expiresAt, 1000, Period.Day))
        .to.emit(grants, "GrantIssued")
        .withArgs(1n, agreementId, CONSUMER, grantee.address, 0b1001n, expiresAt, [1000, Period.Day]);
      expect(await grants.grantCount()).to.equal(1n);
      const g = await grants.grant(1n);
      expect(g.agreementId).to.equal(agreementId);
      expect(g.consumer).to.equal(CONSUMER);
      expect(g.grantee).to.equal(grantee.address);
      expect(g.fieldMask).to.equal(0b1001n);
      expect(g.expiresAt).to.equal(expiresAt);
      expect(g.status).to.equal(GrantStatus.Active);
      expect(g.quota.calls).to.equal(1000n);
      expect(g.quota.per).to.equal(Period.Day);
      expect(await grants.checkGrant(1n)).to.equal(GrantCheck.Usable);
    });

    it("lets a co-consumer issue, and expires with the agreement when expiresAt is zero", async function () {
      const { grants, co1Op, grantee, agreementId, validUntil } = await loadFixture(fixture);
      await expect(grants.connect(co1Op).issue(agreementId, grantee.address, 0b10n, 0n, 1, Period.Day))
        .to.emit(grants, "GrantIssued")
        .withArgs(1n, agreementId, CO1, grantee.address, 0b10n, validUntil, [1, Period.Day]);
    });

    it("allows any consistent quota under an unlimited agreement", async function () {
      const { grants, sharing, consumerOp, grantee, terms } = await loadFixture(fixture);
      await sharing
        .connect(consumerOp)
        .request(terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 1n, quota: { calls: 0, per: Period.None } }));
      await grants.connect(consumerOp).issue(2n, grantee.address, 1n, 0n, 1_000_000, Period.Minute);
      await grants.connect(consumerOp).issue(2n, grantee.address, 1n, 0n, 0, Period.None);
      await expect(grants.connect(consumerOp).issue(2n, grantee.address, 1n, 0n, 5, Period.None))
        .to.be.revertedWithCustomError(grants, "GrantsInvalidQuota")
        .withArgs([5, Period.None], [0, Period.None]);
      await expect(grants.connect(consumerOp).issue(2n, grantee.address, 1n, 0n, 0, Period.Hour))
        .to.be.revertedWithCustomError(grants, "GrantsInvalidQuota")
        .withArgs([0, Period.Hour], [0, Period.None]);
    });

    it("refuses a quota larger than the agreement's", async function () {
      const { grants, consumerOp, grantee, agreementId } = await loadFixture(fixture);
      for (const [calls, per] of [
        [1001, Period.Day],
        [10, Period.Hour],
        [0, Period.None],
        [0, Period.Day],
      ] as const) {
        await expect(grants.connect(consumerOp).issue(agreementId, grantee.address, 1n, 0n, calls, per))
          .to.be.revertedWithCustomError(grants, "GrantsInvalidQuota")
          .withArgs([calls, per], [1000, Period.Day]);
      }
    });

    it("may be issued before the agreement starts; checkGrant says it has not started", async function () {
      const { grants, sharing, consumerOp, grantee, terms, now } = await loadFixture(fixture);
      await sharing
        .connect(consumerOp)
        .request(terms({ resourceId: RES_UNCONDITIONAL, fieldMask: 1n, validFrom: now + 10n * DAY }));
      await grants.connect(consumerOp).issue(2n, grantee.address, 1n, 0n, 1, Period.Day);
      expect(await grants.checkGrant(1n)).to.equal(GrantCheck.AgreementNotStarted);
      await time.increaseTo(now + 10n * DAY);
      expect(await grants.checkGrant(1n)).to.equal(GrantCheck.Usable);
    });

    it("refuses callers that act for no active department", async function () {
      const { grants, stranger, suspendedOp, grantee, agreementId } = await loadFixture(fixture);
      for (const who of [stranger, suspendedOp]) {
        await expect(grants.connect(who).issue(agreementId, grantee.address, 1n, 0n, 1, Period.Day))
          .to.be.revertedWithCustomError(grants, "GrantsUnauthorizedAccount")
          .withArgs(who.address, ROLE_MEMBER);
      }
    });

    it("refuses departments that are not consumers of the agreement", async function () {
      const { grants, providerOp, otherOp, grantee, agreementId } = await loadFixture(fixture);
      for (const [who, dept] of [
        [providerOp, PROVIDER],
        [otherOp, OTHER],
      ] as const) {
        await expect(grants.connect(who).issue(agreementId, grantee.address, 1n, 0n, 1, Period.Day))
          .to.be.revertedWithCustomError(grants, "GrantsNotConsumer")
          .withArgs(agreementId, dept);
      }
    });

    it("refuses an unknown agreement", async function () {
      const { grants, consumerOp, grantee } = await loadFixture(fixture);
      await expect(grants.connect(consumerOp).issue(9n, grantee.address, 1n, 0n, 1, Period.Day))
        .to.be.revertedWithCustomError(grants, "GrantsUnknownAgreement")
        .withArgs(9n);
    });

    it("refuses agreements that are not active: requested, suspended, expired", async function () {
      const { grants, sharing, providerOp, consumerOp, grantee, terms, agreementId, validUntil } =
        await loadFixture(fixture);
      await sharing.connect(consumerOp).request(terms());
      const issue = (id: bigint) => grants.connect(consumerOp).issue(id, grantee.address, 1n, 0n, 1, Period.Day);
      await expect(issue(2n))
        .to.be.revertedWithCustomError(grants, "GrantsAgreementNotActive")
        .withArgs(2n, Status.Requested);
      await sharing.connect(providerOp).suspend(agreementId);
      await expect(issue(agreementId))
        .to.be.revertedWithCustomError(grants, "GrantsAgreementNotActive")
        .withArgs(agreementId, Status.Suspended);
      await sharing.connect(providerOp).resume(agreementId);
      await time.increaseTo(validUntil);
      await expect(issue(agreementId))
        .to.be.revertedWithCustomError(grants, "GrantsAgreementNotActive")
        .withArgs(agreementId, Status.Expired);
      await expect(issue(2n))
        .to.be.revertedWithCustomError(grants, "GrantsAgreementNotActive")
        .withArgs(2n, Status.Expired);
    });

    it("refuses a terminated agreement", async function () {
      const { grants, sharing, providerOp, consumerOp, grantee, agreementId } = await loadFixture(fixture);
      await sharing.connect(providerOp).terminate(agreementId, REASON);
      await expect(grants.connect(consumerOp).issue(agreementId, grantee.address, 1n, 0n, 1, Period.Day))
        .to.be.revertedWithCustomError(grants, "GrantsAgreementNotActive")
        .withArgs(agreementId, Status.Terminated);
    });

    it("refuses a zero grantee", async function () {
      const { grants, consumerOp, agreementId } = await loadFixture(fixture);
      await expect(
        grants.connect(consumerOp).issue(agreementId, ethers.ZeroAddress, 1n, 0n, 1, Period.Day),
      ).to.be.revertedWithCustomError(grants, "GrantsInvalidGrantee");
    });

    it("refuses a zero field mask or fields outside the agreement", async function () {
      const { grants, consumerOp, grantee, agreementId } = await loadFixture(fixture);
      for (const mask of [0n, 0b100n, 0b1111n, 1n << 255n]) {
        await expect(grants.connect(consumerOp).issue(agreementId, grantee.address, mask, 0n, 1, Period.Day))
          .to.be.revertedWithCustomError(grants, "GrantsInvalidFieldMask")
          .withArgs(mask, 0b1011n);
      }
    });

    it("refuses an expiry after the agreement's or not in the future", async function () {
      const { grants, consumerOp, grantee, agreementId, validUntil } = await loadFixture(fixture);
      const now = BigInt(await time.latest());
      for (const expiresAt of [validUntil + 1n, now]) {
        await expect(grants.connect(consumerOp).issue(agreementId, grantee.address, 1n, expiresAt, 1, Period.Day))
          .to.be.revertedWithCustomError(grants, "GrantsInvalidExpiry")
          .withArgs(expiresAt, validUntil);
      }
      await grants.connect(consumerOp).issue(agreementId, grantee.address, 1n, validUntil, 1, Period.Day);
    });
  });

  describe("pause, resume, revoke", function () {
    it("lets the grant's consumer pause, resume and revoke", async function () {
      const { grants, consumerOp, grantId, agreementId } = await loadFixture(withGrant);
      await expect(grants.connect(consumerOp).pause(grantId))
        .to.emit(grants, "GrantPaused")
        .withArgs(grantId, agreementId, CONSUMER, false, Party.Consumer);
      expect((await grants.grant(grantId)).status).to.equal(GrantStatus.Paused);
      expect((await grants.grant(grantId)).pausedBy).to.equal(Party.Consumer);
      await expect(grants.connect(consumerOp).resume(grantId))
        .to.emit(grants, "GrantResumed")
        .withArgs(grantId, agreementId, CONSUMER, false, Party.Consumer);
      expect((await grants.grant(grantId)).status).to.equal(GrantStatus.Active);
      expect((await grants.grant(grantId)).pausedBy).to.equal(Party.None);
      await expect(grants.connect(consumerOp).revoke(grantId))
        .to.emit(grants, "GrantRevoked")
        .withArgs(grantId, agreementId, CONSUMER, false);
      expect((await grants.grant(grantId)).status).to.equal(GrantStatus.Revoked);
    });

    it("lets the provider pause, resume and revoke", async function () {
      const { grants, providerOp, grantId, agreementId } = await loadFixture(withGrant);
      await expect(grants.connect(providerOp).pause(grantId))
        .to.emit(grants, "GrantPaused")
        .withArgs(grantId, agreementId, PROVIDER, false, Party.Provider);
      expect((await grants.grant(grantId)).pausedBy).to.equal(Party.Provider);
      await expect(grants.connect(providerOp).resume(grantId))
        .to.emit(grants, "GrantResumed")
        .withArgs(grantId, agreementId, PROVIDER, false, Party.Provider);
      await expect(grants.connect(providerOp).revoke(grantId))
        .to.emit(grants, "GrantRevoked")
        .withArgs(grantId, agreementId, PROVIDER, false);
    });

    it("lets the council pause, resume and revoke", async function () {
      const { grants, consortium, grantId, agreementId } = await loadFixture(withGrant);
      const target = await grants.getAddress();
      const call = async (fn: "pause" | "resume" | "revoke") =>
        consortium.councilCall(target, (await grants[fn].populateTransaction(grantId)).data);
      await expect(call("pause"))
        .to.emit(grants, "GrantPaused")
        .withArgs(grantId, agreementId, ethers.ZeroHash, true, Party.Council);
      expect((await grants.grant(grantId)).pausedBy).to.equal(Party.Council);
      await expect(call("resume"))
        .to.emit(grants, "GrantResumed")
        .withArgs(grantId, agreementId, ethers.ZeroHash, true, Party.Council);
      await expect(call("revoke"))
        .to.emit(grants, "GrantRevoked")
        .withArgs(grantId, agreementId, ethers.ZeroHash, true);
    });

    it("lifts a council pause only by the council: neither the consumer nor the provider can", async function () {
      const { grants, consortium, consumerOp, providerOp, grantId, agreementId } = await loadFixture(withGrant);
      const target = await grants.getAddress();
      const council = async (fn: "pause" | "resume") =>
        consortium.councilCall(target, (await grants[fn].populateTransaction(grantId)).data);
      await council("pause");
      for (const who of [consumerOp, providerOp]) {
        await expect(grants.connect(who).resume(grantId))
          .to.be.revertedWithCustomError(grants, "GrantsUnauthorizedAccount")
          .withArgs(who.address, ROLE_COUNCIL);
      }
      expect((await grants.grant(grantId)).status).to.equal(GrantStatus.Paused);
      await expect(council("resume"))
        .to.emit(grants, "GrantResumed")
        .withArgs(grantId, agreementId, ethers.ZeroHash, true, Party.Council);
    });

    it("lifts a provider's pause only by the provider or the council, not by the consumer", async function () {
      const { grants, consortium, consumerOp, providerOp, grantId, agreementId } = await loadFixture(withGrant);
      await grants.connect(providerOp).pause(grantId);
      await expect(grants.connect(consumerOp).resume(grantId))
        .to.be.revertedWithCustomError(grants, "GrantsUnauthorizedAccount")
        .withArgs(consumerOp.address, PROVIDER);
      const data = (await grants.resume.populateTransaction(grantId)).data;
      await expect(consortium.councilCall(await grants.getAddress(), data))
        .to.emit(grants, "GrantResumed")
        .withArgs(grantId, agreementId, ethers.ZeroHash, true, Party.Provider);
      expect((await grants.grant(grantId)).pausedBy).to.equal(Party.None);
    });

    it("lifts a consumer's pause only by the consumer or the council, not by the provider", async function () {
      const { grants, consortium, consumerOp, providerOp, grantId, agreementId } = await loadFixture(withGrant);
      await grants.connect(consumerOp).pause(grantId);
      await expect(grants.connect(providerOp).resume(grantId))
        .to.be.revertedWithCustomError(grants, "GrantsUnauthorizedAccount")
        .withArgs(providerOp.address, CONSUMER);
      const data = (await grants.resume.populateTransaction(grantId)).data;
      await expect(consortium.councilCall(await grants.getAddress(), data))
        .to.emit(grants, "GrantResumed")
        .withArgs(grantId, agreementId, ethers.ZeroHash, true, Party.Consumer);
    });

    it("lets either party or the council revoke whatever the pause", async function () {
      const { grants, consortium, providerOp, grantId, agreementId } = await loadFixture(withGrant);
      const data = (await grants.pause.populateTransaction(grantId)).data;
      await consortium.councilCall(await grants.getAddress(), data);
      await expect(grants.connect(providerOp).revoke(grantId))
        .to.emit(grants, "GrantRevoked")
        .withArgs(grantId, agreementId, PROVIDER, false);
    });

    it("refuses strangers, suspended members, other departments and other consumers of the agreement", async function () {
      const { grants, co1Op, otherOp, suspendedOp, stranger, grantId } = await loadFixture(withGrant);
      // co1Op is a co-consumer of the agreement, but the grant is the lead consumer's.
      for (const who of [stranger, suspendedOp, otherOp, co1Op]) {
        for (const fn of ["pause", "resume", "revoke"] as const) {
          await expect(grants.connect(who)[fn](grantId))
            .to.be.revertedWithCustomError(grants, "GrantsUnauthorizedAccount")
            .withArgs(who.address, CONSUMER);
        }
      }
    });

    it("refuses a suspended provider's and a suspended consumer's operators", async function () {
      const { grants, consortium, providerOp, consumerOp, grantId } = await loadFixture(withGrant);
      await consortium.setDepartment(PROVIDER, false, true);
      await consortium.setDepartment(CONSUMER, false, false);
      for (const who of [providerOp, consumerOp]) {
        await expect(grants.connect(who).pause(grantId))
          .to.be.revertedWithCustomError(grants, "GrantsUnauthorizedAccount")
          .withArgs(who.address, CONSUMER);
      }
    });

    it("refuses transitions from the wrong status and unknown grants", async function () {
      const { grants, consumerOp, grantId } = await loadFixture(withGrant);
      await expect(grants.connect(consumerOp).resume(grantId))
        .to.be.revertedWithCustomError(grants, "GrantsInvalidStatus")
        .withArgs(grantId, GrantStatus.Active);
      await grants.connect(consumerOp).pause(grantId);
      await expect(grants.connect(consumerOp).pause(grantId))
        .to.be.revertedWithCustomError(grants, "GrantsInvalidStatus")
        .withArgs(grantId, GrantStatus.Paused);
      await grants.connect(consumerOp).revoke(grantId);
      for (const fn of ["pause", "resume", "revoke"] as const) {
        await expect(grants.connect(consumerOp)[fn](grantId))
          .to.be.revertedWithCustomError(grants, "GrantsInvalidStatus")
          .withArgs(grantId, GrantStatus.Revoked);
      }
      for (const fn of ["pause", "resume", "revoke"] as const) {
        await expect(grants.connect(consumerOp)[fn](7n))
          .to.be.revertedWithCustomError(grants, "GrantsUnknownGrant")
          .withArgs(7n);
      }
    });
  });

  describe("checkGrant", function () {
    it("says UnknownGrant, and GrantNotOwned for another account", async function () {
      const { grants, grantee, stranger, grantId } = await loadFixture(withGrant);
      expect(await grants.checkGrant(2n)).to.equal(GrantCheck.UnknownGrant);
      expect(await grants.checkGrantFor(2n, grantee.address)).to.equal(GrantCheck.UnknownGrant);
      expect(await grants.checkGrantFor(grantId, grantee.address)).to.equal(GrantCheck.Usable);
      expect(await grants.checkGrantFor(grantId, stranger.address)).to.equal(GrantCheck.GrantNotOwned);
      expect((await grants.grant(2n)).grantee).to.equal(ethers.ZeroAddress);
    });

    it("says GrantPaused and GrantRevoked", async function () {
      const { grants, consumerOp, grantee, grantId } = await loadFixture(withGrant);
      await grants.connect(consumerOp).pause(grantId);
      expect(await grants.checkGrant(grantId)).to.equal(GrantCheck.GrantPaused);
      expect(await grants.checkGrantFor(grantId, grantee.address)).to.equal(GrantCheck.GrantPaused);
      await grants.connect(consumerOp).revoke(grantId);
      expect(await grants.checkGrant(grantId)).to.equal(GrantCheck.GrantRevoked);
    });

    it("says GrantExpired at the grant's expiry", async function () {
      const { grants, consumerOp, grantee, agreementId } = await loadFixture(fixture);
      const expiresAt = BigInt(await time.latest()) + DAY;
      await grants.connect(consumerOp).issue(agreementId, grantee.address, 1n, expiresAt, 1, Period.Day);
      await time.increaseTo(expiresAt - 1n);
      expect(await grants.checkGrant(1n)).to.equal(GrantCheck.Usable);
      await time.increaseTo(expiresAt);
      expect(await grants.checkGrant(1n)).to.equal(GrantCheck.GrantExpired);
    });

    it("says AgreementNotActive while the agreement is suspended or terminated", async function () {
      const { grants, sharing, providerOp, grantId, agreementId } = await loadFixture(withGrant);
      await sharing.connect(providerOp).suspend(agreementId);
      expect(await grants.checkGrant(grantId)).to.equal(GrantCheck.AgreementNotActive);
      await sharing.connect(providerOp).resume(agreementId);
      expect(await grants.checkGrant(grantId)).to.equal(GrantCheck.Usable);
      await sharing.connect(providerOp).terminate(agreementId, REASON);
      expect(await grants.checkGrant(grantId)).to.equal(GrantCheck.AgreementNotActive);
    });

    it("says AgreementExpired once the agreement's window is over", async function () {
      const { grants, grantId, validUntil } = await loadFixture(withGrant);
      await time.increaseTo(validUntil);
      expect(await grants.checkGrant(grantId)).to.equal(GrantCheck.AgreementExpired);
    });

    it("says ConsumerSuspended and ProviderSuspended", async function () {
      const { grants, consortium, grantId } = await loadFixture(withGrant);
      await consortium.setDepartment(PROVIDER, false, true);
      expect(await grants.checkGrant(grantId)).to.equal(GrantCheck.ProviderSuspended);
      await consortium.setDepartment(CONSUMER, false, false);
      expect(await grants.checkGrant(grantId)).to.equal(GrantCheck.ConsumerSuspended);
      await consortium.setDepartment(PROVIDER, true, true);
      await consortium.setDepartment(CONSUMER, true, false);
      expect(await grants.checkGrant(grantId)).to.equal(GrantCheck.Usable);
    });
  });

  describe("gas (regression budget)", function () {
    it("keeps issue within budget", async function () {
      const { grants, consumerOp, grantee, grantId } = await loadFixture(withGrant);
      const issued = await (
        await grants.connect(consumerOp).issue(1n, grantee.address, 0b1n, 0n, 10, Period.Day)
      ).wait();
      expect(grantId).to.equal(1n);
      expect(issued!.gasUsed).to.be.lessThan(190_000n);
    });
  });

  describe("properties (fast-check)", function () {
    const MAX = (1n << 256n) - 1n;
    const word = fc.bigInt({ min: 0n, max: MAX });
    // Grant masks: arbitrary words, and words built from the agreement's mask so that subsets and near misses are common.
    const maskCase = fc.record({ mode: fc.constantFrom("subset", "superset", "flip", "any"), r: word });
    const grantMask = (agreementMask: bigint, c: { mode: string; r: bigint }) =>
      c.mode === "subset"
        ? agreementMask & c.r
        : c.mode === "superset"
          ? agreementMask | c.r
          : c.mode === "flip"
            ? agreementMask ^ (1n << (c.r % 256n))
            : c.r;

    it("a grant is issued iff its fields are a non-empty subset of its agreement's, and always is one", async function () {
      const f = await loadFixture(fixture);
      const { sharing, grants, consumerOp, grantee } = f;
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt({ min: 1n, max: MAX }),
          fc.array(maskCase, { minLength: 1, maxLength: 6 }),
          async (agreementMask, cases) => {
            const { terms } = await loadFixture(fixture);
            await sharing.connect(consumerOp).request(terms({ resourceId: RES_WIDE, fieldMask: agreementMask }));
            const agreementId = await sharing.agreementCount();
            for (const c of cases) {
              const mask = grantMask(agreementMask, c);
              const subset = mask !== 0n && (mask & ~agreementMask) === 0n;
              const tx = grants.connect(consumerOp).issue(agreementId, grantee.address, mask, 0n, 1, Period.Day);
              if (subset) {
                await expect(tx).to.emit(grants, "GrantIssued");
              } else {
                await expect(tx)
                  .to.be.revertedWithCustomError(grants, "GrantsInvalidFieldMask")
                  .withArgs(mask, agreementMask);
              }
            }
            const count = await grants.grantCount();
            for (let id = 1n; id <= count; id++) {
              const g = await grants.grant(id);
              const a = await sharing.agreement(g.agreementId);
              expect(g.fieldMask).to.not.equal(0n);
              expect(g.fieldMask & ~a.fieldMask).to.equal(0n);
            }
          },
        ),
        { numRuns: 100 },
      );
    });
  });
});
