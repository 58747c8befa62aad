import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Consortium } from "../../typechain-types";
import {
  Action,
  BUREAU,
  CITY,
  DAY,
  DEFAULT_OBJECTION_ANSWER_DEADLINE,
  DEFAULT_REPLY_DEADLINE,
  HEALTH,
  Level,
  POLICE,
  PROPOSAL_LIFETIME,
  Roles,
  SOCIAL,
  Status,
  code,
  councilDecides,
  councilFixture,
  foundedFixture,
  payload,
  profile,
  singleSeatFixture,
  unfoundedFixture,
} from "./fixtures";
import { itIsPublishedByTheDepartmentsAdminOnly } from "./published-by-admin";

/** Proposes as `proposer` and approves with each of `approvers` in turn; returns the proposal id. */
async function decide(
  consortium: Consortium,
  action: number,
  data: string,
  proposer: HardhatEthersSigner,
  ...approvers: HardhatEthersSigner[]
): Promise<bigint> {
  await consortium.connect(proposer).propose(action, data);
  const id = await consortium.proposalCount();
  for (const a of approvers) await consortium.connect(a).approve(id);
  return id;
}

describe("Consortium", function () {
  describe("before founding", function () {
    it("starts empty, with the default quorum, reply and objection answer deadlines and proposal lifetime", async function () {
      const { consortium } = await loadFixture(unfoundedFixture);
      expect(await consortium.founded()).to.equal(false);
      expect(await consortium.councilSeats()).to.equal(0);
      expect(await consortium.requiredApprovals()).to.equal(0);
      expect(await consortium.quorumBps()).to.equal(5000);
      expect(await consortium.replyDeadline()).to.equal(DEFAULT_REPLY_DEADLINE);
      expect(await consortium.objectionAnswerDeadline()).to.equal(DEFAULT_OBJECTION_ANSWER_DEADLINE);
      expect(await consortium.proposalLifetime()).to.equal(PROPOSAL_LIFETIME);
      expect(await consortium.proposalCount()).to.equal(0);
    });

    it("refuses operator and council actions with ConsortiumNotFounded", async function () {
      const { consortium, deployer, signers } = await loadFixture(unfoundedFixture);
      for (const who of [deployer, signers[1]]) {
        const c = consortium.connect(who);
        await expect(c.addOperator(signers[2], false)).to.be.revertedWithCustomError(
          consortium,
          "ConsortiumNotFounded",
        );
        await expect(c.removeOperator(signers[2])).to.be.revertedWithCustomError(consortium, "ConsortiumNotFounded");
        await expect(c.propose(Action.SetQuorum, payload.quorum(6000))).to.be.revertedWithCustomError(
          consortium,
          "ConsortiumNotFounded",
        );
        await expect(c.approve(1)).to.be.revertedWithCustomError(consortium, "ConsortiumNotFounded");
      }
    });

    it("allows only the deployer to transact (Besu bootstrap path)", async function () {
      const { consortium, deployer, signers } = await loadFixture(unfoundedFixture);
      expect(await consortium.transactionAllowed(deployer, ethers.ZeroAddress, 0, 0, 21000, "0x")).to.equal(true);
      expect(await consortium.transactionAllowed(signers[1], consortium, 0, 0, 21000, "0x1234")).to.equal(false);
    });
  });

  describe("found", function () {
    it("admits the founders with their admins, registers the modules and emits the events", async function () {
      const { consortium, module, deployer, signers } = await loadFixture(unfoundedFixture);
      const [, a, b, c] = signers;
      const moduleAddress = await module.getAddress();
      const tx = consortium.found([BUREAU, POLICE, CITY], [a.address, b.address, c.address], [moduleAddress]);
      for (const [p, admin] of [
        [BUREAU, a],
        [POLICE, b],
        [CITY, c],
      ] as const) {
        await expect(tx)
          .to.emit(consortium, "DepartmentAdmitted")
          .withArgs(p.id, p.parent, p.level, p.regionCode, p.councilSeat, p.code, p.name)
          .and.to.emit(consortium, "OperatorAdded")
          .withArgs(p.id, admin.address, true, deployer.address);
      }
      await expect(tx).to.emit(consortium, "ConsortiumFounded").withArgs(deployer.address, [moduleAddress]);

      expect(await consortium.founded()).to.equal(true);
      expect(await consortium.councilSeats()).to.equal(2);
      expect(await consortium.requiredApprovals()).to.equal(2);
      expect(await consortium.isModule(module)).to.equal(true);
      expect(await consortium.isModule(deployer)).to.equal(false);
      expect(await consortium.operatorOf(a)).to.deep.equal([BUREAU.id, true]);
      expect(await consortium.activeDepartmentOf(c)).to.equal(CITY.id);
      const city = await consortium.department(CITY.id);
      expect(city.level).to.equal(Level.City);
      expect(city.status).to.equal(Status.Active);
      expect(city.councilSeat).to.equal(false);
      expect(city.regionCode).to.equal(440100);
      expect(city.parent).to.equal(BUREAU.id);
      expect(await consortium.isCouncilMember(BUREAU.id)).to.equal(true);
      expect(await consortium.isCouncilMember(CITY.id)).to.equal(false);
      expect(await consortium.isActive(CITY.id)).to.equal(true);
    });

    it("works with a single founder and no modules", async function () {
      const { consortium, deployer, signers } = await loadFixture(unfoundedFixture);
      await expect(consortium.found([BUREAU], [signers[1].address], []))
        .to.emit(consortium, "ConsortiumFounded")
        .withArgs(deployer.address, []);
      expect(await consortium.councilSeats()).to.equal(1);
      expect(await consortium.requiredApprovals()).to.equal(1);
    });

    it("is reserved to the deployer", async function () {
      const { consortium, signers } = await loadFixture(unfoundedFixture);
      await expect(consortium.connect(signers[1]).found([BUREAU], [signers[1].address], []))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
        .withArgs(signers[1].address, Roles.FOUNDER);
    });

    it("happens only once", async function () {
      const { consortium, deployer, outsider } = await loadFixture(foundedFixture);
      await expect(consortium.connect(deployer).found([SOCIAL], [outsider.address], [])).to.be.revertedWithCustomError(
        consortium,
        "ConsortiumAlreadyFounded",
      );
      await expect(consortium.connect(outsider).found([SOCIAL], [outsider.address], []))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
        .withArgs(outsider.address, Roles.FOUNDER);
    });

    it("needs at least one founder with a council seat", async function () {
      const { consortium, signers } = await loadFixture(unfoundedFixture);
      await expect(consortium.found([], [], [])).to.be.revertedWithCustomError(
        consortium,
        "ConsortiumNoFoundingCouncil",
      );
      await expect(consortium.found([SOCIAL], [signers[1].address], [])).to.be.revertedWithCustomError(
        consortium,
        "ConsortiumNoFoundingCouncil",
      );
    });

    it("needs one admin per founder", async function () {
      const { consortium, signers } = await loadFixture(unfoundedFixture);
      await expect(consortium.found([BUREAU, POLICE], [signers[1].address], []))
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidProfile")
        .withArgs(ethers.ZeroHash);
      await expect(consortium.found([BUREAU], [signers[1].address, signers[2].address], []))
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidProfile")
        .withArgs(ethers.ZeroHash);
    });

    const invalidProfiles: [string, ReturnType<typeof profile>][] = [
      ["a zero id", { ...BUREAU, id: ethers.ZeroHash }],
      ["an id that is not the hash of the code", { ...BUREAU, id: POLICE.id }],
      ["a 17-character code", { ...BUREAU, id: ethers.id("11440000BUREAU000"), code: "11440000BUREAU000" }],
      ["a 19-character code", { ...BUREAU, id: ethers.id("11440000BUREAU00000"), code: "11440000BUREAU00000" }],
      ["a five-digit region code", { ...BUREAU, regionCode: 99999 }],
      ["a seven-digit region code", { ...BUREAU, regionCode: 1000000 }],
      ["an unknown parent", { ...BUREAU, parent: POLICE.id }],
    ];
    for (const [what, p] of invalidProfiles) {
      it(`refuses a profile with ${what}`, async function () {
        const { consortium, signers } = await loadFixture(unfoundedFixture);
        await expect(consortium.found([p], [signers[1].address], []))
          .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidProfile")
          .withArgs(p.id);
      });
    }

    it("accepts region codes 100000 and 999999, and a parent admitted earlier in the same call", async function () {
      const { consortium, signers } = await loadFixture(unfoundedFixture);
      const child = profile("CHILD", { parent: BUREAU.id, regionCode: 999999, level: Level.Township });
      await consortium.found([{ ...BUREAU, regionCode: 100000 }, child], [signers[1].address, signers[2].address], []);
      expect((await consortium.department(BUREAU.id)).regionCode).to.equal(100000);
      expect((await consortium.department(child.id)).parent).to.equal(BUREAU.id);
    });

    it("refuses a parent that comes later in the list", async function () {
      const { consortium, signers } = await loadFixture(unfoundedFixture);
      const child = profile("CHILD", { parent: BUREAU.id });
      await expect(consortium.found([child, BUREAU], [signers[1].address, signers[2].address], []))
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidProfile")
        .withArgs(child.id);
    });

    it("refuses a duplicate founder", async function () {
      const { consortium, signers } = await loadFixture(unfoundedFixture);
      await expect(consortium.found([BUREAU, BUREAU], [signers[1].address, signers[2].address], []))
        .to.be.revertedWithCustomError(consortium, "ConsortiumDepartmentExists")
        .withArgs(BUREAU.id);
    });

    it("refuses a zero or repeated admin and a zero module", async function () {
      const { consortium, signers } = await loadFixture(unfoundedFixture);
      await expect(consortium.found([BUREAU], [ethers.ZeroAddress], [])).to.be.revertedWithCustomError(
        consortium,
        "ConsortiumZeroAddress",
      );
      await expect(consortium.found([BUREAU, POLICE], [signers[1].address, signers[1].address], []))
        .to.be.revertedWithCustomError(consortium, "ConsortiumOperatorExists")
        .withArgs(signers[1].address, BUREAU.id);
      await expect(
        consortium.found([BUREAU], [signers[1].address], [ethers.ZeroAddress]),
      ).to.be.revertedWithCustomError(consortium, "ConsortiumZeroAddress");
    });

    it("leaves the deployer no special power afterwards", async function () {
      const { consortium, deployer, bureauOp } = await loadFixture(foundedFixture);
      const c = consortium.connect(deployer);
      await expect(c.addOperator(deployer, true))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
        .withArgs(deployer.address, Roles.DEPARTMENT_ADMIN);
      await expect(c.removeOperator(bureauOp))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
        .withArgs(deployer.address, Roles.DEPARTMENT_ADMIN);
      await expect(c.propose(Action.SetQuorum, payload.quorum(6000)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
        .withArgs(deployer.address, Roles.COUNCIL_MEMBER);
      await expect(c.approve(1))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
        .withArgs(deployer.address, Roles.COUNCIL_MEMBER);
      expect(await consortium.transactionAllowed(deployer, ethers.ZeroAddress, 0, 0, 21000, "0x")).to.equal(false);
    });
  });

  describe("operators", function () {
    it("an admin adds a plain operator and an admin operator", async function () {
      const { consortium, policeAdmin, outsider, spare } = await loadFixture(foundedFixture);
      await expect(consortium.connect(policeAdmin).addOperator(outsider, false))
        .to.emit(consortium, "OperatorAdded")
        .withArgs(POLICE.id, outsider.address, false, policeAdmin.address);
      expect(await consortium.operatorOf(outsider)).to.deep.equal([POLICE.id, false]);
      expect(await consortium.activeDepartmentOf(outsider)).to.equal(POLICE.id);

      await expect(consortium.connect(policeAdmin).addOperator(spare, true))
        .to.emit(consortium, "OperatorAdded")
        .withArgs(POLICE.id, spare.address, true, policeAdmin.address);
      expect(await consortium.operatorOf(spare)).to.deep.equal([POLICE.id, true]);
      // The new admin manages the department's operators too.
      await expect(consortium.connect(spare).removeOperator(outsider))
        .to.emit(consortium, "OperatorRemoved")
        .withArgs(POLICE.id, outsider.address, spare.address);
    });

    it("an admin removes an operator, who can then join another department", async function () {
      const { consortium, policeAdmin, healthAdmin, policeOp } = await loadFixture(foundedFixture);
      await expect(consortium.connect(policeAdmin).removeOperator(policeOp))
        .to.emit(consortium, "OperatorRemoved")
        .withArgs(POLICE.id, policeOp.address, policeAdmin.address);
      expect(await consortium.operatorOf(policeOp)).to.deep.equal([ethers.ZeroHash, false]);
      expect(await consortium.activeDepartmentOf(policeOp)).to.equal(ethers.ZeroHash);
      await consortium.connect(healthAdmin).addOperator(policeOp, false);
      expect(await consortium.activeDepartmentOf(policeOp)).to.equal(HEALTH.id);
    });

    it("an admin may remove another admin of its department, but not itself", async function () {
      const { consortium, policeAdmin, spare } = await loadFixture(foundedFixture);
      await consortium.connect(policeAdmin).addOperator(spare, true);
      await expect(consortium.connect(spare).removeOperator(policeAdmin))
        .to.emit(consortium, "OperatorRemoved")
        .withArgs(POLICE.id, policeAdmin.address, spare.address);
      await expect(consortium.connect(spare).removeOperator(spare))
        .to.be.revertedWithCustomError(consortium, "ConsortiumCannotRemoveSelf")
        .withArgs(spare.address);
    });

    it("refuses unauthorized callers", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium, policeOp, outsider, spare, healthAdmin } = f;
      // Suspend HEALTH: its admin can no longer manage operators.
      await councilDecides(f, Action.Suspend, payload.department(HEALTH.id));
      for (const who of [outsider, policeOp, healthAdmin]) {
        await expect(consortium.connect(who).addOperator(spare, false))
          .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
          .withArgs(who.address, Roles.DEPARTMENT_ADMIN);
        await expect(consortium.connect(who).removeOperator(f.bureauOp))
          .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
          .withArgs(who.address, Roles.DEPARTMENT_ADMIN);
      }
    });

    it("refuses removing an operator of another department", async function () {
      const { consortium, policeAdmin, healthOp, healthAdmin } = await loadFixture(foundedFixture);
      await expect(consortium.connect(policeAdmin).removeOperator(healthOp))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
        .withArgs(policeAdmin.address, HEALTH.id);
      await expect(consortium.connect(policeAdmin).removeOperator(healthAdmin))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
        .withArgs(policeAdmin.address, HEALTH.id);
    });

    it("refuses removing an account that acts for no department", async function () {
      const { consortium, policeAdmin, outsider } = await loadFixture(foundedFixture);
      await expect(consortium.connect(policeAdmin).removeOperator(outsider))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnknownOperator")
        .withArgs(outsider.address, POLICE.id);
    });

    it("refuses the zero address and an account that already acts for a department", async function () {
      const { consortium, policeAdmin, policeOp, healthOp } = await loadFixture(foundedFixture);
      await expect(
        consortium.connect(policeAdmin).addOperator(ethers.ZeroAddress, false),
      ).to.be.revertedWithCustomError(consortium, "ConsortiumZeroAddress");
      await expect(consortium.connect(policeAdmin).addOperator(policeOp, true))
        .to.be.revertedWithCustomError(consortium, "ConsortiumOperatorExists")
        .withArgs(policeOp.address, POLICE.id);
      await expect(consortium.connect(policeAdmin).addOperator(healthOp, false))
        .to.be.revertedWithCustomError(consortium, "ConsortiumOperatorExists")
        .withArgs(healthOp.address, HEALTH.id);
    });
  });

  describe("propose and approve", function () {
    it("records the proposal with the proposer's approval and emits the events", async function () {
      const { consortium, policeOp } = await loadFixture(foundedFixture);
      const data = payload.quorum(7500);
      const tx = await consortium.connect(policeOp).propose(Action.SetQuorum, data);
      const block = await ethers.provider.getBlock((await tx.wait())!.blockNumber);
      const expiresAt = BigInt(block!.timestamp) + PROPOSAL_LIFETIME;
      await expect(tx)
        .to.emit(consortium, "ProposalCreated")
        .withArgs(1, POLICE.id, Action.SetQuorum, data, expiresAt)
        .and.to.emit(consortium, "ProposalApproved")
        .withArgs(1, POLICE.id, 1, 2)
        .and.not.to.emit(consortium, "ProposalExecuted");
      expect(await consortium.proposalCount()).to.equal(1);
      const p = await consortium.proposal(1);
      expect(p.action).to.equal(Action.SetQuorum);
      expect(p.executed).to.equal(false);
      expect(p.approvals).to.equal(1);
      expect(p.expiresAt).to.equal(expiresAt);
      expect(p.proposer).to.equal(POLICE.id);
      expect(p.payload).to.equal(data);
      expect(await consortium.hasApproved(1, POLICE.id)).to.equal(true);
      expect(await consortium.hasApproved(1, BUREAU.id)).to.equal(false);
    });

    it("returns sequential ids from 1", async function () {
      const { consortium, policeOp, healthOp } = await loadFixture(foundedFixture);
      expect(await consortium.connect(policeOp).propose.staticCall(Action.SetQuorum, payload.quorum(6000))).to.equal(1);
      await consortium.connect(policeOp).propose(Action.SetQuorum, payload.quorum(6000));
      expect(await consortium.connect(healthOp).propose.staticCall(Action.SetQuorum, payload.quorum(6000))).to.equal(2);
    });

    it("executes on the approval that reaches the quorum", async function () {
      const { consortium, policeOp, healthOp, bureauAdmin } = await loadFixture(foundedFixture);
      await consortium.connect(policeOp).propose(Action.SetQuorum, payload.quorum(7500));
      await expect(consortium.connect(healthOp).approve(1))
        .to.emit(consortium, "ProposalApproved")
        .withArgs(1, HEALTH.id, 2, 2)
        .and.to.emit(consortium, "QuorumChanged")
        .withArgs(7500, 1)
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.SetQuorum);
      expect((await consortium.proposal(1)).executed).to.equal(true);
      expect(await consortium.quorumBps()).to.equal(7500);
      await expect(consortium.connect(bureauAdmin).approve(1))
        .to.be.revertedWithCustomError(consortium, "ConsortiumProposalAlreadyExecuted")
        .withArgs(1);
    });

    it("executes within propose when one seat is enough", async function () {
      const { consortium, bureauAdmin } = await loadFixture(singleSeatFixture);
      await expect(consortium.connect(bureauAdmin).propose(Action.SetReplyDeadline, payload.replyDeadline(15n)))
        .to.emit(consortium, "ProposalApproved")
        .withArgs(1, BUREAU.id, 1, 1)
        .and.to.emit(consortium, "ReplyDeadlineChanged")
        .withArgs(15n, 1)
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.SetReplyDeadline);
      expect(await consortium.replyDeadline()).to.equal(15n);
    });

    it("counts one vote per department, whatever the number of its operators", async function () {
      const { consortium, policeOp, policeAdmin, healthOp } = await loadFixture(foundedFixture);
      await consortium.connect(healthOp).propose(Action.SetQuorum, payload.quorum(10000));
      await expect(consortium.connect(healthOp).approve(1))
        .to.be.revertedWithCustomError(consortium, "ConsortiumAlreadyApproved")
        .withArgs(1, HEALTH.id);
      await consortium.connect(policeOp).propose(Action.SetQuorum, payload.quorum(9000));
      await expect(consortium.connect(policeAdmin).approve(2))
        .to.be.revertedWithCustomError(consortium, "ConsortiumAlreadyApproved")
        .withArgs(2, POLICE.id);
      await consortium.connect(policeAdmin).propose(Action.SetQuorum, payload.quorum(9000));
      await expect(consortium.connect(policeOp).approve(3))
        .to.be.revertedWithCustomError(consortium, "ConsortiumAlreadyApproved")
        .withArgs(3, POLICE.id);
      expect((await consortium.proposal(2)).approvals).to.equal(1);
      expect((await consortium.proposal(3)).approvals).to.equal(1);
    });

    it("does not execute a proposal whose proposer lost its seat: seats A, B, C, quorum 2; A's seat revoked; B approves", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium, bureauAdmin, policeOp, healthOp } = f;
      await consortium.connect(bureauAdmin).propose(Action.SetQuorum, payload.quorum(7500));
      await decide(consortium, Action.RevokeSeat, payload.department(BUREAU.id), policeOp, healthOp);
      expect(await consortium.isCouncilMember(BUREAU.id)).to.equal(false);
      await expect(consortium.connect(policeOp).approve(1))
        .to.be.revertedWithCustomError(consortium, "ConsortiumProposerWithoutSeat")
        .withArgs(1, BUREAU.id);
      expect((await consortium.proposal(1)).executed).to.equal(false);
      expect(await consortium.quorumBps()).to.equal(5000);
    });

    it("does not execute a proposal whose proposer's department was suspended", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium, bureauAdmin, policeOp, healthOp } = f;
      await consortium.connect(bureauAdmin).propose(Action.SetQuorum, payload.quorum(7500));
      await decide(consortium, Action.Suspend, payload.department(BUREAU.id), policeOp, healthOp);
      await expect(consortium.connect(healthOp).approve(1))
        .to.be.revertedWithCustomError(consortium, "ConsortiumProposerWithoutSeat")
        .withArgs(1, BUREAU.id);
      expect((await consortium.proposal(1)).executed).to.equal(false);
    });

    it("counts at execution only the approvals of departments that hold a seat then", async function () {
      const { consortium, depts, operators } = await loadFixture(councilFixture(5));
      const [seat0, seat1, seat2, seat3, seat4] = operators.map((ops) => ops[1]);
      // Proposal 1 by SEAT0, approved by SEAT1: 2 of the 3 approvals five seats need.
      await consortium.connect(seat0).propose(Action.SetQuorum, payload.quorum(6000));
      await consortium.connect(seat1).approve(1);
      expect(await consortium.liveApprovals(1)).to.equal(2);
      // SEAT1 loses its seat: four seats remain, which need 3 approvals.
      await decide(consortium, Action.RevokeSeat, payload.department(depts[1].id), seat2, seat3, seat4);
      expect(await consortium.liveApprovals(1)).to.equal(1);
      await expect(consortium.connect(seat2).approve(1))
        .to.emit(consortium, "ProposalApproved")
        .withArgs(1, depts[2].id, 2, 3)
        .and.not.to.emit(consortium, "ProposalExecuted");
      const p = await consortium.proposal(1);
      expect(p.executed).to.equal(false);
      expect(p.approvals).to.equal(3); // recorded, of which two count
      await expect(consortium.connect(seat3).approve(1))
        .to.emit(consortium, "ProposalApproved")
        .withArgs(1, depts[3].id, 3, 3)
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.SetQuorum);
      expect(await consortium.liveApprovals(2)).to.equal(3); // the seat revocation: SEAT2, SEAT3 and SEAT4 still sit
    });

    it("refuses unknown proposals", async function () {
      const { consortium, policeOp } = await loadFixture(foundedFixture);
      await expect(consortium.connect(policeOp).approve(0))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnknownProposal")
        .withArgs(0);
      await expect(consortium.connect(policeOp).approve(1))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnknownProposal")
        .withArgs(1);
    });

    it("accepts approvals until expiresAt and refuses them after", async function () {
      const { consortium, policeOp, healthOp, bureauAdmin } = await loadFixture(foundedFixture);
      await consortium.connect(policeOp).propose(Action.SetQuorum, payload.quorum(6000));
      await consortium.connect(policeOp).propose(Action.SetQuorum, payload.quorum(7000));
      const expiresAt = (await consortium.proposal(1)).expiresAt;
      await time.setNextBlockTimestamp(expiresAt);
      await expect(consortium.connect(healthOp).approve(1))
        .to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.SetQuorum);
      const expires2 = (await consortium.proposal(2)).expiresAt;
      await time.increase(1);
      await expect(consortium.connect(bureauAdmin).approve(2))
        .to.be.revertedWithCustomError(consortium, "ConsortiumProposalExpired")
        .withArgs(2, expires2);
    });

    it("refuses unauthorized callers", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium, cityOp, cityAdmin, outsider, healthOp, healthAdmin, policeOp } = f;
      await consortium.connect(policeOp).propose(Action.SetQuorum, payload.quorum(6000));
      await councilDecides(f, Action.Suspend, payload.department(HEALTH.id));
      // no department, non-council department (both operators), suspended council department (both operators)
      for (const who of [outsider, cityOp, cityAdmin, healthOp, healthAdmin]) {
        await expect(consortium.connect(who).propose(Action.SetQuorum, payload.quorum(6000)))
          .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
          .withArgs(who.address, Roles.COUNCIL_MEMBER);
        await expect(consortium.connect(who).approve(1))
          .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
          .withArgs(who.address, Roles.COUNCIL_MEMBER);
      }
    });

    it("refuses an out-of-range action", async function () {
      const { consortium, policeOp } = await loadFixture(foundedFixture);
      const args = ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "bytes"], [10, "0x"]);
      const data = consortium.interface.getFunction("propose").selector + args.slice(2);
      await expect(policeOp.sendTransaction({ to: consortium, data })).to.be.reverted;
    });
  });

  describe("quorum", function () {
    const table: [number, number, number][] = [
      // seats, required at 5000 bps, required at 10000 bps
      [1, 1, 1],
      [2, 2, 2],
      [3, 2, 3],
      [4, 3, 4],
      [5, 3, 5],
    ];
    for (const [seats, half, all] of table) {
      it(`with ${seats} seat(s) needs ${half} approvals by default and ${all} at 10000 bps`, async function () {
        const { consortium, operators } = await loadFixture(councilFixture(seats));
        expect(await consortium.councilSeats()).to.equal(seats);
        expect(await consortium.requiredApprovals()).to.equal(half);
        // The quorum change itself needs `half` approvals and executes exactly on the last one.
        await consortium.connect(operators[0][1]).propose(Action.SetQuorum, payload.quorum(10000));
        for (let i = 1; i < half; i++) {
          expect((await consortium.proposal(1)).executed).to.equal(false);
          await consortium.connect(operators[i][i % 2]).approve(1);
        }
        expect((await consortium.proposal(1)).executed).to.equal(true);
        expect((await consortium.proposal(1)).approvals).to.equal(half);
        expect(await consortium.requiredApprovals()).to.equal(all);
      });
    }

    it("follows the seat count through grants, suspensions and intermediate quorums", async function () {
      const { consortium, bureauAdmin, cityAdmin } = await loadFixture(singleSeatFixture);
      await consortium.connect(bureauAdmin).propose(Action.SetQuorum, payload.quorum(6667));
      expect(await consortium.requiredApprovals()).to.equal(1);
      await consortium.connect(bureauAdmin).propose(Action.GrantSeat, payload.department(CITY.id));
      expect(await consortium.councilSeats()).to.equal(2);
      expect(await consortium.requiredApprovals()).to.equal(2); // min(2, 1 + 1)
      await decide(consortium, Action.Suspend, payload.department(CITY.id), bureauAdmin, cityAdmin);
      expect(await consortium.councilSeats()).to.equal(1);
      expect(await consortium.requiredApprovals()).to.equal(1);
    });
  });

  describe("Admit", function () {
    it("admits a department with its admin; the council is the one who added the admin", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium, spare } = f;
      const social = { ...SOCIAL, parent: BUREAU.id, councilSeat: true };
      const data = payload.admit(social, spare.address);
      await f.consortium.connect(f.bureauAdmin).propose(Action.Admit, data);
      await expect(consortium.connect(f.healthOp).approve(1))
        .to.emit(consortium, "DepartmentAdmitted")
        .withArgs(social.id, BUREAU.id, social.level, social.regionCode, true, social.code, social.name)
        .and.to.emit(consortium, "OperatorAdded")
        .withArgs(social.id, spare.address, true, await consortium.getAddress())
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.Admit);
      expect(await consortium.isCouncilMember(social.id)).to.equal(true);
      expect(await consortium.councilSeats()).to.equal(4);
      expect(await consortium.operatorOf(spare)).to.deep.equal([social.id, true]);
      expect(await consortium.transactionAllowed(spare, ethers.ZeroAddress, 0, 0, 0, "0x")).to.equal(true);
    });

    it("refuses at propose time what could not execute", async function () {
      const { consortium, bureauAdmin, spare, policeOp } = await loadFixture(foundedFixture);
      const c = consortium.connect(bureauAdmin);
      await expect(c.propose(Action.Admit, payload.admit(POLICE, spare.address)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumDepartmentExists")
        .withArgs(POLICE.id);
      const orphan = { ...SOCIAL, parent: SOCIAL.id };
      await expect(c.propose(Action.Admit, payload.admit(orphan, spare.address)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidProfile")
        .withArgs(SOCIAL.id);
      const badCode = { ...SOCIAL, code: code("OTHER") };
      await expect(c.propose(Action.Admit, payload.admit(badCode, spare.address)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidProfile")
        .withArgs(SOCIAL.id);
      await expect(c.propose(Action.Admit, payload.admit(SOCIAL, policeOp.address)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumOperatorExists")
        .withArgs(policeOp.address, POLICE.id);
      await expect(c.propose(Action.Admit, payload.admit(SOCIAL, ethers.ZeroAddress))).to.be.revertedWithCustomError(
        consortium,
        "ConsortiumZeroAddress",
      );
      expect(await consortium.proposalCount()).to.equal(0);
    });

    it("re-checks at execution: the second of two proposals admitting the same id fails", async function () {
      const { consortium, bureauAdmin, policeOp, healthOp, spare, outsider } = await loadFixture(foundedFixture);
      await consortium.connect(bureauAdmin).propose(Action.Admit, payload.admit(SOCIAL, spare.address));
      await consortium.connect(policeOp).propose(Action.Admit, payload.admit(SOCIAL, outsider.address));
      await consortium.connect(healthOp).approve(1);
      await expect(consortium.connect(healthOp).approve(2))
        .to.be.revertedWithCustomError(consortium, "ConsortiumDepartmentExists")
        .withArgs(SOCIAL.id);
      expect((await consortium.proposal(2)).executed).to.equal(false);
      expect(await consortium.hasApproved(2, HEALTH.id)).to.equal(false);
    });
  });

  describe("Suspend and Reinstate", function () {
    it("suspends a council department: it loses its vote and its operators can no longer act", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium, healthOp, healthAdmin } = f;
      await consortium.connect(f.bureauAdmin).propose(Action.Suspend, payload.department(HEALTH.id));
      await expect(consortium.connect(f.policeOp).approve(1))
        .to.emit(consortium, "DepartmentSuspended")
        .withArgs(HEALTH.id, 1)
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.Suspend);
      expect((await consortium.department(HEALTH.id)).status).to.equal(Status.Suspended);
      expect(await consortium.isActive(HEALTH.id)).to.equal(false);
      expect(await consortium.isCouncilMember(HEALTH.id)).to.equal(false);
      expect(await consortium.councilSeats()).to.equal(2);
      expect(await consortium.requiredApprovals()).to.equal(2);
      expect(await consortium.activeDepartmentOf(healthOp)).to.equal(ethers.ZeroHash);
      expect(await consortium.operatorOf(healthOp)).to.deep.equal([HEALTH.id, false]);
      for (const who of [healthOp, healthAdmin]) {
        expect(await consortium.transactionAllowed(who, ethers.ZeroAddress, 0, 0, 0, "0x")).to.equal(false);
      }
    });

    it("reinstates a suspended department with its seat", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium, healthOp } = f;
      await councilDecides(f, Action.Suspend, payload.department(HEALTH.id));
      await consortium.connect(f.bureauAdmin).propose(Action.Reinstate, payload.department(HEALTH.id));
      await expect(consortium.connect(f.policeOp).approve(2))
        .to.emit(consortium, "DepartmentReinstated")
        .withArgs(HEALTH.id, 2)
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(2, Action.Reinstate);
      expect(await consortium.councilSeats()).to.equal(3);
      expect(await consortium.activeDepartmentOf(healthOp)).to.equal(HEALTH.id);
      expect(await consortium.transactionAllowed(healthOp, ethers.ZeroAddress, 0, 0, 0, "0x")).to.equal(true);
    });

    it("suspends and reinstates a department without a seat, leaving the seat count alone", async function () {
      const f = await loadFixture(foundedFixture);
      await councilDecides(f, Action.Suspend, payload.department(CITY.id));
      expect(await f.consortium.councilSeats()).to.equal(3);
      expect(await f.consortium.activeDepartmentOf(f.cityOp)).to.equal(ethers.ZeroHash);
      await councilDecides(f, Action.Reinstate, payload.department(CITY.id));
      expect(await f.consortium.councilSeats()).to.equal(3);
      expect(await f.consortium.activeDepartmentOf(f.cityOp)).to.equal(CITY.id);
    });

    it("refuses unknown departments and wrong statuses", async function () {
      const f = await loadFixture(foundedFixture);
      const c = f.consortium.connect(f.bureauAdmin);
      for (const action of [Action.Suspend, Action.Reinstate]) {
        await expect(c.propose(action, payload.department(SOCIAL.id)))
          .to.be.revertedWithCustomError(f.consortium, "ConsortiumUnknownDepartment")
          .withArgs(SOCIAL.id);
      }
      await expect(c.propose(Action.Reinstate, payload.department(CITY.id)))
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumInvalidDepartmentStatus")
        .withArgs(CITY.id, Status.Active);
      await councilDecides(f, Action.Suspend, payload.department(CITY.id));
      await expect(c.propose(Action.Suspend, payload.department(CITY.id)))
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumInvalidDepartmentStatus")
        .withArgs(CITY.id, Status.Suspended);
    });

    it("re-checks at execution: a second suspension of the same department fails", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium } = f;
      await consortium.connect(f.bureauAdmin).propose(Action.Suspend, payload.department(CITY.id));
      await consortium.connect(f.policeOp).propose(Action.Suspend, payload.department(CITY.id));
      await consortium.connect(f.healthOp).approve(1);
      await expect(consortium.connect(f.healthOp).approve(2))
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidDepartmentStatus")
        .withArgs(CITY.id, Status.Suspended);
    });

    it("refuses to suspend the last active seat holder", async function () {
      const { consortium, bureauAdmin } = await loadFixture(singleSeatFixture);
      await expect(consortium.connect(bureauAdmin).propose(Action.Suspend, payload.department(BUREAU.id)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidSeatChange")
        .withArgs(BUREAU.id, false);
    });
  });

  describe("GrantSeat and RevokeSeat", function () {
    it("grants a seat", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium } = f;
      await consortium.connect(f.bureauAdmin).propose(Action.GrantSeat, payload.department(CITY.id));
      await expect(consortium.connect(f.policeOp).approve(1))
        .to.emit(consortium, "CouncilSeatChanged")
        .withArgs(CITY.id, true, 1)
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.GrantSeat);
      expect(await consortium.isCouncilMember(CITY.id)).to.equal(true);
      expect(await consortium.councilSeats()).to.equal(4);
      expect(await consortium.requiredApprovals()).to.equal(3);
      await expect(consortium.connect(f.cityOp).propose(Action.SetQuorum, payload.quorum(6000))).to.emit(
        consortium,
        "ProposalCreated",
      );
    });

    it("revokes a seat", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium } = f;
      await consortium.connect(f.bureauAdmin).propose(Action.RevokeSeat, payload.department(HEALTH.id));
      await expect(consortium.connect(f.healthOp).approve(1))
        .to.emit(consortium, "CouncilSeatChanged")
        .withArgs(HEALTH.id, false, 1)
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.RevokeSeat);
      expect(await consortium.isCouncilMember(HEALTH.id)).to.equal(false);
      expect(await consortium.isActive(HEALTH.id)).to.equal(true);
      expect(await consortium.councilSeats()).to.equal(2);
      await expect(consortium.connect(f.healthOp).propose(Action.SetQuorum, payload.quorum(6000)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
        .withArgs(f.healthOp.address, Roles.COUNCIL_MEMBER);
    });

    it("revokes the seat of a suspended department without counting it twice", async function () {
      const f = await loadFixture(foundedFixture);
      await councilDecides(f, Action.Suspend, payload.department(HEALTH.id));
      expect(await f.consortium.councilSeats()).to.equal(2);
      await councilDecides(f, Action.RevokeSeat, payload.department(HEALTH.id));
      expect(await f.consortium.councilSeats()).to.equal(2);
      await councilDecides(f, Action.Reinstate, payload.department(HEALTH.id));
      expect(await f.consortium.councilSeats()).to.equal(2);
      expect(await f.consortium.isCouncilMember(HEALTH.id)).to.equal(false);
    });

    it("refuses no-op changes, unknown and suspended departments", async function () {
      const f = await loadFixture(foundedFixture);
      const c = f.consortium.connect(f.bureauAdmin);
      await expect(c.propose(Action.GrantSeat, payload.department(POLICE.id)))
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumInvalidSeatChange")
        .withArgs(POLICE.id, true);
      await expect(c.propose(Action.RevokeSeat, payload.department(CITY.id)))
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumInvalidSeatChange")
        .withArgs(CITY.id, false);
      for (const action of [Action.GrantSeat, Action.RevokeSeat]) {
        await expect(c.propose(action, payload.department(SOCIAL.id)))
          .to.be.revertedWithCustomError(f.consortium, "ConsortiumUnknownDepartment")
          .withArgs(SOCIAL.id);
      }
      await councilDecides(f, Action.Suspend, payload.department(CITY.id));
      await expect(c.propose(Action.GrantSeat, payload.department(CITY.id)))
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumInvalidDepartmentStatus")
        .withArgs(CITY.id, Status.Suspended);
    });

    it("refuses to revoke the last seat", async function () {
      const { consortium, bureauAdmin } = await loadFixture(singleSeatFixture);
      await expect(consortium.connect(bureauAdmin).propose(Action.RevokeSeat, payload.department(BUREAU.id)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidSeatChange")
        .withArgs(BUREAU.id, false);
    });

    it("revoking two of two seats: the second cannot execute, its proposer having lost its seat", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium } = f;
      await councilDecides(f, Action.RevokeSeat, payload.department(HEALTH.id)); // 2 seats left: BUREAU, POLICE
      await consortium.connect(f.bureauAdmin).propose(Action.RevokeSeat, payload.department(POLICE.id));
      await consortium.connect(f.policeOp).propose(Action.RevokeSeat, payload.department(BUREAU.id));
      await consortium.connect(f.policeOp).approve(2); // POLICE loses its seat
      expect(await consortium.councilSeats()).to.equal(1);
      // BUREAU is the last seat, and POLICE's pending proposal to revoke it died with POLICE's seat.
      await expect(consortium.connect(f.bureauAdmin).approve(3))
        .to.be.revertedWithCustomError(consortium, "ConsortiumProposerWithoutSeat")
        .withArgs(3, POLICE.id);
    });
  });

  describe("nodes (the source of Besu's nodes allowlist)", function () {
    const ENODE = `enode://${"ab".repeat(64)}@10.0.0.2:30303`;

    itIsPublishedByTheDepartmentsAdminOnly({
      what: "register and replace its node",
      event: "NodeRegistered",
      value: ENODE,
      moved: ENODE.replace("10.0.0.2", "10.0.0.9"),
      publish: (consortium, value) => consortium.registerNode(value),
      read: (consortium, departmentId) => consortium.nodeOf(departmentId),
    });

    it("refuses what is not an enode URL of at most 256 bytes", async function () {
      const { consortium, policeAdmin } = await loadFixture(foundedFixture);
      for (const bad of ["", "enode://", "http://10.0.0.2:30303", `enode://${"a".repeat(249)}`]) {
        await expect(consortium.connect(policeAdmin).registerNode(bad))
          .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidEnode")
          .withArgs(bad);
      }
      await expect(consortium.connect(policeAdmin).registerNode(`enode://${"a".repeat(248)}`)).to.emit(
        consortium,
        "NodeRegistered",
      );
    });

    it("lets the council clear a department's node", async function () {
      const f = await loadFixture(foundedFixture);
      await f.consortium.connect(f.cityAdmin).registerNode(ENODE);
      await f.consortium.connect(f.bureauAdmin).propose(Action.ClearNode, payload.department(CITY.id));
      await expect(f.consortium.connect(f.policeOp).approve(1))
        .to.emit(f.consortium, "NodeCleared")
        .withArgs(CITY.id, 1)
        .and.to.emit(f.consortium, "ProposalExecuted")
        .withArgs(1, Action.ClearNode);
      expect(await f.consortium.nodeOf(CITY.id)).to.equal("");
    });

    it("refuses to clear a node that is not registered, at propose time and again at execution", async function () {
      const f = await loadFixture(foundedFixture);
      await expect(f.consortium.connect(f.bureauAdmin).propose(Action.ClearNode, payload.department(CITY.id)))
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumNoNode")
        .withArgs(CITY.id);
      await f.consortium.connect(f.cityAdmin).registerNode(ENODE);
      await f.consortium.connect(f.bureauAdmin).propose(Action.ClearNode, payload.department(CITY.id));
      await f.consortium.connect(f.policeOp).propose(Action.ClearNode, payload.department(CITY.id));
      await f.consortium.connect(f.healthOp).approve(1);
      await expect(f.consortium.connect(f.healthOp).approve(2))
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumNoNode")
        .withArgs(CITY.id);
    });
  });

  describe("SetQuorum and SetReplyDeadline", function () {
    it("accepts the bounds", async function () {
      const { consortium, bureauAdmin } = await loadFixture(singleSeatFixture);
      for (const bps of [10000, 5000]) {
        const id = (await consortium.proposalCount()) + 1n;
        await expect(consortium.connect(bureauAdmin).propose(Action.SetQuorum, payload.quorum(bps)))
          .to.emit(consortium, "QuorumChanged")
          .withArgs(bps, id);
        expect(await consortium.quorumBps()).to.equal(bps);
      }
      // Working days: one, and a year's (about 250).
      for (const s of [1n, 250n]) {
        const id = (await consortium.proposalCount()) + 1n;
        await expect(consortium.connect(bureauAdmin).propose(Action.SetReplyDeadline, payload.replyDeadline(s)))
          .to.emit(consortium, "ReplyDeadlineChanged")
          .withArgs(s, id);
        expect(await consortium.replyDeadline()).to.equal(s);
      }
    });

    it("refuses values out of range", async function () {
      const { consortium, bureauAdmin } = await loadFixture(singleSeatFixture);
      const c = consortium.connect(bureauAdmin);
      for (const bps of [0, 4999, 10001]) {
        await expect(c.propose(Action.SetQuorum, payload.quorum(bps)))
          .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidQuorum")
          .withArgs(bps);
      }
      for (const s of [0n, 251n, 14n * DAY]) {
        await expect(c.propose(Action.SetReplyDeadline, payload.replyDeadline(s)))
          .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidReplyDeadline")
          .withArgs(s);
      }
    });
  });

  describe("SetObjectionAnswerDeadline", function () {
    it("sets the objection answer deadline once the quorum approves, leaving the reply deadline alone", async function () {
      const { consortium, bureauAdmin, policeOp } = await loadFixture(foundedFixture);
      const data = payload.objectionAnswerDeadline(5n);
      const tx = await consortium.connect(bureauAdmin).propose(Action.SetObjectionAnswerDeadline, data);
      const block = await ethers.provider.getBlock((await tx.wait())!.blockNumber);
      const expiresAt = BigInt(block!.timestamp) + PROPOSAL_LIFETIME;
      await expect(tx)
        .to.emit(consortium, "ProposalCreated")
        .withArgs(1, BUREAU.id, Action.SetObjectionAnswerDeadline, data, expiresAt)
        .and.to.emit(consortium, "ProposalApproved")
        .withArgs(1, BUREAU.id, 1, 2)
        .and.not.to.emit(consortium, "ObjectionAnswerDeadlineChanged");
      expect(await consortium.objectionAnswerDeadline()).to.equal(DEFAULT_OBJECTION_ANSWER_DEADLINE);
      await expect(consortium.connect(policeOp).approve(1))
        .to.emit(consortium, "ProposalApproved")
        .withArgs(1, POLICE.id, 2, 2)
        .and.to.emit(consortium, "ObjectionAnswerDeadlineChanged")
        .withArgs(5n, 1)
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.SetObjectionAnswerDeadline);
      expect(await consortium.objectionAnswerDeadline()).to.equal(5n);
      expect(await consortium.replyDeadline()).to.equal(DEFAULT_REPLY_DEADLINE);
    });

    it("accepts the bounds, one working day and a year's", async function () {
      const { consortium, bureauAdmin } = await loadFixture(singleSeatFixture);
      for (const s of [1n, 250n]) {
        const id = (await consortium.proposalCount()) + 1n;
        await expect(
          consortium
            .connect(bureauAdmin)
            .propose(Action.SetObjectionAnswerDeadline, payload.objectionAnswerDeadline(s)),
        )
          .to.emit(consortium, "ObjectionAnswerDeadlineChanged")
          .withArgs(s, id);
        expect(await consortium.objectionAnswerDeadline()).to.equal(s);
      }
    });

    it("refuses values out of range", async function () {
      const { consortium, bureauAdmin } = await loadFixture(singleSeatFixture);
      for (const s of [0n, 251n, 14n * DAY]) {
        await expect(
          consortium
            .connect(bureauAdmin)
            .propose(Action.SetObjectionAnswerDeadline, payload.objectionAnswerDeadline(s)),
        )
          .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidObjectionAnswerDeadline")
          .withArgs(s);
      }
      expect(await consortium.objectionAnswerDeadline()).to.equal(DEFAULT_OBJECTION_ANSWER_DEADLINE);
    });

    it("refuses a proposal from anyone but an operator of an active seat-holding department", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium, outsider, cityAdmin, cityOp, healthAdmin } = f;
      // Suspend HEALTH: its seat no longer counts and its operators may not propose.
      await councilDecides(f, Action.Suspend, payload.department(HEALTH.id));
      for (const who of [outsider, cityAdmin, cityOp, healthAdmin]) {
        await expect(
          consortium.connect(who).propose(Action.SetObjectionAnswerDeadline, payload.objectionAnswerDeadline(5n)),
        )
          .to.be.revertedWithCustomError(consortium, "ConsortiumUnauthorizedAccount")
          .withArgs(who.address, Roles.COUNCIL_MEMBER);
      }
    });
  });

  describe("Call", function () {
    it("calls a registered module as the consortium", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium, module } = f;
      const data = payload.call(await module.getAddress(), module.interface.encodeFunctionData("record", [42]));
      await consortium.connect(f.bureauAdmin).propose(Action.Call, data);
      expect(await module.calls(42)).to.equal(0);
      await expect(consortium.connect(f.healthOp).approve(1))
        .to.emit(module, "CouncilCalled")
        .withArgs(await consortium.getAddress(), 42)
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.Call);
      expect(await module.calls(42)).to.equal(1);
      expect(await module.lastCaller()).to.equal(await consortium.getAddress());
    });

    it("refuses a module that is not registered", async function () {
      const f = await loadFixture(foundedFixture);
      const other = await ethers.deployContract("ConsortiumModuleMock", [await f.consortium.getAddress()]);
      const target = await other.getAddress();
      await expect(
        f.consortium
          .connect(f.bureauAdmin)
          .propose(Action.Call, payload.call(target, other.interface.encodeFunctionData("record", [1]))),
      )
        .to.be.revertedWithCustomError(f.consortium, "ConsortiumUnknownModule")
        .withArgs(target);
    });

    it("reverts with the module's revert data when the call fails", async function () {
      const { consortium, module, bureauAdmin } = await loadFixture(singleSeatFixture);
      const moduleAddress = await module.getAddress();
      const failing = module.interface.encodeFunctionData("fail", [7]);
      const reason = module.interface.encodeErrorResult("ModuleMockFailed", [7]);
      await expect(consortium.connect(bureauAdmin).propose(Action.Call, payload.call(moduleAddress, failing)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumCallFailed")
        .withArgs(moduleAddress, reason);
      const silent = module.interface.encodeFunctionData("failSilently");
      await expect(consortium.connect(bureauAdmin).propose(Action.Call, payload.call(moduleAddress, silent)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumCallFailed")
        .withArgs(moduleAddress, "0x");
      expect(await consortium.proposalCount()).to.equal(0);
    });
  });

  describe("malformed payloads", function () {
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const word = (n: bigint | number) => coder.encode(["uint256"], [n]);
    const someAdmin = "0x00000000000000000000000000000000000000a1";
    const admit = payload.admit(SOCIAL, someAdmin);
    /** Replaces the 32-byte word at byte offset `at` of `hex`. */
    const patch = (hex: string, at: number, value: bigint | number) =>
      hex.slice(0, 2 + at * 2) + word(value).slice(2) + hex.slice(2 + at * 2 + 64);
    const bytes = (hex: string) => (hex.length - 2) / 2;
    const tuple = 64; // the profile tuple starts after the (offset, admin) head
    const callData = payload.call(someAdmin, "0x1234");

    const cases: [string, number, string][] = [
      ["an empty Admit", Action.Admit, "0x"],
      ["an Admit with a dirty admin address", Action.Admit, patch(admit, 32, 2n ** 160n)],
      ["an Admit whose profile lies outside the payload", Action.Admit, patch(admit, 0, 2n ** 64n)],
      ["an Admit cut inside the profile head", Action.Admit, admit.slice(0, 2 + (tuple + 200) * 2)],
      ["an Admit with level 5", Action.Admit, patch(admit, tuple + 32, 5)],
      ["an Admit with a region code above uint32", Action.Admit, patch(admit, tuple + 64, 2n ** 32n)],
      ["an Admit with councilSeat 2", Action.Admit, patch(admit, tuple + 128, 2)],
      ["an Admit whose code offset points outside", Action.Admit, patch(admit, tuple + 160, 10_000)],
      [
        "an Admit whose name starts too close to the end",
        Action.Admit,
        patch(admit, tuple + 192, bytes(admit) - tuple - 16),
      ],
      [
        "an Admit whose name length is the payload's last word",
        Action.Admit,
        patch(admit, tuple + 192, bytes(admit) - tuple - 32),
      ],
      ["an Admit whose name is longer than the payload", Action.Admit, admit.slice(0, admit.length - 64)],
      ["a Call with a short payload", Action.Call, word(1)],
      ["a Call with a dirty module address", Action.Call, patch(callData, 0, 2n ** 160n + 1n)],
      ["a Call whose data offset points outside", Action.Call, patch(callData, 32, 2n ** 255n)],
      ["a Call whose data is longer than the payload", Action.Call, patch(callData, 64, 33)],
      ["a SetQuorum above uint16", Action.SetQuorum, word(2n ** 16n)],
      ["a SetQuorum of 64 bytes", Action.SetQuorum, payload.quorum(6000) + "00".repeat(32)],
      ["a SetReplyDeadline above uint64", Action.SetReplyDeadline, word(2n ** 64n)],
      ["a SetObjectionAnswerDeadline above uint64", Action.SetObjectionAnswerDeadline, word(2n ** 64n)],
      [
        "a SetObjectionAnswerDeadline of 64 bytes",
        Action.SetObjectionAnswerDeadline,
        payload.objectionAnswerDeadline(5n) + "00".repeat(32),
      ],
      ["a Suspend of 31 bytes", Action.Suspend, "0x" + "11".repeat(31)],
      ["a Reinstate of 33 bytes", Action.Reinstate, "0x" + "11".repeat(33)],
      ["an empty GrantSeat", Action.GrantSeat, "0x"],
      ["a RevokeSeat of 64 bytes", Action.RevokeSeat, "0x" + "11".repeat(64)],
      ["a ClearNode of 31 bytes", Action.ClearNode, "0x" + "11".repeat(31)],
      ["a ClearEndpoint of 33 bytes", Action.ClearEndpoint, "0x" + "11".repeat(33)],
    ];
    for (const [what, action, data] of cases) {
      it(`refuses ${what}`, async function () {
        const { consortium, bureauAdmin } = await loadFixture(singleSeatFixture);
        await expect(consortium.connect(bureauAdmin).propose(action, data))
          .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidPayload")
          .withArgs(action);
      });
    }

    it("accepts a well-formed Admit with trailing bytes", async function () {
      const { consortium, bureauAdmin } = await loadFixture(singleSeatFixture);
      await expect(consortium.connect(bureauAdmin).propose(Action.Admit, admit + "00".repeat(32)))
        .to.emit(consortium, "DepartmentAdmitted")
        .withArgs(SOCIAL.id, SOCIAL.parent, SOCIAL.level, SOCIAL.regionCode, false, SOCIAL.code, SOCIAL.name);
    });
  });

  describe("transactionAllowed (Besu account permissioning)", function () {
    it("allows operators of active departments only", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium } = f;
      const allowed = (who: HardhatEthersSigner) =>
        consortium.transactionAllowed(who, consortium, 1, 1, 100_000, "0xdeadbeef");
      for (const who of [f.bureauAdmin, f.bureauOp, f.cityAdmin, f.cityOp]) expect(await allowed(who)).to.equal(true);
      for (const who of [f.outsider, f.deployer]) expect(await allowed(who)).to.equal(false);
      await councilDecides(f, Action.Suspend, payload.department(CITY.id));
      expect(await allowed(f.cityOp)).to.equal(false);
      await councilDecides(f, Action.Reinstate, payload.department(CITY.id));
      expect(await allowed(f.cityOp)).to.equal(true);
      await consortium.connect(f.cityAdmin).removeOperator(f.cityOp);
      expect(await allowed(f.cityOp)).to.equal(false);
    });
  });

  describe("views", function () {
    it("answer zero for unknown departments, accounts and proposals", async function () {
      const { consortium, outsider } = await loadFixture(foundedFixture);
      const d = await consortium.department(SOCIAL.id);
      expect(d.status).to.equal(Status.None);
      expect(d.parent).to.equal(ethers.ZeroHash);
      expect(await consortium.isActive(SOCIAL.id)).to.equal(false);
      expect(await consortium.isCouncilMember(SOCIAL.id)).to.equal(false);
      expect(await consortium.activeDepartmentOf(outsider)).to.equal(ethers.ZeroHash);
      expect(await consortium.operatorOf(outsider)).to.deep.equal([ethers.ZeroHash, false]);
      expect((await consortium.proposal(9)).proposer).to.equal(ethers.ZeroHash);
      expect(await consortium.hasApproved(9, BUREAU.id)).to.equal(false);
    });

    it("activeDepartmentOfAndIsActive answers activeDepartmentOf and isActive in one call", async function () {
      const f = await loadFixture(foundedFixture);
      const { consortium, cityOp, healthOp, outsider } = f;
      expect(await consortium.activeDepartmentOfAndIsActive(cityOp, CITY.id)).to.deep.equal([CITY.id, true]);
      expect(await consortium.activeDepartmentOfAndIsActive(cityOp, HEALTH.id)).to.deep.equal([CITY.id, true]);
      expect(await consortium.activeDepartmentOfAndIsActive(cityOp, SOCIAL.id)).to.deep.equal([CITY.id, false]);
      expect(await consortium.activeDepartmentOfAndIsActive(outsider, CITY.id)).to.deep.equal([ethers.ZeroHash, true]);
      await councilDecides(f, Action.Suspend, payload.department(HEALTH.id));
      // A suspended department: its operators act for no department, and it is not active as the other party.
      expect(await consortium.activeDepartmentOfAndIsActive(healthOp, CITY.id)).to.deep.equal([ethers.ZeroHash, true]);
      expect(await consortium.activeDepartmentOfAndIsActive(cityOp, HEALTH.id)).to.deep.equal([CITY.id, false]);
      for (const account of [cityOp, healthOp, outsider]) {
        for (const department of [CITY.id, HEALTH.id, SOCIAL.id]) {
          expect(await consortium.activeDepartmentOfAndIsActive(account, department)).to.deep.equal([
            await consortium.activeDepartmentOf(account),
            await consortium.isActive(department),
          ]);
        }
      }
    });
  });
});
