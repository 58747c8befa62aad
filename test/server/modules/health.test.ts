import { expect } from "chai";
import request from "supertest";
import { HEALTHY, buildGateway } from "../support/gateway";

describe("health: GET /healthz", function () {
  it("answers without a token with chain id, block, contracts and outbox depth", async function () {
    const gateway = buildGateway();
    const res = await request(gateway.app).get("/healthz").expect(200);
    expect(res.body).to.deep.equal(HEALTHY);
  });

  it("answers 400 problem+json to a body that is not JSON, the 4xx its OpenAPI operation declares", async function () {
    const gateway = buildGateway();
    const res = await request(gateway.app)
      .get("/healthz")
      .set("Content-Type", "application/json")
      .send("{not json")
      .expect(400);
    expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
    const doc = await request(gateway.app).get("/openapi.json").expect(200);
    expect(doc.body.paths["/healthz"].get.responses).to.have.property("400");
  });

  it("answers 503 with the same shape when degraded", async function () {
    const gateway = buildGateway({ health: async () => ({ ...HEALTHY, status: "degraded" }) });
    const res = await request(gateway.app).get("/healthz").expect(503);
    expect(res.body.status).to.equal("degraded");
    expect(res.body.chainId).to.equal(31337);
  });

  it("answers 503 unavailable when the chain cannot be reached", async function () {
    const gateway = buildGateway({
      health: async () => {
        throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
      },
    });
    const res = await request(gateway.app).get("/healthz").expect(503);
    expect(res.body).to.deep.equal({
      status: "unavailable",
      chainId: null,
      blockNumber: null,
      contracts: {},
      outbox: { pending: 0 },
    });
  });
});
