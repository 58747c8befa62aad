import { expect } from "chai";
import request from "supertest";
import { outboxFeature } from "../../../server/src/modules/outbox";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";

describe("Gateway: GET /v1/outbox/:id follows a write", function () {
  let gw: LiveGateway;
  let outboxId: number;
  before(async function () {
    gw = await startLiveGateway({ features: [outboxFeature] });
    ({ outboxId } = await gw.chain.write("data-bureau", "Consortium", "addOperator", [
      "0x000000000000000000000000000000000000dEaD",
      false,
    ]));
  });
  after(async function () {
    await gw?.stop();
  });

  it("shows a mined write with its decoded events to its own department", async function () {
    const res = await request(gw.app)
      .get(`/v1/outbox/${outboxId}`)
      .set("Authorization", gw.bearer("data-bureau"))
      .expect(200);
    expect(res.body).to.include({
      id: outboxId,
      department: "data-bureau",
      contract: "Consortium",
      method: "addOperator",
    });
    expect(res.body.status).to.equal("mined");
    expect(res.body.events.map((e: { name: string }) => e.name)).to.deep.equal(["OperatorAdded"]);
  });

  it("refuses another department, lets an auditor read, and answers 404 and 400", async function () {
    await request(gw.app).get(`/v1/outbox/${outboxId}`).set("Authorization", gw.bearer("hrss")).expect(403);
    await request(gw.app).get(`/v1/outbox/${outboxId}`).set("Authorization", gw.bearer(null, "auditor")).expect(200);
    await request(gw.app).get(`/v1/outbox/999999`).set("Authorization", gw.bearer("hrss")).expect(404);
    const bad = await request(gw.app).get(`/v1/outbox/abc`).set("Authorization", gw.bearer("hrss")).expect(400);
    expect(bad.body.errors[0].field).to.equal("params.id");
  });
});
