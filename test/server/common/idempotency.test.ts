import { expect } from "chai";
import request from "supertest";
import { canonicalJson } from "../../../core/json/canonical-json";
import { IdempotencyStore } from "../../../server/src/store/idempotency";
import { buildGateway } from "../support/gateway";
import { widgetsModule, type WidgetCalls } from "../support/widgets";

const WIDGET = { name: "w", fields: [{ name: "a", type: "string" }] };

describe("Idempotency-Key", function () {
  function setup() {
    const calls: WidgetCalls = { created: 0 };
    const gateway = buildGateway({ modules: [widgetsModule(calls)] });
    return { calls, gateway, operator: gateway.bearer("operator") };
  }

  it("replays the first response to a retry with the same key and body", async function () {
    const { calls, gateway, operator } = setup();
    const first = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "create-w-1")
      .send(WIDGET);
    expect(first.status).to.equal(201);
    expect(first.headers["idempotent-replayed"]).to.equal(undefined);
    const retry = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "create-w-1")
      .send({ fields: [{ type: "string", name: "a" }], name: "w" });
    expect(retry.status).to.equal(201);
    expect(retry.headers["idempotent-replayed"]).to.equal("true");
    expect(retry.headers["content-type"]).to.match(/^application\/json/);
    expect(retry.body).to.deep.equal(first.body);
    expect(calls.created).to.equal(1);
  });

  it("runs every request without a key", async function () {
    const { calls, gateway, operator } = setup();
    await request(gateway.app).post("/v1/widgets").set("Authorization", operator).send(WIDGET).expect(201);
    await request(gateway.app).post("/v1/widgets").set("Authorization", operator).send(WIDGET).expect(201);
    expect(calls.created).to.equal(2);
  });

  it("answers 422 problem+json when the key is reused with a different body", async function () {
    const { calls, gateway, operator } = setup();
    await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "k")
      .send(WIDGET);
    const res = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "k")
      .send({ ...WIDGET, name: "other" });
    expect(res.status).to.equal(422);
    expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
    expect(res.body.type).to.equal("https://kuajie.dev/problems/idempotency_key_reused");
    expect(calls.created).to.equal(1);
  });

  it("answers 422 when the key is reused on another route", async function () {
    const { gateway } = setup();
    const council = gateway.bearer("council");
    await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", council)
      .set("Idempotency-Key", "k2")
      .send(WIDGET);
    const res = await request(gateway.app)
      .post("/v1/council/widgets")
      .set("Authorization", council)
      .set("Idempotency-Key", "k2")
      .send(WIDGET);
    expect(res.status).to.equal(422);
  });

  it("answers 409 while the first request with the key is still running", async function () {
    const { calls, gateway, operator } = setup();
    const slow = request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "slow")
      .set("x-test-delay", "300")
      .send(WIDGET)
      .then((res) => res);
    // Wait until the first request has claimed the key.
    for (let i = 0; i < 200; i++) {
      const row = gateway.db.prepare("SELECT status FROM idempotency_keys WHERE key = 'slow'").get();
      if (row) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const concurrent = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "slow")
      .send(WIDGET);
    expect(concurrent.status).to.equal(409);
    expect(concurrent.body.type).to.equal("https://kuajie.dev/problems/idempotency_key_in_flight");
    expect((await slow).status).to.equal(201);
    expect(calls.created).to.equal(1);
  });

  it("scopes keys to the caller's token", async function () {
    const { calls, gateway, operator } = setup();
    const other = gateway.bearer("operator", "health");
    await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "same")
      .send(WIDGET);
    const res = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", other)
      .set("Idempotency-Key", "same")
      .send(WIDGET);
    expect(res.status).to.equal(201);
    expect(res.headers["idempotent-replayed"]).to.equal(undefined);
    expect(calls.created).to.equal(2);
  });

  it("replays a refusal (4xx) but lets a retry run again after a 5xx", async function () {
    const { calls, gateway, operator } = setup();
    const revert = { ...WIDGET, name: "revert" };
    const first = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "r")
      .send(revert);
    const again = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "r")
      .send(revert);
    expect(first.status).to.equal(422);
    expect(again.status).to.equal(422);
    expect(again.headers["idempotent-replayed"]).to.equal("true");
    expect(again.headers["content-type"]).to.match(/^application\/problem\+json/);
    expect(again.body.errorName).to.equal("CatalogResourceNotShareable");
    expect(calls.created).to.equal(1);

    const boom = { ...WIDGET, name: "explode" };
    await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "b")
      .send(boom)
      .expect(500);
    const retried = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "b")
      .send(boom);
    expect(retried.status).to.equal(500);
    expect(retried.headers["idempotent-replayed"]).to.equal(undefined);
    expect(calls.created).to.equal(3);
  });

  it("answers 400 naming the header when the key is empty or too long", async function () {
    const { gateway, operator } = setup();
    const res = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Idempotency-Key", "x".repeat(256))
      .send(WIDGET);
    expect(res.status).to.equal(400);
    expect(res.body.errors[0].field).to.equal("headers.idempotency-key");
  });

  it("does not keep identity numbers readable in the database", async function () {
    const { gateway, operator } = setup();
    await request(gateway.app)
      .post("/v1/subjects/ref")
      .set("Authorization", operator)
      .set("Idempotency-Key", "ref-1")
      .send({ idType: "passport", idNumber: "E99887766" })
      .expect(200);
    const rows = JSON.stringify(gateway.db.prepare("SELECT * FROM idempotency_keys").all());
    expect(rows).not.to.include("E99887766");
  });

  it("forgets claims left in flight by a dead process", function () {
    const { gateway } = setup();
    const store = new IdempotencyStore(gateway.db);
    const claim = {
      tokenId: 1,
      key: "dead",
      method: "POST",
      path: "/v1/widgets",
      requestHash: "h",
      now: 0,
      ttlMs: 1000,
    };
    expect(store.begin(claim).kind).to.equal("started");
    expect(store.begin(claim).kind).to.equal("in_flight");
    expect(store.abandonInFlight()).to.equal(1);
    expect(store.begin(claim).kind).to.equal("started");
  });

  it("forgets a key after its time to live", function () {
    const { gateway } = setup();
    const store = new IdempotencyStore(gateway.db);
    const claim = { tokenId: 1, key: "old", method: "POST", path: "/p", requestHash: "h", now: 0, ttlMs: 1000 };
    store.begin(claim);
    store.complete(claim, { status: 201, contentType: "application/json", body: "{}" }, 1);
    expect(store.begin({ ...claim, now: 500 }).kind).to.equal("completed");
    expect(store.begin({ ...claim, now: 5000, requestHash: "other" }).kind).to.equal("started");
  });

  it("hashes bodies canonically: key order does not matter", function () {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).to.equal(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    expect(canonicalJson({ a: 1 })).not.to.equal(canonicalJson({ a: "1" }));
  });
});
