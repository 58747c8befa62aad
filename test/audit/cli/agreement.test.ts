import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { audit, loadWorld, registerPersonal, requestAgreement } from "./world";

const STATUTORY_DUTY = 1;
type History = {
  statusNow: string;
  reply: {
    needed: boolean;
    answer: string | null;
    replySeconds: number | null;
    late: boolean;
    overdue: boolean;
    councilDecidedAt: number | null;
    deadlineDate: string | null;
    workingDaysAllowed: number | null;
    workingDaysLeft: number | null;
  };
  events: { event: string; details: string }[];
  grants: { grantId: string; statusNow: string }[];
};

describe("audit agreement", function () {
  it("rebuilds the agreement's history with its grants and the provider's reply time on time", async function () {
    const w = await loadWorld();
    await w.s.grants.connect(w.s.operators["public-security"]).pause(w.grantId);

    const outcome = await audit(w, ["agreement", String(w.agreementId)]);

    expect(outcome.code).to.equal(0);
    const data = outcome.json.data as unknown as History;
    expect(data.statusNow).to.equal("active");
    expect(data.events.map((e) => e.event)).to.deep.equal([
      "AgreementRequested",
      "AgreementSealed",
      "AgreementApproved",
      "AgreementActivated",
      "GrantIssued",
      "GrantPaused",
    ]);
    expect(data.reply).to.include({ needed: true, answer: "approved", late: false, overdue: false });
    expect(data.reply.replySeconds).to.be.a("number");
    expect(data.grants.map((g) => [g.grantId, g.statusNow])).to.deep.equal([[String(w.grantId), "paused"]]);
    expect(data.events[5].details).to.contain("paused by 广东省公安厅");
  });

  it("shows a request left unanswered past the deadline, its escalation and the council's decision", async function () {
    const w = await loadWorld();
    const health = await registerPersonal(w.s, "health", "health-card", ["idNumber", "bloodType"]);
    const id = await requestAgreement(w.s, "gz-civil-affairs", health, STATUTORY_DUTY, 0b01n);
    await time.increaseTo((await w.s.agreements.agreement(id)).replyDeadline + 1n);
    await w.s.agreements.connect(w.civil).escalate(id);
    const decide = w.s.agreements.interface.encodeFunctionData("councilDecide", [
      id,
      false,
      ethers.id("no legal basis"),
    ]);
    const payload = ethers.AbiCoder.defaultAbiCoder().encode(
      ["address", "bytes"],
      [await w.s.agreements.getAddress(), decide],
    );
    await w.s.consortium.connect(w.s.operators["data-bureau"]).propose(7, payload);

    const outcome = await audit(w, ["agreement", String(id)], { json: false });
    const json = (await audit(w, ["agreement", String(id)])).json.data as unknown as History;

    expect(outcome.code).to.equal(0);
    expect(json.statusNow).to.equal("rejected");
    expect(json.reply).to.include({ answer: null, late: true, overdue: false });
    // Ten working days (the council's default) on the calendar the chain published; none left once escalated.
    expect(json.reply).to.include({ workingDaysAllowed: 10, workingDaysLeft: null });
    expect(json.reply.deadlineDate).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(outcome.stdout).to.contain(`end of ${json.reply.deadlineDate} CST, 10 working days after the request`);
    expect(json.reply.councilDecidedAt).to.be.a("number");
    expect(outcome.stdout).to.contain("escalated to the council by").and.to.contain("council decision: rejected");
    expect(outcome.stdout).to.contain("no answer from the provider; decided by the council");
  });

  it("refuses (exit 2) an agreement id that does not exist", async function () {
    const w = await loadWorld();
    const outcome = await audit(w, ["agreement", "99"]);
    expect(outcome.code).to.equal(2);
    expect(outcome.stderr).to.match(/^audit: agreement 99 does not exist on this chain/);
  });
});
