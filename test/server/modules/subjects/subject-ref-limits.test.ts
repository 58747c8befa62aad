import { expect } from "chai";
import request from "supertest";
import { loadConfig } from "../../../../server/src/common/config";
import { buildGateway, syntheticResidentId } from "../../support/gateway";

const BASE = {
  KUAJIE_CONSORTIUM_SECRET: "0x" + "5a".repeat(32),
  KUAJIE_DEV_MNEMONIC: "test test test test test test test test test test test junk",
};

function computeRef(app: Parameters<typeof request>[0], bearer: string, serial: number) {
  return request(app)
    .post("/v1/subjects/ref")
    .set("Authorization", bearer)
    .send({ idType: "resident_id", idNumber: syntheticResidentId(serial) });
}

describe("POST /v1/subjects/ref is not an oracle (issue 11, item 9)", function () {
  it("refuses an auditor token with 403", async function () {
    const gateway = buildGateway();
    const res = await computeRef(gateway.app, gateway.bearer("auditor"), 1);
    expect(res.status).to.equal(403);
    expect(res.body.type).to.equal("https://kuajie.dev/problems/forbidden");
    expect(res.body.needed).to.deep.equal(["operator", "council"]);
    expect(res.body).not.to.have.property("subjectRef");
  });

  it("accepts operator and council tokens", async function () {
    const gateway = buildGateway();
    await computeRef(gateway.app, gateway.bearer("operator", "health"), 2).expect(200);
    await computeRef(gateway.app, gateway.bearer("council", "data-bureau"), 3).expect(200);
  });

  it("limits each token to KUAJIE_SUBJECT_REF_RATE_LIMIT computations a minute (default 60), with 429 and Retry-After", async function () {
    expect(loadConfig({ env: BASE, cwd: "/nonexistent" }).subjectRefLimitPerMinute).to.equal(60);
    const limit = loadConfig({
      env: { ...BASE, KUAJIE_SUBJECT_REF_RATE_LIMIT: "3" },
      cwd: "/nonexistent",
    }).subjectRefLimitPerMinute;
    let now = 5_000_000;
    const gateway = buildGateway({ subjectRefLimit: { limit, now: () => now } });
    const first = gateway.bearer("operator", "health");
    const second = gateway.bearer("operator", "health");
    for (let i = 0; i < 3; i++) await computeRef(gateway.app, first, 10 + i).expect(200);
    const limited = await computeRef(gateway.app, first, 20);
    expect(limited.status).to.equal(429);
    expect(limited.headers["content-type"]).to.match(/^application\/problem\+json/);
    expect(limited.body.type).to.equal("https://kuajie.dev/problems/subject_ref_rate_limited");
    expect(limited.body).to.include({ limit: 3, windowSeconds: 60 });
    expect(Number(limited.headers["retry-after"])).to.be.within(1, 60);
    expect(limited.body).not.to.have.property("subjectRef");
    // Per token: another operator of the same department is not held back.
    await computeRef(gateway.app, second, 21).expect(200);
    now += 61_000;
    await computeRef(gateway.app, first, 22).expect(200);
  });

  it("counts every computation per token id in /metrics, and nothing for a refusal", async function () {
    const gateway = buildGateway({ subjectRefLimit: { limit: 2 } });
    const operator = gateway.tokens.create({ departmentKey: "health", role: "operator" });
    const bearer = `Bearer ${operator.token}`;
    await computeRef(gateway.app, bearer, 30).expect(200);
    await computeRef(gateway.app, bearer, 31).expect(200);
    await computeRef(gateway.app, bearer, 32).expect(429);
    await computeRef(gateway.app, gateway.bearer("auditor"), 33).expect(403);
    const metrics = await request(gateway.app).get("/metrics").expect(200);
    const lines = metrics.text.split("\n").filter((l) => l.startsWith("kuajie_subject_ref_computations_total"));
    expect(lines).to.deep.equal([`kuajie_subject_ref_computations_total{token_id="${operator.id}"} 2`]);
    expect(metrics.text).to.include("# TYPE kuajie_subject_ref_computations_total counter");
    expect(metrics.text).not.to.include(syntheticResidentId(30));
  });

  it("logs each computation with the token id and department, never the identity number or the reference", async function () {
    const gateway = buildGateway();
    const operator = gateway.tokens.create({ departmentKey: "health", role: "operator" });
    const idNumber = syntheticResidentId(40);
    const res = await request(gateway.app)
      .post("/v1/subjects/ref")
      .set("Authorization", `Bearer ${operator.token}`)
      .send({ idType: "resident_id", idNumber })
      .expect(200);
    const computed = gateway.logs.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.event === "subject_ref_computed");
    expect(computed).to.have.length(1);
    expect(computed[0]).to.include({ tokenId: operator.id, department: "health", idType: "resident_id" });
    expect(computed[0].requestId).to.be.a("string");
    const text = gateway.logs.text();
    expect(text).not.to.include(idNumber);
    expect(text).not.to.include(idNumber.slice(6, 14));
    expect(text).not.to.include(res.body.subjectRef);
    expect(text).not.to.include(operator.token);
  });
});
