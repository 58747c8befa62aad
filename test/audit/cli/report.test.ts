import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { isoTime } from "../../../scripts/audit/time";
import { anchor, audit, loadWorld, registerPersonal, requestAgreement, writeReceipts } from "./world";
import { CALL } from "../../support/system";
import { encodeCallPayload } from "../../../core/council/proposals";
import { cstDateOf } from "../../../core/calendar/working-days";

const STATUTORY_DUTY = 1;
type Card = {
  rank: number;
  name: string;
  requestsReceived: number;
  requestsMade: number;
  approvals: number;
  repliesPastDeadline: number;
  overdue: number;
  grants: number;
  consentsRecorded: number;
  consentsWithdrawn: number;
  resourcesByShareType: Record<string, number>;
  deliveries: number;
  denialsByReason: Record<string, number>;
};
type QualityCard = {
  name: string;
  demandsPublished: number;
  demandsOpen: number;
  responsibilitiesAssigned: number;
  responsibilitiesFulfilledOnTime: number;
  responsibilitiesFulfilledLate: number;
  responsibilitiesOverdue: number;
  objectionsReceived: number;
  objectionsRaised: number;
  objectionsAnsweredOnTime: number;
  objectionsCorrected: number;
  objectionsDisputed: number;
  objectionsOverdue: number;
};
type Scorecard = {
  departments: (Card & QualityCard)[];
  overdue: { agreementId: string; escalated: boolean; deadlineDate: string; workingDaysAllowed: number | null }[];
  overdueResponsibilities: { demandId: string; dueDate: string | null; workingDaysAllowed: number | null }[];
  overdueObjections: { objectionId: string; answerDeadlineDate: string; workingDaysAllowed: number | null }[];
};
const byName = (data: Scorecard, fragment: string) => data.departments.find((d) => d.name.includes(fragment))!;

