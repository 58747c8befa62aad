import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";
import { cstDateOf } from "../../../core/calendar/working-days";
import { registerResource, travel, DAY } from "../support/sharing";

const problem = (code: string) => `https://kuajie.dev/problems/${code}`;
const EVIDENCE = ethers.id("evidence: the 12 records and the paper register's pages");

describe("Gateway objections: /v1/objections on the real contracts", function () {
  let gw: LiveGateway;
  let resourceId: string;
  const as = (key: string) => gw.bearer(key);
  const raise = async (overrides: Record<string, unknown> = {}) => {
    const res = await request(gw.app)
      .post("/v1/objections")
      .set("Authorization", as("gz-civil-affairs"))
      .send({
        resourceId,
        fields: ["birthDate"],
        description: "12 records have a birth date after the registration date",
        evidenceHash: EVIDENCE,
        ...overrides,
      });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.objectionId as number;
  };
  const answer = (objectionId: number, body: Record<string, unknown>, key = "public-security") =>
    request(gw.app).post(`/v1/objections/${objectionId}/answer`).set("Authorization", as(key)).send(body);
  const escalate = (objectionId: number, key = "gz-civil-affairs") =>
    request(gw.app).post(`/v1/objections/${objectionId}/escalate`).set("Authorization", as(key));

  /**
   * The objection as the provider reads it, and the working days the contract counts from the gateway's "now" (the
   * later of the wall clock and the chain's time) up to its deadline, taken before and after the read: the gateway's
   * count is one of them (they differ only if midnight in China passed in between).
   */
  const readWithCount = async (objectionId: number) => {
    const deadline = (await gw.system.objections.objection(objectionId)).answerDeadline;
    const count = async () => {
      const chainTime = (await ethers.provider.getBlock("latest"))!.timestamp;
      const now = Math.max(Math.floor(Date.now() / 1000), chainTime);
      return Number(await gw.system.calendar.workingDaysLeft(now, deadline));
    };
    const before = await count();
    const res = await request(gw.app)
      .get(`/v1/objections/${objectionId}`)
      .set("Authorization", as("public-security"))
      .expect(200);
    return { body: res.body, counted: [before, await count()], deadline: Number(deadline) };
  };

  before(async function () {
    gw = await startLiveGateway();
    resourceId = await registerResource(gw, "public-security", "household-register");
  });
  after(async function () {
    await gw?.stop();
  });

  it("raises an objection with the fields by name and an answer deadline from the calendar", async function () {
    const res = await request(gw.app)
      .post("/v1/objections")
      .set("Authorization", as("gz-civil-affairs"))
      .send({ resourceId, fields: ["birthDate", "address"], description: "dates wrong", evidenceHash: EVIDENCE })
      .expect(201);
    expect(res.body).to.include({ status: "raised", overdue: false, fieldMask: "12", description: "dates wrong" });
    expect(res.body.fields).to.deep.equal(["address", "birthDate"]);
    expect(res.body.provider.key).to.equal("public-security");
    expect(res.body.consumer.key).to.equal("gz-civil-affairs");
    const onChain = await gw.system.objections.objection(res.body.objectionId);
    const raisedAt = BigInt(Date.parse(res.body.raisedAt) / 1000);
    expect(onChain.answerDeadline).to.equal(await gw.system.calendar.deadlineAfter(raisedAt, 10));
    expect(res.body.answerDeadline).to.equal(new Date(Number(onChain.answerDeadline) * 1000).toISOString());
    expect(res.body.answerDeadlineDate).to.equal(cstDateOf(Number(onChain.answerDeadline)));
    // Ten left on the day it is raised (nine had midnight in China passed since).
    expect(res.body.answerWorkingDaysLeft).to.be.oneOf([9, 10]);
    const read = await readWithCount(res.body.objectionId);
    expect(read.body.answerDeadlineDate).to.equal(cstDateOf(read.deadline));
    expect(read.body.answerWorkingDaysLeft).to.be.oneOf(read.counted);
  });

  it("refuses unknown fields by position, an own resource, and an unknown resource, changing nothing", async function () {
    const before = await gw.system.objections.objectionCount();
    const bad = await request(gw.app)
      .post("/v1/objections")
      .set("Authorization", as("gz-civil-affairs"))
      .send({ resourceId, fields: ["birthDate", "shoeSize"], description: "x", evidenceHash: EVIDENCE })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["body.fields[1]"]);
    const missing = await request(gw.app)
      .post("/v1/objections")
      .set("Authorization", as("gz-civil-affairs"))
      .send({ resourceId, fields: [], description: "", evidenceHash: "0x12" })
      .expect(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).to.include.members([
      "body.fields",
      "body.description",
      "body.evidenceHash",
    ]);
    const own = await request(gw.app)
      .post("/v1/objections")
      .set("Authorization", as("public-security"))
      .send({ resourceId, fields: ["name"], description: "x", evidenceHash: EVIDENCE })
      .expect(403);
    expect(own.body.type).to.equal(problem("own_resource"));
    const unknown = await request(gw.app)
      .post("/v1/objections")
      .set("Authorization", as("gz-civil-affairs"))
      .send({ resourceId: ethers.id("nothing"), fields: ["name"], description: "x", evidenceHash: EVIDENCE })
      .expect(404);
    expect(unknown.body.type).to.equal(problem("resource_not_found"));
    expect(await gw.system.objections.objectionCount()).to.equal(before);
  });

  it("lets the provider correct with a note, on time; the consumer cannot answer; a second answer is a conflict", async function () {
    const objectionId = await raise();
    const consumer = await answer(objectionId, { outcome: "corrected", note: "n" }, "gz-civil-affairs").expect(403);
    expect(consumer.body.type).to.equal(problem("not_party"));
    const res = await answer(objectionId, { outcome: "corrected", note: "dates re-keyed" }).expect(200);
    expect(res.body).to.include({
      status: "corrected",
      answerWorkingDaysLeft: null,
      answeredOnTime: true,
      correctionNoteHash: ethers.id("dates re-keyed"),
      correctedVersion: null,
    });
    const again = await answer(objectionId, { outcome: "disputed", reason: "r" }).expect(409);
    expect(again.body.type).to.equal(problem("invalid_status"));
  });

  it("corrects by a new catalog version when no note is given, and refuses that before the version changes", async function () {
    const objectionId = await raise();
    const early = await answer(objectionId, { outcome: "corrected" }).expect(422);
    expect(early.body).to.include({ errorName: "ObjectionNotCorrected" });
    await request(gw.app)
      .patch(`/v1/catalog/resources/${resourceId}`)
      .set("Authorization", as("public-security"))
      .send({ summary: "Registered residents, birth dates checked" })
      .expect(200);
    const res = await answer(objectionId, { outcome: "corrected" }).expect(200);
    expect(res.body).to.include({ status: "corrected", correctedVersion: 2, correctionNoteHash: null });
  });

  it("escalates a disputed objection, and the council dismisses it by a decide_objection proposal", async function () {
    const objectionId = await raise();
    const disputed = await answer(objectionId, { outcome: "disputed", reason: "the register says so" }).expect(200);
    expect(disputed.body).to.include({ status: "disputed", disputed: true });
    await escalate(objectionId, "public-security").expect(403);
    const escalated = await escalate(objectionId).expect(200);
    expect(escalated.body.status).to.equal("escalated");
    await request(gw.app)
      .post("/v1/council/proposals")
      .set("Authorization", gw.bearer("data-bureau", "council"))
      .send({ action: "decide_objection", objectionId, uphold: false })
      .expect(400);
    const decided = await request(gw.app)
      .post("/v1/council/proposals")
      .set("Authorization", gw.bearer("data-bureau", "council"))
      .send({ action: "decide_objection", objectionId, uphold: false, reason: "the paper register confirms" })
      .expect(201);
    expect(decided.body).to.include({ status: "executed", action: "decide_objection" });
    const detail = await request(gw.app)
      .get(`/v1/objections/${objectionId}`)
      .set("Authorization", as("gz-civil-affairs"))
      .expect(200);
    expect(detail.body).to.include({ status: "dismissed" });
    expect(detail.body.councilDecision).to.deep.equal({
      upheld: false,
      reasonHash: ethers.id("the paper register confirms"),
    });
    expect(detail.body.history.map((e: { event: string }) => e.event)).to.deep.equal([
      "ObjectionRaised",
      "ObjectionDisputed",
      "ObjectionEscalated",
      "ObjectionDecidedByCouncil",
    ]);
  });

  it("escalates an unanswered objection only past its deadline, when it is listed overdue", async function () {
    const objectionId = await raise();
    const early = await escalate(objectionId).expect(422);
    expect(early.body).to.include({ errorName: "ObjectionAnswerDeadlineNotReached" });
    await travel(gw, 20 * DAY);
    const overdue = await request(gw.app)
      .get("/v1/objections?as=provider&overdue=true")
      .set("Authorization", as("public-security"))
      .expect(200);
    expect(overdue.body.items.map((o: { objectionId: number }) => o.objectionId)).to.include(objectionId);
    const listed = overdue.body.items.find((o: { objectionId: number }) => o.objectionId === objectionId);
    expect(listed).to.include({ answerWorkingDaysLeft: 0, overdue: true });
    await escalate(objectionId).expect(200);
    const asConsumer = await request(gw.app)
      .get("/v1/objections?as=consumer&status=escalated")
      .set("Authorization", as("gz-civil-affairs"))
      .expect(200);
    expect(asConsumer.body.items.map((o: { objectionId: number }) => o.objectionId)).to.include(objectionId);
    const auditor = await request(gw.app)
      .get("/v1/objections?as=provider")
      .set("Authorization", gw.bearer(null, "auditor"))
      .expect(400);
    expect(auditor.body.errors[0].field).to.equal("query.as");
  });
});
