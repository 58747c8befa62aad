import { expect } from "chai";
import request from "supertest";
import { buildGateway } from "../support/gateway";
import { widgetsModule } from "../support/widgets";

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).to.equal(status);
  expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
  expect(res.body.type).to.equal(`https://kuajie.dev/problems/${code}`);
  expect(res.body.status).to.equal(status);
  expect(res.body.title).to.be.a("string");
  expect(res.body.detail).to.be.a("string");
}

describe("problem+json errors", function () {
  const gateway = buildGateway({ modules: [widgetsModule()] });
  const operator = gateway.bearer("operator");

  it("answers a body that fails its schema with 400 naming each bad field", async function () {
    const res = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .send({
        name: "",
        fields: [
          { name: "ok", type: "string" },
          { name: "Bad Name", type: "date" },
        ],
      });
    expectProblem(res, 400, "validation_failed");
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).to.have.members(["body.name", "body.fields[1].name", "body.fields[1].type"]);
    for (const error of res.body.errors) expect(error.path).to.equal(error.field);
    expect(res.body.detail).to.match(/^body\./);
  });

  it("names a missing body as body", async function () {
    const res = await request(gateway.app).post("/v1/widgets").set("Authorization", operator);
    expectProblem(res, 400, "validation_failed");
    expect(res.body.errors[0].field).to.equal("body");
    expect(res.body.errors[0].message).to.equal("required");
  });

  it("says a missing field is required, and keeps zod's words for a wrong one", async function () {
    const res = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .send({ fields: [{ name: 7 }] });
    expectProblem(res, 400, "validation_failed");
    expect(res.body.errors).to.deep.equal([
      { field: "body.name", path: "body.name", message: "required" },
      {
        field: "body.fields[0].name",
        path: "body.fields[0].name",
        message: "Invalid input: expected string, received number",
      },
      { field: "body.fields[0].type", path: "body.fields[0].type", message: "required" },
    ]);
    expect(res.body.detail).to.equal("body.name: required (and 2 more)");
  });

  it("names bad path and query parameters together", async function () {
    const res = await request(gateway.app).get("/v1/widgets/abc?verbose=maybe").set("Authorization", operator);
    expectProblem(res, 400, "validation_failed");
    expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["params.id", "query.verbose"]);
  });

  it("answers malformed JSON with 400 and does not echo the body", async function () {
    const res = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .set("Content-Type", "application/json")
      .send('{"name": "idNumber 990000199001010011", ');
    expectProblem(res, 400, "validation_failed");
    expect(res.body.errors).to.deep.equal([{ field: "body", path: "body", message: "malformed JSON" }]);
    expect(res.text).not.to.include("990000199001010011");
  });

  it("answers an oversized body with 413", async function () {
    const res = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .send({ name: "x".repeat(4096), fields: [] });
    expectProblem(res, 413, "payload_too_large");
  });

  it("answers an unknown route with 404 problem+json", async function () {
    const res = await request(gateway.app).get("/v1/nothing-here");
    expectProblem(res, 404, "not_found");
  });

  it("answers a domain NotFoundError with 404", async function () {
    const res = await request(gateway.app).get("/v1/widgets/404").set("Authorization", operator);
    expectProblem(res, 404, "not_found");
    expect(res.body.detail).to.equal("no widget 404");
  });

  it("carries extra members and Retry-After on 429", async function () {
    const res = await request(gateway.app).get("/v1/widgets/429").set("Authorization", operator);
    expectProblem(res, 429, "too_many_requests");
    expect(res.body.reason).to.equal("quota_exceeded");
    expect(res.headers["retry-after"]).to.equal("30");
  });

  it("answers a contract revert with 422 naming the custom error and its arguments", async function () {
    const res = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .send({ name: "revert", fields: [{ name: "a", type: "string" }] });
    expectProblem(res, 422, "contract_revert");
    expect(res.body.errorName).to.equal("CatalogResourceNotShareable");
    expect(res.body.args).to.deep.equal({ resourceId: "0x01", version: "3" });
  });

  it("answers an unexpected error with 500 that leaks no stack or message", async function () {
    const res = await request(gateway.app)
      .post("/v1/widgets")
      .set("Authorization", operator)
      .send({ name: "explode", fields: [{ name: "a", type: "string" }] });
    expectProblem(res, 500, "internal_error");
    expect(res.text).not.to.include("hunter2");
    expect(res.text).not.to.include("database on fire");
    expect(res.text).not.to.match(/at .*\.ts:\d+/);
    expect(res.body.requestId).to.equal(res.headers["x-request-id"]);
  });

  it("puts the request id on every problem", async function () {
    const res = await request(gateway.app).get("/v1/nothing-here").set("x-request-id", "trace-123");
    expect(res.headers["x-request-id"]).to.equal("trace-123");
    expect(res.body.requestId).to.equal("trace-123");
  });

  it("replaces a request id that could inject into logs", async function () {
    const res = await request(gateway.app).get("/v1/nothing-here").set("x-request-id", "bad id\twith spaces");
    expect(res.headers["x-request-id"]).to.match(/^[0-9a-f-]{36}$/);
  });
});
