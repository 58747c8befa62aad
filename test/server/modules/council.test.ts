import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import request from "supertest";
import type { Response } from "supertest";
import { canonicalJson } from "../../../core/json/canonical-json";
import { makeOrganUscc } from "../../../core/identity/uscc";
import { syntheticResidentId } from "../support/gateway";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";

const DAY = 24 * 3600;
const CONDITIONAL = 1;
const PERIOD_DAY = 3;
const STATUTORY_DUTY = 1;
const AGREEMENT = { Active: 1n, Escalated: 3n, Suspended: 4n, Terminated: 5n };
const GRANT_PAUSED = 1n;
const PURPOSE = ethers.encodeBytes32String("minimum-living-allowance");

describe("Gateway: council proposals on the real Consortium", function () {
  let gw: LiveGateway;

  const id = (key: string) => gw.system.departments[key].id;
  const propose = (key: string, body: object, role: "council" | "operator" = "council") =>
    request(gw.app).post("/v1/council/proposals").set("Authorization", gw.bearer(key, role)).send(body);
  const approve = (key: string, proposalId: number | string) =>
    request(gw.app)
      .post(`/v1/council/proposals/${proposalId}/approvals`)
      .set("Authorization", gw.bearer(key, "council"))
      .send();
  const get = (path: string, key = "hrss") => request(gw.app).get(path).set("Authorization", gw.bearer(key));
  const expectStatus = (res: Response, status: number) => expect(res.status, res.text).to.equal(status);

  /** An agreement the provider left unanswered past the reply deadline and the consumer escalated, arranged on chain. */
  async function escalatedAgreement(code: string): Promise<bigint> {
    const s = gw.system;
    const metadata = canonicalJson({ code, fields: [{ name: "idNumber" }, { name: "bloodType" }] });
    await s.catalog.connect(s.operators.health).register(
      code,
      {
        shareType: CONDITIONAL,
        openType: 1,
        securityLevel: 1,
        personal: true,
        sensitive: false,
        itemCount: 2,
        legalBasis: ethers.ZeroHash,
      },
      metadata,
    );
    const resourceId = await s.catalog.resourceIdOf(id("health"), code);
    const now = await time.latest();
    await s.agreements.connect(s.operators["gz-civil-affairs"]).requestWithLegalReference(
      {
        resourceId,
        coConsumers: [],
        fieldMask: 0b11n,
        purpose: PURPOSE,
        legalBasis: STATUTORY_DUTY,
        validFrom: now,
        validUntil: now + 365 * DAY,
        quota: { calls: 1000, per: PERIOD_DAY },
        termsHash: ethers.id("service contract text"),
      },
      ethers.id("legal reference"),
    );
    const agreementId = await s.agreements.agreementCount();
    await time.increaseTo((await s.agreements.agreement(agreementId)).replyDeadline + 1n);
    await s.agreements.connect(s.operators["gz-civil-affairs"]).escalate(agreementId);
    expect(await s.agreements.agreementStatus(agreementId)).to.equal(AGREEMENT.Escalated);
    await gw.chain.indexer.catchUp();
    return agreementId;
  }

  before(async function () {
    gw = await startLiveGateway();
  });
  after(async function () {
    await gw?.stop();
  });

  it("refuses operator tokens (403) and council tokens of a department without a seat (403)", async function () {
    const body = { action: "set_quorum", quorumBps: 6000 };
    const operator = await propose("data-bureau", body, "operator");
    expectStatus(operator, 403);
    expect(operator.headers["content-type"]).to.match(/problem\+json/);
    const seatless = await propose("health", body);
    expectStatus(seatless, 403);
    expect(seatless.body.type).to.equal("https://kuajie.dev/problems/not_council_member");
    expectStatus(await approve("hrss", 1), 403);
    const auditor = await request(gw.app)
      .post("/v1/council/proposals")
      .set("Authorization", gw.bearer(null, "auditor"))
      .send(body);
    expectStatus(auditor, 403);
  });

  const cases: Array<[string, object, string]> = [
    [
      "a department code with a wrong check character",
      {
        action: "admit",
        department: { code: "11440000MB2C0009XX", name: "x", level: "city", regionCode: 440100 },
        admin: ethers.Wallet.createRandom().address,
      },
      "body.department.code",
    ],
    ["an unknown action", { action: "dissolve" }, "body.action"],
    ["a rejection without a reason", { action: "decide_agreement", agreementId: 1, approve: false }, "body.reason"],
    ["a quorum below half", { action: "set_quorum", quorumBps: 4000 }, "body.quorumBps"],
    [
      "an objection answer deadline of no working day",
      { action: "set_objection_answer_deadline", workingDays: 0 },
      "body.workingDays",
    ],
    [
      "an objection answer deadline above a year's working days",
      { action: "set_objection_answer_deadline", workingDays: 251 },
      "body.workingDays",
    ],
    ["a department id that is not bytes32", { action: "suspend", departmentId: "health" }, "body.departmentId"],
  ];
  for (const [what, body, field] of cases) {
    it(`refuses ${what} with 400 naming ${field}`, async function () {
      const res = await propose("data-bureau", body);
      expectStatus(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(field);
    });
  }

  it("admits a new department at once (the data bureau holds the only seat); it then appears among the members", async function () {
    const code = makeOrganUscc("440300", "MB2C00066");
    const admin = ethers.Wallet.createRandom().address;
    const res = await propose("data-bureau", {
      action: "admit",
      department: {
        code,
        name: "深圳市民政局 (Shenzhen Civil Affairs Bureau)",
        level: "city",
        regionCode: 440300,
        parent: id("data-bureau"),
      },
      admin,
    });
    expectStatus(res, 201);
    expect(res.body).to.include({ action: "admit", status: "executed", approvals: 1, required: 1 });
    expect(res.body.proposalId).to.be.a("number");
    expect(res.body.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(Date.parse(res.body.expiresAt)).to.be.greaterThan(Date.now() - 60_000);
    expect(res.body.details.department).to.include({ id: ethers.id(code), code, level: "city" });
    expect(res.body.approvedBy.map((a: { key: string }) => a.key)).to.deep.equal(["data-bureau"]);

    const members = await get("/v1/departments").expect(200);
    const admitted = members.body.items.find((d: { id: string }) => d.id === ethers.id(code));
    expect(admitted).to.include({ code, level: "city", regionCode: 440300, status: "active", council: false });

    const one = await get(`/v1/council/proposals/${res.body.proposalId}`).expect(200);
    expect(one.body).to.include({ proposalId: res.body.proposalId, status: "executed" });
    expect(one.body.block).to.be.at.least(res.body.createdBlock);

    // Admitting it again is refused by the contract, with its error decoded.
    const again = await propose("data-bureau", {
      action: "admit",
      department: { code, name: "again", level: "city", regionCode: 440300 },
      admin: ethers.Wallet.createRandom().address,
    });
    expectStatus(again, 422);
    expect(again.body).to.include({ errorName: "ConsortiumDepartmentExists" });
  });

  it("answers 404 for an unknown proposal and for revoke_consent of an unknown consent", async function () {
    await get("/v1/council/proposals/9999").expect(404);
    expectStatus(await approve("data-bureau", 9999), 404);
    expectStatus(await propose("data-bureau", { action: "revoke_consent", consentId: `0x${"ee".repeat(32)}` }), 404);
  });

  it("decides an escalated agreement, then suspends and resumes it, as council calls", async function () {
    const agreementId = await escalatedAgreement("health-card-1");
    const res = await propose("data-bureau", {
      action: "decide_agreement",
      agreementId: Number(agreementId),
      approve: true,
    });
    expectStatus(res, 201);
    expect(res.body).to.include({ action: "decide_agreement", status: "executed" });
    expect(res.body.details).to.deep.include({ contract: "SharingAgreements", method: "councilDecide" });
    expect(res.body.details.args).to.include({ agreementId: agreementId.toString(), approved: true });
    expect(await gw.system.agreements.agreementStatus(agreementId)).to.equal(AGREEMENT.Active);

    // Deciding it twice: the module refuses, and the answer names the module's own error.
    const twice = await propose("data-bureau", {
      action: "decide_agreement",
      agreementId: Number(agreementId),
      approve: true,
    });
    expectStatus(twice, 422);
    expect(twice.body.errorName).to.equal("ConsortiumCallFailed");
    expect(twice.body.args.moduleError.errorName).to.equal("SharingInvalidStatus");

    expectStatus(
      await propose("data-bureau", { action: "suspend_agreement", agreementId: agreementId.toString() }),
      201,
    );
    expect(await gw.system.agreements.agreementStatus(agreementId)).to.equal(AGREEMENT.Suspended);
    const resumed = await propose("data-bureau", { action: "resume_agreement", agreementId: agreementId.toString() });
    expectStatus(resumed, 201);
    expect(resumed.body.action).to.equal("resume_agreement");
    expect(await gw.system.agreements.agreementStatus(agreementId)).to.equal(AGREEMENT.Active);

    // A grant under it, paused by the council.
    const civil = gw.system.operators["gz-civil-affairs"];
    await gw.system.grants.connect(civil).issue(agreementId, civil.address, 0b01n, 0, 100, PERIOD_DAY);
    const grantId = await gw.system.grants.grantCount();
    await gw.chain.indexer.catchUp();
    const paused = await propose("data-bureau", { action: "pause_grant", grantId: Number(grantId) });
    expectStatus(paused, 201);
    expect(paused.body.details).to.deep.include({ contract: "Grants", method: "pause" });
    expect((await gw.system.grants.grant(grantId)).status).to.equal(GRANT_PAUSED);
    // The consumer cannot lift the council's pause (issue 11).
    await expect(gw.system.grants.connect(civil).resume(grantId))
      .to.be.revertedWithCustomError(gw.system.grants, "GrantsUnauthorizedAccount")
      .withArgs(civil.address, ethers.id("kuajie.role.council"));

    // Terminating needs a reason, kept as its hash on chain.
    const bare = await propose("data-bureau", { action: "terminate_agreement", agreementId: Number(agreementId) });
    expectStatus(bare, 400);
    const terminated = await propose("data-bureau", {
      action: "terminate_agreement",
      agreementId: Number(agreementId),
      reason: "Found using the data outside its purpose",
    });
    expectStatus(terminated, 201);
    expect(terminated.body.details.args).to.include({
      reasonHash: ethers.id("Found using the data outside its purpose"),
    });
    expect(await gw.system.agreements.agreementStatus(agreementId)).to.equal(AGREEMENT.Terminated);
  });

  it("clears a department's registered node (clear_node), which leaves Besu's nodes allowlist", async function () {
    const enode = `enode://${"ab".repeat(64)}@10.0.0.4:30303`;
    await gw.system.consortium.connect(gw.system.operators.health).registerNode(enode);
    expect(await gw.system.consortium.nodeOf(id("health"))).to.equal(enode);
    const cleared = await propose("data-bureau", { action: "clear_node", departmentId: id("health") });
    expectStatus(cleared, 201);
    expect(cleared.body.action).to.equal("clear_node");
    expect(await gw.system.consortium.nodeOf(id("health"))).to.equal("");
  });

  it("clears a department's gateway endpoint (clear_endpoint), so that no gateway calls it", async function () {
    const endpoint = "https://gateway.health.example:8443";
    await gw.system.consortium.connect(gw.system.operators.health).setGatewayEndpoint(endpoint);
    const cleared = await propose("data-bureau", { action: "clear_endpoint", departmentId: id("health") });
    expectStatus(cleared, 201);
    expect(cleared.body).to.deep.include({ action: "clear_endpoint", details: { departmentId: id("health") } });
    expect(await gw.system.consortium.gatewayEndpointOf(id("health"))).to.equal("");
    const again = await propose("data-bureau", { action: "clear_endpoint", departmentId: id("health") });
    expectStatus(again, 422);
    expect(again.body.errorName).to.equal("ConsortiumNoEndpoint");
  });

  it("sets the objection answer deadline in working days (set_objection_answer_deadline)", async function () {
    const before = await gw.system.consortium.replyDeadline();
    const res = await propose("data-bureau", { action: "set_objection_answer_deadline", workingDays: 15 });
    expectStatus(res, 201);
    expect(res.body).to.deep.include({
      action: "set_objection_answer_deadline",
      status: "executed",
      details: { workingDays: 15 },
    });
    expect(await gw.system.consortium.objectionAnswerDeadline()).to.equal(15n);
    expect(await gw.system.consortium.replyDeadline()).to.equal(before, "the reply deadline is a setting of its own");
    const shown = await get(`/v1/council/proposals/${res.body.proposalId}`).expect(200);
    expect(shown.body).to.deep.include({ action: "set_objection_answer_deadline", details: { workingDays: 15 } });
  });

  it("revokes a consent as the council, found by its id in the consent projection", async function () {
    const now = Math.max(await time.latest(), Math.floor(Date.now() / 1000));
    const recorded = await request(gw.app)
      .post("/v1/consents")
      .set("Authorization", gw.bearer("gz-civil-affairs"))
      .send({
        subject: { idType: "resident_id", idNumber: syntheticResidentId(321) },
        recipient: id("gz-civil-affairs"),
        resourceId: ethers.id("household-registration"),
        purpose: { code: "minimum-living-allowance" },
        validUntil: now + 90 * DAY,
        evidence: { type: "record", document: { form: 1 } },
      });
    expectStatus(recorded, 201);
    const res = await propose("data-bureau", { action: "revoke_consent", consentId: recorded.body.consentId });
    expectStatus(res, 201);
    expect(res.body).to.include({ action: "revoke_consent", status: "executed" });
    const consent = await get(`/v1/consents/${recorded.body.consentId}`).expect(200);
    expect(consent.body.status).to.equal("revoked");
    expect(consent.body.history[1].actor).to.deep.equal({ kind: "council" });
  });

  it("publishes a year's working-day calendar from the holidays and make-up days of the notice (publish_calendar_year)", async function () {
    // A year nobody published: the calendar takes the council's word for it.
    const year = 2031;
    const bad = await propose("data-bureau", {
      action: "publish_calendar_year",
      year,
      holidays: ["2031-01-01", "2030-12-31", "2031-02-30"],
      makeUpDays: [],
    });
    expectStatus(bad, 400);
    const fields = (bad.body.errors as { field: string; message: string }[]).map((e) => [e.field, e.message]);
    expect(fields).to.deep.include.members([
      ["body.holidays[1]", "not a date of 2031"],
      ["body.holidays[2]", "not a calendar date"],
    ]);
    expect(await gw.system.calendar.isPublished(year)).to.equal(false);

    const res = await propose("data-bureau", {
      action: "publish_calendar_year",
      year,
      holidays: ["2031-01-01", "2031-01-02", "2031-01-03"], // Wednesday to Friday
      makeUpDays: ["2031-01-04"], // the Saturday after
    });
    expectStatus(res, 201);
    expect(res.body).to.include({ status: "executed", action: "publish_calendar_year" });
    expect(res.body.details).to.include({ contract: "WorkingCalendar", method: "publishYear" });
    const cst = (date: string) => Date.parse(`${date}T12:00:00+08:00`) / 1000;
    expect(await gw.system.calendar.isWorkingDay(cst("2031-01-02"))).to.equal(false);
    expect(await gw.system.calendar.isWorkingDay(cst("2031-01-04"))).to.equal(true);
    expect(await gw.system.calendar.isWorkingDay(cst("2031-01-06"))).to.equal(true); // a Monday
    expect(await gw.system.calendar.isWorkingDay(cst("2031-01-11"))).to.equal(false); // a Saturday
  });

  it("with two seats a proposal waits for the second seat's approval", async function () {
    const granted = await propose("data-bureau", { action: "grant_seat", departmentId: id("health") });
    expectStatus(granted, 201);
    expect(granted.body.status).to.equal("executed");

    const res = await propose("data-bureau", { action: "set_reply_deadline", workingDays: 7 });
    expectStatus(res, 201);
    expect(res.body).to.include({ status: "open", approvals: 1, required: 2 });
    expect(res.body.details).to.deep.equal({ workingDays: 7 });
    const open = await get("/v1/council/proposals?status=open").expect(200);
    expect(open.body.items.map((p: { proposalId: number }) => p.proposalId)).to.deep.equal([res.body.proposalId]);
    expect((await get("/v1/council/proposals?status=pending")).status).to.equal(400);

    expectStatus(await approve("data-bureau", res.body.proposalId), 409);
    const approved = await approve("health", res.body.proposalId);
    expectStatus(approved, 200);
    expect(approved.body).to.include({ status: "executed", approvals: 2, required: 2 });
    expect(approved.body.approvedBy.map((a: { key: string }) => a.key)).to.deep.equal(["data-bureau", "health"]);
    expect(await gw.system.consortium.replyDeadline()).to.equal(7n);
    const again = await approve("health", res.body.proposalId);
    expectStatus(again, 409);
    expect(again.body.type).to.equal("https://kuajie.dev/problems/proposal_closed");

    const all = await get("/v1/council/proposals", "health").expect(200);
    expect(all.body.items[0].proposalId).to.equal(res.body.proposalId);
    expect(all.body.block).to.be.a("number");
    const executed = await get("/v1/council/proposals?status=executed").expect(200);
    expect(executed.body.items.every((p: { status: string }) => p.status === "executed")).to.equal(true);
  });
});
