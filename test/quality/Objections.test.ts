import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  CONSUMER,
  EVIDENCE,
  NOTE,
  OTHER,
  PROVIDER,
  REASON,
  RES_OTHER,
  RES_PROVIDER,
  RES_RETIRED,
  RES_UNKNOWN,
  ROLE_COUNCIL,
  ROLE_MEMBER,
  deployQuality,
} from "../demands/fixtures";

enum ObjectionStatus {
  None,
  Raised,
  Corrected,
  Disputed,
  Escalated,
  Upheld,
  Dismissed,
}

const DESCRIPTION = "Birth dates after registration dates in 12 records";
const FIELDS = 0b0110n;

describe("Objections", function () {
  /** Objection 1, raised by CONSUMER on PROVIDER's RES_PROVIDER (8 items, version 1), on the fixture's Monday. */
  async function raised() {
    const f = await deployQuality();
    await f.objections.connect(f.consumerOp).raise(RES_PROVIDER, FIELDS, DESCRIPTION, EVIDENCE);
    /** `councilDecide(...)` as the council: a call by the Consortium executing a `Call` proposal. */
    const decideByCouncil = async (objectionId: bigint, upheld: boolean, reasonHash: string) =>
      f.consortium.councilCall(
        await f.objections.getAddress(),
        f.objections.interface.encodeFunctionData("councilDecide", [objectionId, upheld, reasonHash]),
      );
    return { ...f, objectionId: 1n, decideByCouncil };
  }

  /** Objection 1 disputed by the provider and escalated by the consumer. */
  async function escalated() {
    const f = await raised();
    await f.objections.connect(f.providerOp).dispute(1n, REASON);
    await f.objections.connect(f.consumerOp).escalate(1n);
    return f;
  }

  describe("raise", function () {
    it("records the objection with an answer deadline ten working days later and emits the description", async function () {
      const { objections, consortium, consumerOp, clock } = await loadFixture(deployQuality);
      expect(await consortium.objectionAnswerDeadline()).to.equal(10n, "the Consortium's default");
      await expect(objections.connect(consumerOp).raise(RES_PROVIDER, FIELDS, DESCRIPTION, EVIDENCE))
        .to.emit(objections, "ObjectionRaised")
        .withArgs(1n, RES_PROVIDER, PROVIDER, CONSUMER, FIELDS, EVIDENCE, clock.tenWorkingDaysEnd, DESCRIPTION);
      const o = await objections.objection(1n);
      expect(o.resourceId).to.equal(RES_PROVIDER);
      expect(o.provider).to.equal(PROVIDER);
      expect(o.consumer).to.equal(CONSUMER);
      expect(o.fieldMask).to.equal(FIELDS);
      expect(o.evidenceHash).to.equal(EVIDENCE);
      expect(o.answerDeadline).to.equal(clock.tenWorkingDaysEnd);
      expect(o.versionAtRaise).to.equal(1n);
      expect(o.status).to.equal(ObjectionStatus.Raised);
      expect(await objections.objectionCount()).to.equal(1n);
    });

    it("counts the answer deadline in the working days the council set when the objection is raised", async function () {
      const { objections, consortium, consumerOp, clock } = await loadFixture(deployQuality);
      // Four working days from a Monday: Tuesday to Friday.
      await consortium.setObjectionAnswerDeadline(4n);
      await expect(objections.connect(consumerOp).raise(RES_PROVIDER, FIELDS, DESCRIPTION, EVIDENCE))
        .to.emit(objections, "ObjectionRaised")
        .withArgs(1n, RES_PROVIDER, PROVIDER, CONSUMER, FIELDS, EVIDENCE, clock.fridayEnd, DESCRIPTION);
      // A later change does not move the deadline of an objection already raised.
      await consortium.setObjectionAnswerDeadline(10n);
      expect((await objections.objection(1n)).answerDeadline).to.equal(clock.fridayEnd);
      await objections.connect(consumerOp).raise(RES_PROVIDER, FIELDS, DESCRIPTION, EVIDENCE);
      expect((await objections.objection(2n)).answerDeadline).to.equal(clock.tenWorkingDaysEnd);
    });

    it("refuses an account that acts for no active department", async function () {
      const { objections, stranger, suspendedOp } = await loadFixture(deployQuality);
      for (const caller of [stranger, suspendedOp]) {
        await expect(objections.connect(caller).raise(RES_PROVIDER, FIELDS, DESCRIPTION, EVIDENCE))
          .to.be.revertedWithCustomError(objections, "ObjectionUnauthorizedAccount")
          .withArgs(caller.address, ROLE_MEMBER);
      }
    });

    it("refuses an unknown or retired resource, and the provider's own resource", async function () {
      const { objections, consumerOp, providerOp } = await loadFixture(deployQuality);
      for (const resourceId of [RES_UNKNOWN, RES_RETIRED]) {
        await expect(objections.connect(consumerOp).raise(resourceId, 1n, DESCRIPTION, EVIDENCE))
          .to.be.revertedWithCustomError(objections, "ObjectionResourceNotActive")
          .withArgs(resourceId);
      }
      await expect(objections.connect(providerOp).raise(RES_PROVIDER, FIELDS, DESCRIPTION, EVIDENCE))
        .to.be.revertedWithCustomError(objections, "ObjectionOwnResource")
        .withArgs(RES_PROVIDER);
    });

    it("refuses an empty field mask and one beyond the resource's items", async function () {
      const { objections, consumerOp } = await loadFixture(deployQuality);
      for (const mask of [0n, 1n << 8n]) {
        await expect(objections.connect(consumerOp).raise(RES_PROVIDER, mask, DESCRIPTION, EVIDENCE))
          .to.be.revertedWithCustomError(objections, "ObjectionInvalidFieldMask")
          .withArgs(mask, 0xffn);
      }
    });

    it("refuses an empty description and a missing evidence hash", async function () {
      const { objections, consumerOp } = await loadFixture(deployQuality);
      await expect(
        objections.connect(consumerOp).raise(RES_PROVIDER, FIELDS, "", EVIDENCE),
      ).to.be.revertedWithCustomError(objections, "ObjectionEmptyDescription");
      await expect(
        objections.connect(consumerOp).raise(RES_PROVIDER, FIELDS, DESCRIPTION, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(objections, "ObjectionMissingHash");
    });
  });

  describe("correct", function () {
    it("corrects by a note on time", async function () {
      const { objections, providerOp, objectionId } = await loadFixture(raised);
      await expect(objections.connect(providerOp).correct(objectionId, NOTE))
        .to.emit(objections, "ObjectionCorrected")
        .withArgs(objectionId, RES_PROVIDER, PROVIDER, 0, NOTE, true);
      const o = await objections.objection(objectionId);
      expect(o.status).to.equal(ObjectionStatus.Corrected);
      expect(o.answerHash).to.equal(NOTE);
      expect(o.correctedVersion).to.equal(0n);
      expect(o.answeredAt).to.equal(BigInt(await time.latest()));
    });

    it("corrects by a new catalog version, late after the deadline", async function () {
      const { objections, providerOp, objectionId, bumpVersion, clock } = await loadFixture(raised);
      await bumpVersion(2);
      await time.increaseTo(clock.tenWorkingDaysEnd + 1n);
      await expect(objections.connect(providerOp).correct(objectionId, ethers.ZeroHash))
        .to.emit(objections, "ObjectionCorrected")
        .withArgs(objectionId, RES_PROVIDER, PROVIDER, 2, ethers.ZeroHash, false);
      expect((await objections.objection(objectionId)).correctedVersion).to.equal(2n);
    });

    it("refuses a correction without a note while the catalog version is the one objected to", async function () {
      const { objections, providerOp, objectionId } = await loadFixture(raised);
      await expect(objections.connect(providerOp).correct(objectionId, ethers.ZeroHash))
        .to.be.revertedWithCustomError(objections, "ObjectionNotCorrected")
        .withArgs(objectionId, 1);
    });

    it("refuses every caller but an operator of the provider", async function () {
      const { objections, consumerOp, otherOp, stranger, objectionId } = await loadFixture(raised);
      for (const caller of [consumerOp, otherOp, stranger]) {
        await expect(objections.connect(caller).correct(objectionId, NOTE))
          .to.be.revertedWithCustomError(objections, "ObjectionUnauthorizedAccount")
          .withArgs(caller.address, PROVIDER);
      }
    });

    it("refuses an unknown objection and one that is corrected, disputed or escalated", async function () {
      const { objections, providerOp, consumerOp } = await loadFixture(raised);
      await expect(objections.connect(providerOp).correct(4n, NOTE))
        .to.be.revertedWithCustomError(objections, "ObjectionUnknown")
        .withArgs(4n);
      await objections.connect(providerOp).correct(1n, NOTE);
      await expect(objections.connect(providerOp).correct(1n, NOTE))
        .to.be.revertedWithCustomError(objections, "ObjectionInvalidStatus")
        .withArgs(1n, ObjectionStatus.Corrected);
      await objections.connect(consumerOp).raise(RES_PROVIDER, FIELDS, DESCRIPTION, EVIDENCE);
      await objections.connect(providerOp).dispute(2n, REASON);
      await expect(objections.connect(providerOp).correct(2n, NOTE))
        .to.be.revertedWithCustomError(objections, "ObjectionInvalidStatus")
        .withArgs(2n, ObjectionStatus.Disputed);
      await objections.connect(consumerOp).escalate(2n);
      await expect(objections.connect(providerOp).correct(2n, NOTE))
        .to.be.revertedWithCustomError(objections, "ObjectionInvalidStatus")
        .withArgs(2n, ObjectionStatus.Escalated);
    });
  });

  describe("dispute", function () {
    it("disputes with a reason on time", async function () {
      const { objections, providerOp, objectionId } = await loadFixture(raised);
      await expect(objections.connect(providerOp).dispute(objectionId, REASON))
        .to.emit(objections, "ObjectionDisputed")
        .withArgs(objectionId, RES_PROVIDER, PROVIDER, REASON, true);
      const o = await objections.objection(objectionId);
      expect(o.status).to.equal(ObjectionStatus.Disputed);
      expect(o.answerHash).to.equal(REASON);
    });

    it("disputes late after the deadline", async function () {
      const { objections, providerOp, objectionId, clock } = await loadFixture(raised);
      await time.increaseTo(clock.tenWorkingDaysEnd + 1n);
      await expect(objections.connect(providerOp).dispute(objectionId, REASON))
        .to.emit(objections, "ObjectionDisputed")
        .withArgs(objectionId, RES_PROVIDER, PROVIDER, REASON, false);
    });

    it("refuses every caller but an operator of the provider", async function () {
      const { objections, consumerOp, stranger, objectionId } = await loadFixture(raised);
      for (const caller of [consumerOp, stranger]) {
        await expect(objections.connect(caller).dispute(objectionId, REASON))
          .to.be.revertedWithCustomError(objections, "ObjectionUnauthorizedAccount")
          .withArgs(caller.address, PROVIDER);
      }
    });

    it("refuses a dispute without a reason, an unknown objection and one already answered", async function () {
      const { objections, providerOp, objectionId } = await loadFixture(raised);
      await expect(objections.connect(providerOp).dispute(objectionId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        objections,
        "ObjectionMissingHash",
      );
      await expect(objections.connect(providerOp).dispute(8n, REASON))
        .to.be.revertedWithCustomError(objections, "ObjectionUnknown")
        .withArgs(8n);
      await objections.connect(providerOp).dispute(objectionId, REASON);
      await expect(objections.connect(providerOp).dispute(objectionId, REASON))
        .to.be.revertedWithCustomError(objections, "ObjectionInvalidStatus")
        .withArgs(objectionId, ObjectionStatus.Disputed);
    });
  });

  describe("escalate", function () {
    it("escalates a disputed objection at once", async function () {
      const { objections, providerOp, consumerOp, objectionId } = await loadFixture(raised);
      await objections.connect(providerOp).dispute(objectionId, REASON);
      await expect(objections.connect(consumerOp).escalate(objectionId))
        .to.emit(objections, "ObjectionEscalated")
        .withArgs(objectionId, RES_PROVIDER, PROVIDER);
      expect((await objections.objection(objectionId)).status).to.equal(ObjectionStatus.Escalated);
    });

    it("escalates an unanswered objection only after the deadline's last second, when it is overdue", async function () {
      const { objections, consumerOp, objectionId, clock } = await loadFixture(raised);
      await time.setNextBlockTimestamp(clock.tenWorkingDaysEnd);
      await expect(objections.connect(consumerOp).escalate(objectionId))
        .to.be.revertedWithCustomError(objections, "ObjectionAnswerDeadlineNotReached")
        .withArgs(objectionId, clock.tenWorkingDaysEnd);
      expect(await objections.isOverdue(objectionId)).to.equal(false);
      await time.increaseTo(clock.tenWorkingDaysEnd + 1n);
      expect(await objections.isOverdue(objectionId)).to.equal(true);
      await expect(objections.connect(consumerOp).escalate(objectionId))
        .to.emit(objections, "ObjectionEscalated")
        .withArgs(objectionId, RES_PROVIDER, PROVIDER);
      expect(await objections.isOverdue(objectionId)).to.equal(false);
    });

    it("refuses every caller but an operator of the consumer that raised it", async function () {
      const { objections, providerOp, otherOp, stranger, objectionId } = await loadFixture(raised);
      await objections.connect(providerOp).dispute(objectionId, REASON);
      for (const caller of [providerOp, otherOp, stranger]) {
        await expect(objections.connect(caller).escalate(objectionId))
          .to.be.revertedWithCustomError(objections, "ObjectionUnauthorizedAccount")
          .withArgs(caller.address, CONSUMER);
      }
    });

    it("refuses an unknown objection, a corrected one and an escalated one", async function () {
      const { objections, providerOp, consumerOp } = await loadFixture(escalated);
      await expect(objections.connect(consumerOp).escalate(3n))
        .to.be.revertedWithCustomError(objections, "ObjectionUnknown")
        .withArgs(3n);
      await expect(objections.connect(consumerOp).escalate(1n))
        .to.be.revertedWithCustomError(objections, "ObjectionInvalidStatus")
        .withArgs(1n, ObjectionStatus.Escalated);
      await objections.connect(consumerOp).raise(RES_PROVIDER, FIELDS, DESCRIPTION, EVIDENCE);
      await objections.connect(providerOp).correct(2n, NOTE);
      await expect(objections.connect(consumerOp).escalate(2n))
        .to.be.revertedWithCustomError(objections, "ObjectionInvalidStatus")
        .withArgs(2n, ObjectionStatus.Corrected);
    });
  });

  describe("councilDecide", function () {
    it("upholds an escalated objection; the provider then corrects it, on time by its first answer", async function () {
      const { objections, providerOp, objectionId, decideByCouncil, clock } = await loadFixture(escalated);
      await expect(decideByCouncil(objectionId, true, ethers.ZeroHash))
        .to.emit(objections, "ObjectionDecidedByCouncil")
        .withArgs(objectionId, RES_PROVIDER, PROVIDER, true, ethers.ZeroHash);
      expect((await objections.objection(objectionId)).status).to.equal(ObjectionStatus.Upheld);
      await time.increaseTo(clock.tenWorkingDaysEnd + 1n);
      // The dispute, the provider's first answer, came on time: the correction keeps that.
      await expect(objections.connect(providerOp).correct(objectionId, NOTE))
        .to.emit(objections, "ObjectionCorrected")
        .withArgs(objectionId, RES_PROVIDER, PROVIDER, 0, NOTE, true);
    });

    it("dismisses an escalated objection with a reason", async function () {
      const { objections, objectionId, decideByCouncil } = await loadFixture(escalated);
      await expect(decideByCouncil(objectionId, false, REASON))
        .to.emit(objections, "ObjectionDecidedByCouncil")
        .withArgs(objectionId, RES_PROVIDER, PROVIDER, false, REASON);
      expect((await objections.objection(objectionId)).status).to.equal(ObjectionStatus.Dismissed);
    });

    it("refuses a dismissal without a reason", async function () {
      const { objections, objectionId, decideByCouncil } = await loadFixture(escalated);
      await expect(decideByCouncil(objectionId, false, ethers.ZeroHash)).to.be.revertedWithCustomError(
        objections,
        "ObjectionMissingHash",
      );
    });

    it("refuses any caller but the council, a council member's operator included", async function () {
      const { objections, providerOp, consumerOp, objectionId } = await loadFixture(escalated);
      for (const caller of [providerOp, consumerOp]) {
        await expect(objections.connect(caller).councilDecide(objectionId, true, REASON))
          .to.be.revertedWithCustomError(objections, "ObjectionUnauthorizedAccount")
          .withArgs(caller.address, ROLE_COUNCIL);
      }
    });

    it("refuses an unknown objection and one that is not escalated", async function () {
      const { objections, consumerOp, decideByCouncil } = await loadFixture(escalated);
      await expect(decideByCouncil(6n, true, REASON))
        .to.be.revertedWithCustomError(objections, "ObjectionUnknown")
        .withArgs(6n);
      await objections.connect(consumerOp).raise(RES_OTHER, 1n, DESCRIPTION, EVIDENCE);
      await expect(decideByCouncil(2n, true, REASON))
        .to.be.revertedWithCustomError(objections, "ObjectionInvalidStatus")
        .withArgs(2n, ObjectionStatus.Raised);
    });
  });

  it("reports unknown objections as status None and never overdue", async function () {
    const { objections } = await loadFixture(deployQuality);
    expect((await objections.objection(2n)).status).to.equal(ObjectionStatus.None);
    expect(await objections.isOverdue(2n)).to.equal(false);
    expect(await objections.objectionCount()).to.equal(0n);
  });

  it("counts the answer deadline past the weekends with OTHER as provider too", async function () {
    const { objections, consumerOp, clock } = await loadFixture(deployQuality);
    await objections.connect(consumerOp).raise(RES_OTHER, 0b1111n, DESCRIPTION, EVIDENCE);
    const o = await objections.objection(1n);
    expect(o.provider).to.equal(OTHER);
    expect(o.answerDeadline).to.equal(clock.tenWorkingDaysEnd);
  });
});
