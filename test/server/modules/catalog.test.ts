import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { canonicalJson } from "../../../core/json/canonical-json";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";
import { resourceBody } from "../support/sharing";

const SUSPEND = 1;
const REINSTATE = 2;

describe("Gateway catalog: /v1/catalog/resources on the real contracts", function () {
  let gw: LiveGateway;
  let resourceId: string;
  const psb = () => gw.bearer("public-security");
  const hrss = () => gw.bearer("hrss");

  before(async function () {
    gw = await startLiveGateway();
  });
  after(async function () {
    await gw?.stop();
  });

  describe("POST /v1/catalog/resources", function () {
    it("registers a resource as the caller's department and answers 201 with its id, version and tx hash", async function () {
      const res = await request(gw.app)
        .post("/v1/catalog/resources")
        .set("Authorization", psb())
        .send(resourceBody("household-register"))
        .expect(201);
      expect(res.body).to.include({ version: 1, status: "active", shareType: "conditional", itemCount: 4 });
      expect(res.body.resourceId).to.match(/^0x[0-9a-f]{64}$/);
      expect(res.body.txHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(res.body.provider).to.deep.equal({
        id: gw.system.departments["public-security"].id,
        key: "public-security",
      });
      resourceId = res.body.resourceId;

      const onChain = await gw.system.catalog.resource(resourceId);
      expect(onChain.provider).to.equal(gw.system.departments["public-security"].id);
      expect(onChain.itemCount).to.equal(4n);
      expect(onChain.shareType).to.equal(1n);
      expect(onChain.securityLevel).to.equal(1n);
      expect(onChain.openType).to.equal(1n); // restricted by default
      expect(onChain.personal).to.equal(true);
      expect(onChain.legalBasis).to.equal(ethers.ZeroHash);
    });

    it("puts the canonical metadata JSON on chain (upstream url included, fields in order) and its hash", async function () {
      const res = await request(gw.app)
        .get(`/v1/catalog/resources/${resourceId}`)
        .set("Authorization", hrss())
        .expect(200);
      const expected = canonicalJson({
        code: "household-register",
        name: "Household register",
        summary: "Registered residents and their addresses",
        shareType: "conditional",
        openType: "restricted",
        securityLevel: "important",
        personal: true,
        sensitive: false,
        fields: [
          { name: "idNumber", type: "string", personal: true },
          { name: "name", type: "string", personal: true },
          { name: "address", type: "string", personal: false },
          { name: "birthDate", type: "date", personal: false },
        ],
        updateCycle: "daily",
        upstream: { url: "http://127.0.0.1:9101/household" },
      });
      expect(res.body.metadataHash).to.equal(ethers.keccak256(ethers.toUtf8Bytes(expected)));
      expect((await gw.system.catalog.resource(resourceId)).metadataHash).to.equal(res.body.metadataHash);
      expect(canonicalJson(res.body.metadata)).to.equal(expected);
      expect(res.body.fields.map((f: { name: string }) => f.name)).to.deep.equal([
        "idNumber",
        "name",
        "address",
        "birthDate",
      ]);
      expect(res.body.upstream).to.deep.equal({ url: "http://127.0.0.1:9101/household" });
      expect(res.body).to.include({ name: "Household register", status: "active", version: 1 });
      expect(res.body.history.map((h: { event: string }) => h.event)).to.deep.equal(["ResourceRegistered"]);
      expect(res.body.block).to.be.a("number").at.least(res.body.registeredBlock);
    });

    it("hashes the legal basis of a not_shareable resource and refuses one without it with 400 body.legalBasis", async function () {
      const before = (await request(gw.app).get("/v1/catalog/resources").set("Authorization", psb())).body.items.length;
      const missing = await request(gw.app)
        .post("/v1/catalog/resources")
        .set("Authorization", psb())
        .send(resourceBody("criminal-records", { shareType: "not_shareable" }))
        .expect(400);
      expect(missing.headers["content-type"]).to.match(/problem\+json/);
      expect(missing.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["body.legalBasis"]);
      const after = (await request(gw.app).get("/v1/catalog/resources").set("Authorization", psb())).body.items.length;
      expect(after).to.equal(before);

      const basis = "《中华人民共和国治安管理处罚法》第八十条";
      const res = await request(gw.app)
        .post("/v1/catalog/resources")
        .set("Authorization", psb())
        .send(resourceBody("criminal-records", { shareType: "not_shareable", legalBasis: basis }))
        .expect(201);
      expect(res.body.legalBasisHash).to.equal(ethers.id(basis));
      expect((await gw.system.catalog.resource(res.body.resourceId)).legalBasis).to.equal(ethers.id(basis));
      expect(res.body.metadata.legalBasis).to.equal(basis);
    });

    it("answers 400 naming each bad field: a bad enum, a bad field type, a duplicate field name, no fields", async function () {
      const res = await request(gw.app)
        .post("/v1/catalog/resources")
        .set("Authorization", psb())
        .send(
          resourceBody("bad-one", {
            shareType: "sometimes",
            fields: [
              { name: "a", type: "text" },
              { name: "a", type: "string" },
            ],
          }),
        )
        .expect(400);
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).to.include.members(["body.shareType", "body.fields[0].type"]);
      const dup = await request(gw.app)
        .post("/v1/catalog/resources")
        .set("Authorization", psb())
        .send(
          resourceBody("bad-two", {
            fields: [
              { name: "a", type: "string" },
              { name: "a", type: "string" },
            ],
          }),
        )
        .expect(400);
      expect(dup.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["body.fields[1].name"]);
      const none = await request(gw.app)
        .post("/v1/catalog/resources")
        .set("Authorization", psb())
        .send(resourceBody("bad-three", { fields: [], upstream: { url: "ftp://x" } }))
        .expect(400);
      expect(none.body.errors.map((e: { field: string }) => e.field)).to.include.members([
        "body.fields",
        "body.upstream.url",
      ]);
    });

    it("answers 409 resource_exists when the department reuses a code", async function () {
      const res = await request(gw.app)
        .post("/v1/catalog/resources")
        .set("Authorization", psb())
        .send(resourceBody("household-register"))
        .expect(409);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/resource_exists");
      expect(res.body.resourceId).to.equal(resourceId);
    });

    it("accepts a council token (it acts for its department) and refuses auditors (403) and no token (401)", async function () {
      const res = await request(gw.app)
        .post("/v1/catalog/resources")
        .set("Authorization", gw.bearer("data-bureau", "council"))
        .send(resourceBody("service-directory", { shareType: "unconditional", personal: false }))
        .expect(201);
      expect(res.body.provider.key).to.equal("data-bureau");
      await request(gw.app)
        .post("/v1/catalog/resources")
        .set("Authorization", gw.bearer("hrss", "auditor"))
        .send(resourceBody("x"))
        .expect(403);
      await request(gw.app).post("/v1/catalog/resources").send(resourceBody("x")).expect(401);
    });
  });

  describe("GET /v1/catalog/resources", function () {
    it("lists resources with the block, filtered by provider (id or key) and share type", async function () {
      const all = await request(gw.app).get("/v1/catalog/resources").set("Authorization", hrss()).expect(200);
      expect(all.body.items.length).to.equal(3);
      expect(all.body.block).to.be.a("number");
      const byKey = await request(gw.app)
        .get("/v1/catalog/resources?provider=public-security")
        .set("Authorization", hrss())
        .expect(200);
      expect(byKey.body.items.map((r: { code: string }) => r.code)).to.deep.equal([
        "household-register",
        "criminal-records",
      ]);
      const byId = await request(gw.app)
        .get(`/v1/catalog/resources?provider=${gw.system.departments["data-bureau"].id}&shareType=unconditional`)
        .set("Authorization", gw.bearer(null, "auditor"))
        .expect(200);
      expect(byId.body.items.map((r: { code: string }) => r.code)).to.deep.equal(["service-directory"]);
      const bad = await request(gw.app)
        .get("/v1/catalog/resources?provider=nobody&shareType=maybe")
        .set("Authorization", hrss())
        .expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["query.shareType"]);
      const unknownKey = await request(gw.app)
        .get("/v1/catalog/resources?provider=nobody")
        .set("Authorization", hrss())
        .expect(400);
      expect(unknownKey.body.errors[0].field).to.equal("query.provider");
    });

    it("answers 404 for an unknown id and 400 for a malformed one", async function () {
      const res = await request(gw.app)
        .get(`/v1/catalog/resources/0x${"ab".repeat(32)}`)
        .set("Authorization", hrss())
        .expect(404);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/resource_not_found");
      await request(gw.app).get("/v1/catalog/resources/123").set("Authorization", hrss()).expect(400);
    });
  });

  describe("PATCH /v1/catalog/resources/:id", function () {
    it("publishes a new version with the properties given, appended fields and the rest kept", async function () {
      const res = await request(gw.app)
        .patch(`/v1/catalog/resources/${resourceId}`)
        .set("Authorization", psb())
        .send({
          summary: "Registered residents, their addresses and household heads",
          fields: [
            { name: "idNumber", type: "string", personal: true },
            { name: "name", type: "string", personal: true },
            { name: "address", type: "string" },
            { name: "birthDate", type: "date" },
            { name: "householdHead", type: "boolean" },
          ],
        })
        .expect(200);
      expect(res.body).to.include({ version: 2, itemCount: 5, shareType: "conditional", name: "Household register" });
      expect(res.body.metadata.summary).to.equal("Registered residents, their addresses and household heads");
      expect(res.body.upstream).to.deep.equal({ url: "http://127.0.0.1:9101/household" });
      expect((await gw.system.catalog.resource(resourceId)).version).to.equal(2n);
      const detail = await request(gw.app)
        .get(`/v1/catalog/resources/${resourceId}`)
        .set("Authorization", hrss())
        .expect(200);
      expect(detail.body.history.map((h: { event: string; version: number }) => [h.event, h.version])).to.deep.equal([
        ["ResourceRegistered", 1],
        ["ResourceUpdated", 2],
      ]);
    });

    it("refuses renaming or dropping an existing field (400 naming it) and changing the code", async function () {
      const renamed = await request(gw.app)
        .patch(`/v1/catalog/resources/${resourceId}`)
        .set("Authorization", psb())
        .send({ code: "other", fields: [{ name: "identity", type: "string" }] })
        .expect(400);
      expect(renamed.body.errors.map((e: { field: string }) => e.field)).to.include.members([
        "body.code",
        "body.fields[0].name",
        "body.fields",
      ]);
      await request(gw.app)
        .patch(`/v1/catalog/resources/${resourceId}`)
        .set("Authorization", psb())
        .send({})
        .expect(400);
      expect((await gw.system.catalog.resource(resourceId)).version).to.equal(2n);
    });

    it("answers 403 not_provider to another department and 404 for an unknown resource", async function () {
      const res = await request(gw.app)
        .patch(`/v1/catalog/resources/${resourceId}`)
        .set("Authorization", hrss())
        .send({ name: "Mine now" })
        .expect(403);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/not_provider");
      await request(gw.app)
        .patch(`/v1/catalog/resources/0x${"ab".repeat(32)}`)
        .set("Authorization", psb())
        .send({ name: "x" })
        .expect(404);
    });
  });

  describe("POST /v1/catalog/resources/:id/retire", function () {
    it("refuses another department (403), retires for the provider (200), then refuses changes (409)", async function () {
      await request(gw.app).post(`/v1/catalog/resources/${resourceId}/retire`).set("Authorization", hrss()).expect(403);
      const res = await request(gw.app)
        .post(`/v1/catalog/resources/${resourceId}/retire`)
        .set("Authorization", psb())
        .expect(200);
      expect(res.body).to.include({ status: "retired", version: 2 });
      expect((await gw.system.catalog.resource(resourceId)).status).to.equal(2n);
      const again = await request(gw.app)
        .post(`/v1/catalog/resources/${resourceId}/retire`)
        .set("Authorization", psb())
        .expect(409);
      expect(again.body.type).to.equal("https://kuajie.dev/problems/resource_retired");
      await request(gw.app)
        .patch(`/v1/catalog/resources/${resourceId}`)
        .set("Authorization", psb())
        .send({ name: "x" })
        .expect(409);
      await request(gw.app)
        .post(`/v1/catalog/resources/0x${"ab".repeat(32)}/retire`)
        .set("Authorization", psb())
        .expect(404);
    });
  });

  describe("OpenAPI", function () {
    it("describes the catalog, agreements and grants routes from their schemas", async function () {
      const res = await request(gw.app).get("/openapi.json").expect(200);
      const paths = Object.keys(res.body.paths);
      expect(paths).to.include.members([
        "/v1/catalog/resources",
        "/v1/catalog/resources/{id}",
        "/v1/catalog/resources/{id}/retire",
        "/v1/agreements",
        "/v1/agreements/{id}",
        "/v1/agreements/{id}/approve",
        "/v1/agreements/{id}/reject",
        "/v1/agreements/{id}/escalate",
        "/v1/grants",
        "/v1/grants/{id}",
        "/v1/grants/{id}/revoke",
      ]);
      expect(res.body.paths["/v1/catalog/resources"].post.requestBody).to.be.an("object");
      expect(res.body.components.schemas).to.include.keys("CatalogResource", "Agreement", "Grant");
    });
  });

  describe("contract refusals", function () {
    it("turns a revert into 422 problem+json with the custom error (a suspended department registers)", async function () {
      const { consortium, operators, departments } = gw.system;
      const city = departments["gz-civil-affairs"].id;
      await consortium.connect(operators["data-bureau"]).propose(SUSPEND, ethers.zeroPadValue(city, 32));
      try {
        const res = await request(gw.app)
          .post("/v1/catalog/resources")
          .set("Authorization", gw.bearer("gz-civil-affairs"))
          .send(resourceBody("marriage-records"))
          .expect(422);
        expect(res.body).to.include({ errorName: "CatalogUnauthorizedAccount" });
        expect(res.body.type).to.equal("https://kuajie.dev/problems/contract_revert");
      } finally {
        await consortium.connect(operators["data-bureau"]).propose(REINSTATE, ethers.zeroPadValue(city, 32));
      }
    });
  });
});
