import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { cstDateOf } from "../../../core/calendar/working-days";
import { canonicalJson } from "../../../core/json/canonical-json";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";
import { registerResource, travel, DAY } from "../support/sharing";

const problem = (code: string) => `https://kuajie.dev/problems/${code}`;

const demandBody = (overrides: Record<string, unknown> = {}) => ({
  description: "Pension payment status of minimum-living-allowance applicants",
  dataItems: [{ name: "pensionStatus", type: "string" }],
  purpose: "means test for the minimum living allowance",
  legalBasis: "statutory_duty",
  whyNotExisting: "No catalog resource carries the pension payment status.",
  ...overrides,
});

describe("Gateway demands: /v1/demands and /v1/responsibilities on the real contracts", function () {
  let gw: LiveGateway;
  let hrssResource: string;
  let psbResource: string;
  const as = (key: string) => gw.bearer(key);
  const council = () => gw.bearer("data-bureau", "council");
  const publish = async (overrides: Record<string, unknown> = {}) => {
    const res = await request(gw.app)
      .post("/v1/demands")
      .set("Authorization", as("gz-civil-affairs"))
      .send(demandBody(overrides));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.demandId as number;
  };
  const assign = (demandId: number, responsible: string, workingDays: number, auth = council()) =>
    request(gw.app)
      .post("/v1/responsibilities")
      .set("Authorization", auth)
      .send({ demandId, responsible, workingDays });

  /**
   * The responsibility as the responsible department reads it, and the working days the contract counts from the
   * gateway's "now" (the later of the wall clock and the chain's time) up to its due date, taken before and after the
   * read: the gateway's count is one of them (they differ only if midnight in China passed in between).
   */
  const readWithCount = async (demandId: number) => {
    const dueAt = (await gw.system.demands.demand(demandId)).dueAt;
    const count = async () => {
      const chainTime = (await ethers.provider.getBlock("latest"))!.timestamp;
      const now = Math.max(Math.floor(Date.now() / 1000), chainTime);
      return Number(await gw.system.calendar.workingDaysLeft(now, dueAt));
    };
    const before = await count();
    const res = await request(gw.app)
      .get(`/v1/responsibilities/${demandId}`)
      .set("Authorization", as("hrss"))
      .expect(200);
    return { body: res.body, counted: [before, await count()] };
  };

  before(async function () {
    gw = await startLiveGateway();
    hrssResource = await registerResource(gw, "hrss", "pension-payments", { shareType: "unconditional" });
    psbResource = await registerResource(gw, "public-security", "household-status");
  });
  after(async function () {
    await gw?.stop();
  });

  describe("POST /v1/demands", function () {
    it("publishes the demand's canonical JSON on chain and answers 201 with the open demand", async function () {
      const res = await request(gw.app)
        .post("/v1/demands")
        .set("Authorization", as("gz-civil-affairs"))
        .send(demandBody())
        .expect(201);
      expect(res.body).to.include({
        status: "open",
        overdue: false,
        responsible: null,
        dueDate: null,
        dueWorkingDaysLeft: null,
      });
      expect(res.body.requester).to.deep.equal({
        id: gw.system.departments["gz-civil-affairs"].id,
        key: "gz-civil-affairs",
      });
      const json = canonicalJson(demandBody());
      expect(res.body.detailsHash).to.equal(ethers.id(json));
      expect(res.body.details).to.deep.equal(JSON.parse(json));
      const onChain = await gw.system.demands.demand(res.body.demandId);
      expect(onChain.detailsHash).to.equal(ethers.id(json));
      expect(onChain.requester).to.equal(gw.system.departments["gz-civil-affairs"].id);
    });

    it("refuses a demand without its description or reason, naming the fields, and changes nothing", async function () {
      const before = await gw.system.demands.demandCount();
      const res = await request(gw.app)
        .post("/v1/demands")
        .set("Authorization", as("gz-civil-affairs"))
        .send({ ...demandBody(), description: "", whyNotExisting: undefined, legalBasis: "because" })
        .expect(400);
      expect(res.headers["content-type"]).to.match(/application\/problem\+json/);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
      expect(fields).to.include.members(["body.description", "body.whyNotExisting", "body.legalBasis"]);
      expect(await gw.system.demands.demandCount()).to.equal(before);
    });

    it("refuses an auditor token, which acts for no department", async function () {
      await request(gw.app)
        .post("/v1/demands")
        .set("Authorization", gw.bearer(null, "auditor"))
        .send(demandBody())
        .expect(403);
    });
  });

  describe("POST /v1/demands/:id/answer", function () {
    it("links a resource of the answering provider and closes the demand; a second answer is a conflict", async function () {
      const demandId = await publish();
      const res = await request(gw.app)
        .post(`/v1/demands/${demandId}/answer`)
        .set("Authorization", as("public-security"))
        .send({ resourceId: psbResource })
        .expect(200);
      expect(res.body).to.include({ status: "answered", resourceId: psbResource });
      expect(res.body.responsible.key).to.equal("public-security");
      const again = await request(gw.app)
        .post(`/v1/demands/${demandId}/answer`)
        .set("Authorization", as("hrss"))
        .send({ resourceId: hrssResource })
        .expect(409);
      expect(again.body).to.include({ type: problem("invalid_status"), currentStatus: "answered" });
    });

    it("refuses a resource of another provider (403), an unknown resource and an unknown demand (404)", async function () {
      const demandId = await publish();
      const other = await request(gw.app)
        .post(`/v1/demands/${demandId}/answer`)
        .set("Authorization", as("health"))
        .send({ resourceId: hrssResource })
        .expect(403);
      expect(other.body.type).to.equal(problem("not_provider"));
      const unknownResource = await request(gw.app)
        .post(`/v1/demands/${demandId}/answer`)
        .set("Authorization", as("hrss"))
        .send({ resourceId: ethers.id("no such resource") })
        .expect(404);
      expect(unknownResource.body.type).to.equal(problem("resource_not_found"));
      const unknownDemand = await request(gw.app)
        .post(`/v1/demands/999999/answer`)
        .set("Authorization", as("hrss"))
        .send({ resourceId: hrssResource })
        .expect(404);
      expect(unknownDemand.body.type).to.equal(problem("demand_not_found"));
      const bad = await request(gw.app)
        .post(`/v1/demands/${demandId}/answer`)
        .set("Authorization", as("hrss"))
        .send({ resourceId: "pension" })
        .expect(400);
      expect(bad.body.errors[0].field).to.equal("body.resourceId");
    });
  });

  describe("responsibilities", function () {
    it("assigns by a council proposal with a due date from the calendar, and the responsible department fulfils it on time", async function () {
      const demandId = await publish();
      const res = await assign(demandId, "hrss", 10).expect(201);
      expect(res.body.proposal.status).to.equal("executed");
      expect(res.body.demand).to.include({ status: "assigned", workingDays: 10, overdue: false });
      expect(res.body.demand.responsible.key).to.equal("hrss");
      const onChain = await gw.system.demands.demand(demandId);
      const assignedAt = BigInt(Date.parse(res.body.demand.assignedAt) / 1000);
      expect(onChain.dueAt).to.equal(await gw.system.calendar.deadlineAfter(assignedAt, 10));
      expect(res.body.demand.dueAt).to.equal(new Date(Number(onChain.dueAt) * 1000).toISOString());
      expect(res.body.demand.dueDate).to.equal(cstDateOf(Number(onChain.dueAt)));
      // Ten left on the day of the assignment (nine had midnight in China passed since).
      expect(res.body.demand.dueWorkingDaysLeft).to.be.oneOf([9, 10]);
      const read = await readWithCount(demandId);
      expect(read.body.dueDate).to.equal(cstDateOf(Number(onChain.dueAt)));
      expect(read.body.dueWorkingDaysLeft).to.be.oneOf(read.counted);

      const notResponsible = await request(gw.app)
        .post(`/v1/responsibilities/${demandId}/fulfil`)
        .set("Authorization", as("public-security"))
        .send({ resourceId: psbResource })
        .expect(403);
      expect(notResponsible.body.type).to.equal(problem("not_responsible"));

      const done = await request(gw.app)
        .post(`/v1/responsibilities/${demandId}/fulfil`)
        .set("Authorization", as("hrss"))
        .send({ resourceId: hrssResource })
        .expect(200);
      expect(done.body).to.include({
        status: "fulfilled",
        fulfilledOnTime: true,
        resourceId: hrssResource,
        dueWorkingDaysLeft: null,
      });
      expect(done.body.dueDate).to.equal(cstDateOf(Number(onChain.dueAt)));
      const detail = await request(gw.app)
        .get(`/v1/responsibilities/${demandId}`)
        .set("Authorization", as("gz-civil-affairs"))
        .expect(200);
      expect(detail.body.history.map((e: { event: string }) => e.event)).to.deep.equal([
        "DemandPublished",
        "ResponsibilityAssigned",
        "ResponsibilityFulfilled",
      ]);
    });

    it("refuses an assignment by a department without a council seat, and to an unknown department", async function () {
      const demandId = await publish();
      await assign(demandId, "hrss", 10, gw.bearer("health", "council")).expect(403);
      const unknown = await assign(demandId, ethers.id("no such department"), 10).expect(400);
      expect(unknown.body.errors[0].field).to.equal("body.responsible");
      const days = await assign(demandId, "hrss", 0).expect(400);
      expect(days.body.errors[0].field).to.equal("body.workingDays");
      const missing = await assign(999999, "hrss", 5).expect(404);
      expect(missing.body.type).to.equal(problem("demand_not_found"));
      expect((await gw.system.demands.demand(demandId)).status).to.equal(1n); // still open
    });

    it("lists a responsibility as overdue after its due date, and a late fulfilment as not on time", async function () {
      const demandId = await publish();
      await assign(demandId, "hrss", 1).expect(201);
      const open = await request(gw.app)
        .get("/v1/responsibilities?overdue=true&responsible=hrss")
        .set("Authorization", as("hrss"))
        .expect(200);
      expect(open.body.items.map((d: { demandId: number }) => d.demandId)).to.not.include(demandId);

      await travel(gw, 5 * DAY);
      const overdue = await request(gw.app)
        .get("/v1/responsibilities?overdue=true&responsible=hrss")
        .set("Authorization", as("hrss"))
        .expect(200);
      expect(overdue.body.items.map((d: { demandId: number }) => d.demandId)).to.include(demandId);
      const listed = overdue.body.items.find((d: { demandId: number }) => d.demandId === demandId);
      expect(listed).to.include({ overdue: true, dueWorkingDaysLeft: 0 });
      expect(await gw.system.demands.isOverdue(demandId)).to.equal(true);

      const late = await request(gw.app)
        .post(`/v1/responsibilities/${demandId}/fulfil`)
        .set("Authorization", as("hrss"))
        .send({ resourceId: hrssResource })
        .expect(200);
      expect(late.body).to.include({ status: "fulfilled", fulfilledOnTime: false, overdue: false });
    });

    it("lists demands by status and requester, and never lists an open demand as a responsibility", async function () {
      const demandId = await publish();
      const open = await request(gw.app)
        .get("/v1/demands?status=open&requester=gz-civil-affairs")
        .set("Authorization", gw.bearer(null, "auditor"))
        .expect(200);
      expect(open.body.items.map((d: { demandId: number }) => d.demandId)).to.include(demandId);
      expect(open.body.items.every((d: { status: string }) => d.status === "open")).to.equal(true);
      await request(gw.app).get(`/v1/responsibilities/${demandId}`).set("Authorization", as("hrss")).expect(404);
      const bad = await request(gw.app).get("/v1/demands?overdue=maybe").set("Authorization", as("hrss")).expect(400);
      expect(bad.body.errors[0].field).to.equal("query.overdue");
    });
  });
});
