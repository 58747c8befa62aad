import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";

describe("Gateway: departments and health on the real contracts", function () {
  let gw: LiveGateway;
  before(async function () {
    // Every feature: the revert below goes through the council's route, as any client's would.
    gw = await startLiveGateway();
  });
  after(async function () {
    await gw?.stop();
  });

  it("lists every admitted member from the indexed Consortium events, with the block it reflects", async function () {
    const res = await request(gw.app).get("/v1/departments").set("Authorization", gw.bearer("hrss")).expect(200);
    expect(res.body.items.map((d: { key: string }) => d.key)).to.deep.equal([
      "data-bureau",
      "public-security",
      "hrss",
      "health",
      "gz-civil-affairs",
    ]);
    const bureau = res.body.items[0];
    expect(bureau).to.include({ council: true, status: "active", level: "province", regionCode: 440000 });
    expect(res.body.block).to.be.a("number").greaterThan(0);
  });

  it("shows one member with its operator accounts, and 404 for an unknown id", async function () {
    const id = gw.system.departments["gz-civil-affairs"].id;
    const res = await request(gw.app).get(`/v1/departments/${id}`).set("Authorization", gw.bearer("hrss")).expect(200);
    expect(res.body.parent).to.equal(gw.system.departments["data-bureau"].id);
    expect(res.body.operators).to.deep.equal([
      { account: gw.system.operators["gz-civil-affairs"].address, admin: true },
    ]);
    const missing = await request(gw.app)
      .get(`/v1/departments/0x${"ee".repeat(32)}`)
      .set("Authorization", gw.bearer("hrss"))
      .expect(404);
    expect(missing.headers["content-type"]).to.match(/problem\+json/);
  });

  it("answers /v1/me with the caller's department resolved on chain", async function () {
    const res = await request(gw.app).get("/v1/me").set("Authorization", gw.bearer("health")).expect(200);
    expect(res.body.role).to.equal("operator");
    expect(res.body.department).to.include({ key: "health", id: gw.system.departments.health.id });
  });

  it("reports chain id, block, contracts and outbox depth at /healthz", async function () {
    const res = await request(gw.app).get("/healthz").expect(200);
    expect(res.body).to.include({ status: "ok", chainId: 31337 });
    expect(res.body.contracts.Consortium).to.equal(gw.system.deployment.contracts.Consortium);
    expect(res.body.outbox).to.deep.equal({ pending: 0 });
  });

  it("sends a write through the department's key and returns its decoded events", async function () {
    const result = await gw.chain.write("data-bureau", "Consortium", "addOperator", [
      "0x000000000000000000000000000000000000dEaD",
      false,
    ]);
    expect(result.events.map((e) => e.name)).to.deep.equal(["OperatorAdded"]);
    const id = gw.system.departments["data-bureau"].id;
    const res = await request(gw.app).get(`/v1/departments/${id}`).set("Authorization", gw.bearer("hrss")).expect(200);
    expect(res.body.operators.map((o: { account: string }) => o.account)).to.include(
      "0x000000000000000000000000000000000000dEaD",
    );
  });

  it("turns a contract's revert into 422 problem+json naming the custom error and its arguments, over HTTP", async function () {
    // Suspending the only council seat holder: the gateway forwards the proposal, the Consortium refuses it.
    const bureau = gw.system.departments["data-bureau"].id;
    const blockBefore = await ethers.provider.getBlockNumber();
    const res = await request(gw.app)
      .post("/v1/council/proposals")
      .set("Authorization", gw.bearer("data-bureau", "council"))
      .set("Idempotency-Key", "suspend-the-only-seat")
      .send({ action: "suspend", departmentId: bureau })
      .expect(422);
    expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ status: 422, errorName: "ConsortiumInvalidSeatChange" });
    expect(res.body.args).to.deep.equal({ departmentId: bureau, councilSeat: false });
    expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore, "nothing mined");
  });
});
