import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  CONSUMER,
  DEMAND_DETAILS,
  OTHER,
  PROVIDER,
  RES_OTHER,
  RES_PROVIDER,
  RES_RETIRED,
  RES_UNKNOWN,
  ROLE_COUNCIL,
  ROLE_MEMBER,
  SUSPENDED,
  deployQuality,
} from "./fixtures";

enum DemandStatus {
  None,
  Open,
  Answered,
  Assigned,
  Fulfilled,
}

const DETAILS_HASH = ethers.id(DEMAND_DETAILS);

describe("DemandRegistry", function () {
  /** Demand 1, published by CONSUMER and open. */
  async function published() {
    const f = await deployQuality();
    await f.demands.connect(f.consumerOp).publish(DEMAND_DETAILS);
    /** `assign(...)` as the council: a call by the Consortium executing a `Call` proposal. */
    const assignByCouncil = async (demandId: bigint, responsible: string, workingDays: number) =>
      f.consortium.councilCall(
        await f.demands.getAddress(),
        f.demands.interface.encodeFunctionData("assign", [demandId, responsible, workingDays]),
      );
    return { ...f, demandId: 1n, assignByCouncil };
  }

  /** Demand 1 assigned by the council to PROVIDER, due in four working days (end of Friday). */
  async function assigned() {
    const f = await published();
    await f.assignByCouncil(1n, PROVIDER, 4);
    return f;
  }

  describe("publish", function () {
    it("stores the hash of the demand JSON, emits the JSON and numbers demands from 1", async function () {
      const { demands, consumerOp } = await loadFixture(deployQuality);
      await expect(demands.connect(consumerOp).publish(DEMAND_DETAILS))
        .to.emit(demands, "DemandPublished")
        .withArgs(1n, CONSUMER, DETAILS_HASH, DEMAND_DETAILS);
      const d = await demands.demand(1n);
      expect(d.requester).to.equal(CONSUMER);
      expect(d.detailsHash).to.equal(DETAILS_HASH);
      expect(d.status).to.equal(DemandStatus.Open);
      expect(d.responsible).to.equal(ethers.ZeroHash);
      expect(d.dueAt).to.equal(0n);
      expect(await demands.demandCount()).to.equal(1n);
      await demands.connect(consumerOp).publish("{}");
      expect(await demands.demandCount()).to.equal(2n);
    });

    it("refuses an account that acts for no department, and one of a suspended department", async function () {
      const { demands, stranger, suspendedOp } = await loadFixture(deployQuality);
      for (const caller of [stranger, suspendedOp]) {
        await expect(demands.connect(caller).publish(DEMAND_DETAILS))
          .to.be.revertedWithCustomError(demands, "DemandUnauthorizedAccount")
          .withArgs(caller.address, ROLE_MEMBER);
      }
    });

    it("refuses an empty demand", async function () {
      const { demands, consumerOp } = await loadFixture(deployQuality);
      await expect(demands.connect(consumerOp).publish("")).to.be.revertedWithCustomError(
        demands,
        "DemandEmptyDetails",
      );
    });
  });

  describe("answer", function () {
    it("links a resource of the answering provider and closes the demand", async function () {
      const { demands, otherOp, demandId } = await loadFixture(published);
      const tx = demands.connect(otherOp).answer(demandId, RES_OTHER);
      await expect(tx).to.emit(demands, "DemandAnswered").withArgs(demandId, OTHER, RES_OTHER, CONSUMER);
      const d = await demands.demand(demandId);
      expect(d.status).to.equal(DemandStatus.Answered);
      expect(d.resourceId).to.equal(RES_OTHER);
      expect(d.responsible).to.equal(OTHER);
      expect(d.settledAt).to.equal(BigInt(await time.latest()));
      expect(await demands.isOverdue(demandId)).to.equal(false);
    });

    it("refuses an account that acts for no active department", async function () {
      const { demands, stranger, suspendedOp, demandId } = await loadFixture(published);
      for (const caller of [stranger, suspendedOp]) {
        await expect(demands.connect(caller).answer(demandId, RES_OTHER))
          .to.be.revertedWithCustomError(demands, "DemandUnauthorizedAccount")
          .withArgs(caller.address, ROLE_MEMBER);
      }
    });

    it("refuses an unknown demand", async function () {
      const { demands, otherOp } = await loadFixture(published);
      await expect(demands.connect(otherOp).answer(9n, RES_OTHER))
        .to.be.revertedWithCustomError(demands, "DemandUnknown")
        .withArgs(9n);
    });

    it("refuses a demand that is no longer open: answered or assigned", async function () {
      const { demands, otherOp, providerOp, demandId, assignByCouncil } = await loadFixture(published);
      await demands.connect(otherOp).answer(demandId, RES_OTHER);
      await expect(demands.connect(providerOp).answer(demandId, RES_PROVIDER))
        .to.be.revertedWithCustomError(demands, "DemandInvalidStatus")
        .withArgs(demandId, DemandStatus.Answered);

      await demands.connect(otherOp).publish(DEMAND_DETAILS);
      await assignByCouncil(2n, PROVIDER, 4);
      await expect(demands.connect(otherOp).answer(2n, RES_OTHER))
        .to.be.revertedWithCustomError(demands, "DemandInvalidStatus")
        .withArgs(2n, DemandStatus.Assigned);
    });

    it("refuses an unknown or retired resource, and one the caller does not provide", async function () {
      const { demands, providerOp, otherOp, demandId } = await loadFixture(published);
      for (const resourceId of [RES_UNKNOWN, RES_RETIRED]) {
        await expect(demands.connect(providerOp).answer(demandId, resourceId))
          .to.be.revertedWithCustomError(demands, "DemandResourceNotActive")
          .withArgs(resourceId);
      }
      await expect(demands.connect(otherOp).answer(demandId, RES_PROVIDER))
        .to.be.revertedWithCustomError(demands, "DemandResourceNotProvided")
        .withArgs(RES_PROVIDER, OTHER);
    });
  });

  describe("assign", function () {
    it("assigns the responsibility with a due date counted in working days on the calendar", async function () {
      const { demands, demandId, assignByCouncil, clock } = await loadFixture(published);
      await expect(assignByCouncil(demandId, PROVIDER, 4))
        .to.emit(demands, "ResponsibilityAssigned")
        .withArgs(demandId, PROVIDER, CONSUMER, 4, clock.fridayEnd);
      const d = await demands.demand(demandId);
      expect(d.status).to.equal(DemandStatus.Assigned);
      expect(d.responsible).to.equal(PROVIDER);
      expect(d.workingDays).to.equal(4);
      expect(d.dueAt).to.equal(clock.fridayEnd);
    });

    it("lets the council reassign an assigned demand, with a new due date", async function () {
      const { demands, calendar, demandId, assignByCouncil } = await loadFixture(assigned);
      const tx = await assignByCouncil(demandId, OTHER, 1);
      const now = BigInt((await tx.getBlock())!.timestamp);
      const dueAt = await calendar.deadlineAfter(now, 1);
      await expect(tx).to.emit(demands, "ResponsibilityAssigned").withArgs(demandId, OTHER, CONSUMER, 1, dueAt);
      expect((await demands.demand(demandId)).responsible).to.equal(OTHER);
    });

    it("refuses any caller but the council, a council member's operator included", async function () {
      const { demands, providerOp, stranger, demandId } = await loadFixture(published);
      for (const caller of [providerOp, stranger]) {
        await expect(demands.connect(caller).assign(demandId, PROVIDER, 4))
          .to.be.revertedWithCustomError(demands, "DemandUnauthorizedAccount")
          .withArgs(caller.address, ROLE_COUNCIL);
      }
    });

    it("refuses an unknown demand and a demand already answered or fulfilled", async function () {
      const { demands, otherOp, providerOp, assignByCouncil } = await loadFixture(published);
      await expect(assignByCouncil(7n, PROVIDER, 4))
        .to.be.revertedWithCustomError(demands, "DemandUnknown")
        .withArgs(7n);
      await demands.connect(otherOp).answer(1n, RES_OTHER);
      await expect(assignByCouncil(1n, PROVIDER, 4))
        .to.be.revertedWithCustomError(demands, "DemandInvalidStatus")
        .withArgs(1n, DemandStatus.Answered);
      await demands.connect(otherOp).publish(DEMAND_DETAILS);
      await assignByCouncil(2n, PROVIDER, 4);
      await demands.connect(providerOp).fulfil(2n, RES_PROVIDER);
      await expect(assignByCouncil(2n, OTHER, 4))
        .to.be.revertedWithCustomError(demands, "DemandInvalidStatus")
        .withArgs(2n, DemandStatus.Fulfilled);
    });

    it("refuses a department that is not an active member", async function () {
      const { demands, demandId, assignByCouncil } = await loadFixture(published);
      const never = ethers.id("91440000MA0000000X");
      for (const dept of [SUSPENDED, never]) {
        await expect(assignByCouncil(demandId, dept, 4))
          .to.be.revertedWithCustomError(demands, "DemandInactiveDepartment")
          .withArgs(dept);
      }
    });

    it("refuses a due date of zero working days or more than MAX_WORKING_DAYS", async function () {
      const { demands, demandId, assignByCouncil } = await loadFixture(published);
      const max = await demands.MAX_WORKING_DAYS();
      expect(max).to.equal(250n);
      for (const days of [0, Number(max) + 1]) {
        await expect(assignByCouncil(demandId, PROVIDER, days))
          .to.be.revertedWithCustomError(demands, "DemandInvalidWorkingDays")
          .withArgs(days, max);
      }
      await expect(assignByCouncil(demandId, PROVIDER, Number(max))).to.emit(demands, "ResponsibilityAssigned");
    });
  });

  describe("fulfil", function () {
    it("fulfils on time by linking a resource of the responsible department", async function () {
      const { demands, providerOp, demandId } = await loadFixture(assigned);
      await expect(demands.connect(providerOp).fulfil(demandId, RES_PROVIDER))
        .to.emit(demands, "ResponsibilityFulfilled")
        .withArgs(demandId, PROVIDER, RES_PROVIDER, true);
      const d = await demands.demand(demandId);
      expect(d.status).to.equal(DemandStatus.Fulfilled);
      expect(d.resourceId).to.equal(RES_PROVIDER);
      expect(d.settledAt).to.equal(BigInt(await time.latest()));
      expect(await demands.isOverdue(demandId)).to.equal(false);
    });

    it("is overdue after the due date's last second, and a late fulfilment says so", async function () {
      const { demands, providerOp, demandId, clock } = await loadFixture(assigned);
      await time.increaseTo(clock.fridayEnd);
      expect(await demands.isOverdue(demandId)).to.equal(false);
      await time.increaseTo(clock.fridayEnd + 1n);
      expect(await demands.isOverdue(demandId)).to.equal(true);
      await expect(demands.connect(providerOp).fulfil(demandId, RES_PROVIDER))
        .to.emit(demands, "ResponsibilityFulfilled")
        .withArgs(demandId, PROVIDER, RES_PROVIDER, false);
      expect(await demands.isOverdue(demandId)).to.equal(false);
    });

    it("fulfils at the due date's last second on time", async function () {
      const { demands, providerOp, demandId, clock } = await loadFixture(assigned);
      await time.setNextBlockTimestamp(clock.fridayEnd);
      await expect(demands.connect(providerOp).fulfil(demandId, RES_PROVIDER))
        .to.emit(demands, "ResponsibilityFulfilled")
        .withArgs(demandId, PROVIDER, RES_PROVIDER, true);
    });

    it("refuses every caller but an operator of the active responsible department", async function () {
      const { demands, consortium, otherOp, consumerOp, stranger, providerOp, demandId } = await loadFixture(assigned);
      for (const caller of [otherOp, consumerOp, stranger]) {
        await expect(demands.connect(caller).fulfil(demandId, RES_PROVIDER))
          .to.be.revertedWithCustomError(demands, "DemandUnauthorizedAccount")
          .withArgs(caller.address, PROVIDER);
      }
      await consortium.setDepartment(PROVIDER, false, true);
      await expect(demands.connect(providerOp).fulfil(demandId, RES_PROVIDER))
        .to.be.revertedWithCustomError(demands, "DemandUnauthorizedAccount")
        .withArgs(providerOp.address, PROVIDER);
    });

    it("refuses an unknown demand, an open one, an answered one and a fulfilled one", async function () {
      const { demands, providerOp, otherOp } = await loadFixture(assigned);
      await expect(demands.connect(providerOp).fulfil(5n, RES_PROVIDER))
        .to.be.revertedWithCustomError(demands, "DemandUnknown")
        .withArgs(5n);
      await demands.connect(otherOp).publish(DEMAND_DETAILS);
      await expect(demands.connect(providerOp).fulfil(2n, RES_PROVIDER))
        .to.be.revertedWithCustomError(demands, "DemandInvalidStatus")
        .withArgs(2n, DemandStatus.Open);
      await demands.connect(providerOp).answer(2n, RES_PROVIDER);
      await expect(demands.connect(providerOp).fulfil(2n, RES_PROVIDER))
        .to.be.revertedWithCustomError(demands, "DemandInvalidStatus")
        .withArgs(2n, DemandStatus.Answered);
      await demands.connect(providerOp).fulfil(1n, RES_PROVIDER);
      await expect(demands.connect(providerOp).fulfil(1n, RES_PROVIDER))
        .to.be.revertedWithCustomError(demands, "DemandInvalidStatus")
        .withArgs(1n, DemandStatus.Fulfilled);
    });

    it("refuses an unknown or retired resource, and one of another provider", async function () {
      const { demands, providerOp, demandId } = await loadFixture(assigned);
      for (const resourceId of [RES_UNKNOWN, RES_RETIRED]) {
        await expect(demands.connect(providerOp).fulfil(demandId, resourceId))
          .to.be.revertedWithCustomError(demands, "DemandResourceNotActive")
          .withArgs(resourceId);
      }
      await expect(demands.connect(providerOp).fulfil(demandId, RES_OTHER))
        .to.be.revertedWithCustomError(demands, "DemandResourceNotProvided")
        .withArgs(RES_OTHER, PROVIDER);
    });
  });

  it("reports unknown demands as status None and never overdue", async function () {
    const { demands } = await loadFixture(deployQuality);
    expect((await demands.demand(3n)).status).to.equal(DemandStatus.None);
    expect(await demands.isOverdue(3n)).to.equal(false);
  });
});
