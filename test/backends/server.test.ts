import { expect } from "chai";
import request from "supertest";
import { buildDemoDatasets, HOUSEHOLD_REGISTRATION } from "../../backends/datasets";
import { DEFAULT_LIST_LIMIT, INTERNAL_NOTE_FIELD, createBackendApp } from "../../backends/server";

describe("demo provider backend protocol", function () {
  const datasets = buildDemoDatasets({ seed: 11, count: 40 });
  const publicSecurity = createBackendApp({ department: "public-security", datasets: datasets["public-security"] });
  const health = createBackendApp({ department: "health", datasets: datasets.health });
  const hrss = createBackendApp({ department: "hrss", datasets: datasets.hrss });
  const someone = datasets["public-security"][0]!.records[3]!;
  const idNumber = String(someone.idNumber);

  it("answers a subject query with the whole record plus an internal note, however few fields were asked", async function () {
    const response = await request(publicSecurity)
      .post("/query")
      .send({ resourceCode: "household-registration", subject: { idType: "resident_id", idNumber }, fields: ["name"] })
      .expect(200)
      .expect("content-type", /application\/json/);
    const data = response.body.data as Record<string, unknown>;
    expect(data).to.include({ ...someone });
    expect(Object.keys(data)).to.include.members([
      ...HOUSEHOLD_REGISTRATION.fields.map((f) => f.name),
      INTERNAL_NOTE_FIELD,
    ]);
    expect(Object.keys(data).length).to.be.greaterThan(1);
  });

  it("finds a subject whose check character is typed in lower case or padded", async function () {
    const withX = datasets["public-security"][0]!.records.find((record) => String(record.idNumber).endsWith("X"));
    const target = String((withX ?? someone).idNumber);
    const response = await request(publicSecurity)
      .post("/query")
      .send({
        resourceCode: "household-registration",
        subject: { idType: "resident_id", idNumber: ` ${target.toLowerCase()} ` },
        fields: ["idNumber"],
      })
      .expect(200);
    expect(response.body.data.idNumber).to.equal(target);
  });

  it("answers 404 not_found when the subject has no record", async function () {
    const response = await request(publicSecurity)
      .post("/query")
      .send({
        resourceCode: "household-registration",
        subject: { idType: "resident_id", idNumber: "44010420000101999X" },
        fields: ["name"],
      })
      .expect(404);
    expect(response.body).to.deep.equal({ error: "not_found" });
  });

  it("answers 404 not_found for a minor, who has no social insurance record", async function () {
    const insured = new Set(datasets.hrss[0]!.records.map((record) => record.idNumber));
    const minor = datasets["public-security"][0]!.records.find((record) => !insured.has(record.idNumber));
    expect(minor).to.not.equal(undefined);
    await request(hrss)
      .post("/query")
      .send({
        resourceCode: "social-insurance-status",
        subject: { idType: "resident_id", idNumber: minor?.idNumber },
        fields: ["status"],
      })
      .expect(404, { error: "not_found" });
  });

  it("answers 404 for a resource it does not hold", async function () {
    const response = await request(publicSecurity)
      .post("/query")
      .send({ resourceCode: "health-card", subject: { idType: "resident_id", idNumber }, fields: ["bloodType"] })
      .expect(404);
    expect(response.body.error).to.equal("unknown_resource");
  });

  it("answers a non-personal query without a subject with a short list, each item with extra fields", async function () {
    const response = await request(health)
      .post("/query")
      .send({ resourceCode: "medical-institutions", fields: ["name"] })
      .expect(200);
    const items = response.body.data as Record<string, unknown>[];
    expect(items).to.have.length(DEFAULT_LIST_LIMIT);
    for (const item of items) expect(item).to.include.keys("name", "district", "beds", INTERNAL_NOTE_FIELD);
    const limited = await request(health)
      .post("/query")
      .send({ resourceCode: "medical-institutions", fields: ["name"], params: { limit: 2, district: "any" } })
      .expect(200);
    expect(limited.body.data).to.have.length(2);
  });

  it("refuses a personal query without a subject with 400 subject_required", async function () {
    const response = await request(health)
      .post("/query")
      .send({ resourceCode: "health-card", fields: ["bloodType"] })
      .expect(400);
    expect(response.body.error).to.equal("subject_required");
  });

  const malformedBodies: [string, unknown][] = [
    ["an empty object", {}],
    ["no fields", { resourceCode: "household-registration", subject: { idType: "resident_id", idNumber } }],
    ["fields that are not a list", { resourceCode: "household-registration", fields: "name" }],
    ["a numeric resource code", { resourceCode: 12, fields: ["name"] }],
    [
      "a subject without an id number",
      { resourceCode: "household-registration", subject: { idType: "x" }, fields: [] },
    ],
    ["a list instead of an object", [1, 2, 3]],
    ["a fractional list limit", { resourceCode: "medical-institutions", fields: [], params: { limit: 1.5 } }],
  ];
  for (const [what, body] of malformedBodies) {
    it(`answers 400 bad_request for ${what}`, async function () {
      const response = await request(publicSecurity)
        .post("/query")
        .send(body as object)
        .expect(400);
      expect(response.body.error).to.equal("bad_request");
    });
  }

  it("answers 400 bad_request for a body that is not JSON", async function () {
    const response = await request(publicSecurity)
      .post("/query")
      .set("content-type", "application/json")
      .send("{not json")
      .expect(400);
    expect(response.body.error).to.equal("bad_request");
  });

  it("answers 413 for an oversized body", async function () {
    await request(publicSecurity)
      .post("/query")
      .send({ resourceCode: "household-registration", fields: ["x".repeat(100_000)] })
      .expect(413);
  });

  it("reports its health, and has no control endpoint unless started with one", async function () {
    const health = await request(publicSecurity).get("/healthz").expect(200);
    expect(health.body).to.deep.equal({
      status: "ok",
      department: "public-security",
      resources: ["household-registration"],
      mode: "normal",
    });
    await request(publicSecurity).post("/_control").send({ mode: "hang" }).expect(404);
  });
});