describe("audit report", function () {
  it("scores every department, ranks the one past its reply deadline last and lists the overdue request", async function () {
    const w = await loadWorld();
    const health = await registerPersonal(w.s, "health", "health-card", ["idNumber", "bloodType"]);
    const overdue = await requestAgreement(w.s, "gz-civil-affairs", health, STATUTORY_DUTY, 0b01n);
    await time.increaseTo((await w.s.agreements.agreement(overdue)).replyDeadline + 1n);

    const outcome = await audit(w, ["report"]);

    expect(outcome.code).to.equal(0);
    const data = outcome.json.data as unknown as Scorecard;
    expect(data.departments).to.have.length(5);
    const healthCard = byName(data, "Health Commission");
    expect(healthCard).to.include({ requestsReceived: 1, repliesPastDeadline: 1, overdue: 1, rank: 5 });
    expect(byName(data, "Public Security")).to.include({
      requestsReceived: 1,
      approvals: 1,
      repliesPastDeadline: 0,
      rank: 1,
    });
    expect(byName(data, "Public Security").resourcesByShareType).to.deep.equal({ conditional: 1 });
    expect(byName(data, "Civil Affairs")).to.include({
      requestsMade: 2,
      grants: 1,
      consentsRecorded: 1,
      consentsWithdrawn: 0,
    });
    expect(data.overdue.map((o) => [o.agreementId, o.escalated])).to.deep.equal([[String(overdue), false]]);
    // Ten working days (the council's default) on the calendar the chain published.
    expect(data.overdue[0].workingDaysAllowed).to.equal(10);
    expect(data.overdue[0].deadlineDate).to.match(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("counts a withdrawal for the department that recorded the consent, not the one that withdrew it", async function () {
    const w = await loadWorld();
    // The subject asks the health commission, which withdraws the consent civil affairs recorded.
    await w.s.consents.connect(w.s.operators.health).withdraw(w.consentKey, ethers.id("withdrawal request"));

    const outcome = await audit(w, ["report"]);

    expect(outcome.code).to.equal(0);
    const data = outcome.json.data as unknown as Scorecard;
    expect(byName(data, "Civil Affairs")).to.include({ consentsRecorded: 1, consentsWithdrawn: 1 });
    expect(byName(data, "Health Commission")).to.include({ consentsRecorded: 0, consentsWithdrawn: 0 });
  });

  it("counts demands, responsibilities and objections per department, and lists the overdue ones", async function () {
    const w = await loadWorld();
    const { s, civil } = w;
    const hrss = s.operators.hrss;
    const hrssResource = await registerPersonal(s, "hrss", "pension-payments", ["idNumber", "pensionStatus"]);
    const healthResource = await registerPersonal(s, "health", "health-card", ["idNumber", "bloodType"]);
    const assign = async (demandId: bigint, department: string, workingDays: number) => {
      const call = s.demands.interface.encodeFunctionData("assign", [
        demandId,
        s.departments[department].id,
        workingDays,
      ]);
      await s.consortium
        .connect(s.operators["data-bureau"])
        .propose(CALL, encodeCallPayload(await s.demands.getAddress(), call));
    };
    const publish = async () => {
      await s.demands.connect(civil).publish(JSON.stringify({ description: "a demand" }));
      return s.demands.demandCount();
    };
    await publish(); // stays open
    const fulfilled = await publish();
    await assign(fulfilled, "hrss", 10);
    await s.demands.connect(hrss).fulfil(fulfilled, hrssResource);
    const overdueDemand = await publish();
    await assign(overdueDemand, "health", 1);

    const raise = async (resourceId: string) => {
      await s.objections.connect(civil).raise(resourceId, 1n, "wrong values", ethers.id("evidence"));
      return s.objections.objectionCount();
    };
    await s.objections.connect(hrss).correct(await raise(hrssResource), ethers.id("note"));
    await s.objections.connect(hrss).dispute(await raise(hrssResource), ethers.id("reason"));
    const overdueObjection = await raise(healthResource);
    await time.increase(20 * 24 * 3600);

    const outcome = await audit(w, ["report"]);

    expect(outcome.code).to.equal(0);
    const data = outcome.json.data as unknown as Scorecard;
    expect(byName(data, "Civil Affairs")).to.include({
      demandsPublished: 3,
      demandsOpen: 1,
      objectionsRaised: 3,
      responsibilitiesAssigned: 0,
    });
    expect(byName(data, "Human Resources")).to.include({
      responsibilitiesAssigned: 1,
      responsibilitiesFulfilledOnTime: 1,
      responsibilitiesFulfilledLate: 0,
      responsibilitiesOverdue: 0,
      objectionsReceived: 2,
      objectionsAnsweredOnTime: 2,
      objectionsCorrected: 1,
      objectionsDisputed: 1,
      objectionsOverdue: 0,
    });
    expect(byName(data, "Health Commission")).to.include({
      responsibilitiesAssigned: 1,
      responsibilitiesOverdue: 1,
      objectionsReceived: 1,
      objectionsAnsweredOnTime: 0,
      objectionsOverdue: 1,
    });
    expect(data.overdueResponsibilities.map((d) => d.demandId)).to.deep.equal([String(overdueDemand)]);
    expect(data.overdueObjections.map((o) => o.objectionId)).to.deep.equal([String(overdueObjection)]);
    // Their deadlines as CST dates and the working days they allowed, on the calendar the chain published (the
    // council's one day for the responsibility, its default ten for the objection), as for the overdue requests.
    const dueAt = Number((await s.demands.demand(overdueDemand)).dueAt);
    const answerDeadline = Number((await s.objections.objection(overdueObjection)).answerDeadline);
    expect(data.overdueResponsibilities[0]).to.include({ dueDate: cstDateOf(dueAt), workingDaysAllowed: 1 });
    expect(data.overdueObjections[0]).to.include({
      answerDeadlineDate: cstDateOf(answerDeadline),
      workingDaysAllowed: 10,
    });
    const text = (await audit(w, ["report"], { json: false })).stdout;
    expect(text).to.include(`${isoTime(dueAt)} (end of ${cstDateOf(dueAt)} CST, 1 working day)`);
    expect(text).to.include(`${isoTime(answerDeadline)} (end of ${cstDateOf(answerDeadline)} CST, 10 working days)`);
  });

  it("counts deliveries and denials by reason from the receipts given, and reports their violations", async function () {
    const w = await loadWorld();
    const delivered = await w.receipts.next();
    const denied = await w.receipts.next({
      result: "denied",
      reason: "quota_exceeded",
      fieldMask: "0x0",
      responseHash: ethers.ZeroHash,
    });
    const outside = await w.receipts.next({ fieldMask: "0x2" });
    const file = writeReceipts(w, "all.json", await anchor(w, [delivered, denied, outside]));

    const outcome = await audit(w, ["report", "--receipts", file]);

    expect(outcome.code).to.equal(1);
    expect(byName(outcome.json.data as unknown as Scorecard, "Civil Affairs")).to.include({ deliveries: 2 });
    expect(byName(outcome.json.data as unknown as Scorecard, "Civil Affairs").denialsByReason).to.deep.equal({
      quota_exceeded: 1,
    });
    expect(outcome.json.violations.map((v) => [v.rule, v.receiptId])).to.deep.equal([
      ["field_outside_grant", outside.id],
    ]);
  });

  it("limits the scorecard to the period given by --from and --to", async function () {
    const w = await loadWorld();
    const before = await time.latest();
    await time.increase(3 * 24 * 3600);
    await registerPersonal(w.s, "hrss", "social-insurance-status", ["idNumber", "status"]);

    const early = (await audit(w, ["report", "--to", isoTime(before)])).json.data as unknown as Scorecard;
    const late = (await audit(w, ["report", "--from", isoTime(before + 1)])).json.data as unknown as Scorecard;

    expect(byName(early, "Human Resources").resourcesByShareType).to.deep.equal({});
    expect(byName(early, "Public Security").requestsReceived).to.equal(1);
    expect(byName(late, "Human Resources").resourcesByShareType).to.deep.equal({ conditional: 1 });
    expect(byName(late, "Public Security").requestsReceived).to.equal(0);
  });

  it("writes the scorecard as a single self-contained HTML page and as Markdown", async function () {
    const w = await loadWorld();
    const html = path.join(w.dir, "scorecard.html");
    const md = path.join(w.dir, "scorecard.md");

    expect((await audit(w, ["report", "--out", html], { json: false })).code).to.equal(0);
    expect((await audit(w, ["report", "--out", md], { json: false })).code).to.equal(0);

    const page = fs.readFileSync(html, "utf8");
    expect(page)
      .to.contain("<title>Supervision scorecard")
      .and.to.contain("Departments, ranked")
      .and.to.contain("广州市民政局");
    expect(page).not.to.match(/<script|<link|src=|href="http/);
    // No table too wide for a laptop screen or an A4 page; escalations are labelled as counted against the provider.
    const widths = [...page.matchAll(/<thead><tr>([\s\S]*?)<\/tr><\/thead>/g)].map((m) => m[1].split("<th").length - 1);
    expect(Math.max(...widths)).to.be.at.most(10);
    expect(page).to.contain("Departments, ranked: answering requests").and.to.contain("Departments, ranked: resources");
    expect(page).to.contain('<th scope="col">escalations against it (as provider)</th>');
    expect(fs.readFileSync(md, "utf8"))
      .to.match(/^# Supervision scorecard/)
      .and.to.contain("| rank | department |")
      .and.not.to.match(/^\|\s*\|\s*\|$/m);
  });

  it("refuses (exit 2) a date it cannot read and an --out it cannot write", async function () {
    const w = await loadWorld();
    expect((await audit(w, ["report", "--from", "last tuesday"])).stderr).to.contain(
      '--from "last tuesday" is not a date',
    );
    const bad = await audit(w, ["report", "--out", path.join(w.dir, "report.pdf")]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain("must end in .md or .html");
  });
});
