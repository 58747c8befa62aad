import { expect } from "chai";
import request from "supertest";
import { startLiveGateway, type LiveGateway } from "./support/live-gateway";
import { syntheticResidentId } from "./support/gateway";

describe("gateway (the composition root)", function () {
  let gw: LiveGateway;

  before(async function () {
    gw = await startLiveGateway({
      features: [],
      env: { KUAJIE_TRUST_PROXY: "loopback", KUAJIE_SUBJECT_REF_RATE_LIMIT: "2" },
    });
  });

  after(async function () {
    await gw?.stop();
  });

  it("sets express's trust proxy from KUAJIE_TRUST_PROXY", function () {
    expect(gw.app.get("trust proxy")).to.deep.equal(["loopback"]);
  });

  it("limits and counts subject references as KUAJIE_SUBJECT_REF_RATE_LIMIT says, in the gateway's metrics", async function () {
    const operator = gw.tokens.create({ departmentKey: "data-bureau", role: "operator" });
    const compute = (serial: number) =>
      request(gw.app)
        .post("/v1/subjects/ref")
        .set("Authorization", `Bearer ${operator.token}`)
        .send({ idType: "resident_id", idNumber: syntheticResidentId(serial) });
    await compute(1).expect(200);
    await compute(2).expect(200);
    await compute(3).expect(429);
    const metrics = await request(gw.app).get("/metrics").expect(200);
    expect(metrics.text).to.include(`kuajie_subject_ref_computations_total{token_id="${operator.id}"} 2`);
  });
});
