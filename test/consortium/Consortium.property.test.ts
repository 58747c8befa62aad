import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Action, councilFixture, payload } from "./fixtures";

/** One fixture per council size, created once so that loadFixture can snapshot each. */
const councils = [1, 2, 3, 4, 5].map((seats) => councilFixture(seats));

type Command =
  { kind: "propose"; dept: number; op: number } | { kind: "approve"; dept: number; op: number; pick: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant("propose" as const), dept: fc.nat(4), op: fc.nat(1) }),
  fc.record({ kind: fc.constant("approve" as const), dept: fc.nat(4), op: fc.nat(1), pick: fc.nat(1000) }),
);

/** The model of a proposal: which departments approved it and whether it executed. */
interface Model {
  approvers: Set<number>;
  executed: boolean;
}

describe("Consortium (properties)", function () {
  it("a proposal executes exactly when distinct approving departments reach requiredApprovals, never twice", async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(command, { minLength: 1, maxLength: 16 }),
        async (seats, commands) => {
          const { consortium, module, depts, operators } = await loadFixture(councils[seats - 1]);
          const moduleAddress = await module.getAddress();
          // The spec's formula at the default quorum of 5000 bps.
          const required = Math.min(seats, Math.floor((seats * 5000) / 10000) + 1);
          expect(await consortium.requiredApprovals()).to.equal(required);
          const proposals: Model[] = [];

          for (const c of commands) {
            const dept = c.dept % seats;
            const signer = operators[dept][c.op];
            if (c.kind === "propose") {
              // Each proposal calls the module with its own id as the tag, so executions are counted per proposal.
              const id = proposals.length + 1;
              const data = payload.call(moduleAddress, module.interface.encodeFunctionData("record", [id]));
              const executes = 1 >= required;
              const tx = consortium.connect(signer).propose(Action.Call, data);
              if (executes) await expect(tx).to.emit(consortium, "ProposalExecuted").withArgs(id, Action.Call);
              else await expect(tx).not.to.emit(consortium, "ProposalExecuted");
              proposals.push({ approvers: new Set([dept]), executed: executes });
            } else if (proposals.length === 0) {
              await expect(consortium.connect(signer).approve(1))
                .to.be.revertedWithCustomError(consortium, "ConsortiumUnknownProposal")
                .withArgs(1);
            } else {
              const id = (c.pick % proposals.length) + 1;
              const model = proposals[id - 1];
              const tx = consortium.connect(signer).approve(id);
              if (model.executed) {
                await expect(tx)
                  .to.be.revertedWithCustomError(consortium, "ConsortiumProposalAlreadyExecuted")
                  .withArgs(id);
              } else if (model.approvers.has(dept)) {
                await expect(tx)
                  .to.be.revertedWithCustomError(consortium, "ConsortiumAlreadyApproved")
                  .withArgs(id, depts[dept].id);
              } else {
                model.approvers.add(dept);
                model.executed = model.approvers.size >= required;
                await expect(tx)
                  .to.emit(consortium, "ProposalApproved")
                  .withArgs(id, depts[dept].id, model.approvers.size, required);
                if (model.executed) await expect(tx).to.emit(consortium, "ProposalExecuted").withArgs(id, Action.Call);
                else await expect(tx).not.to.emit(consortium, "ProposalExecuted");
              }
            }
          }

          expect(await consortium.proposalCount()).to.equal(proposals.length);
          for (const [i, model] of proposals.entries()) {
            const id = i + 1;
            const p = await consortium.proposal(id);
            expect(p.executed).to.equal(model.executed);
            expect(p.executed).to.equal(model.approvers.size >= required);
            expect(p.approvals).to.equal(model.approvers.size);
            expect(await module.calls(id)).to.equal(model.executed ? 1 : 0);
            for (let d = 0; d < seats; d++) {
              expect(await consortium.hasApproved(id, depts[d].id)).to.equal(model.approvers.has(d));
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
