import { expect } from "chai";
import request from "supertest";
import { AgreementStore } from "../../../server/src/store/agreements";
import { CatalogStore } from "../../../server/src/store/catalog";
import { openDatabase } from "../../../server/src/common/db";
import { GrantStore } from "../../../server/src/store/grants";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";
import { registerPensionPayments } from "./pension-payments";
import { chainIso, DAY, requestAgreement } from "../support/sharing";

interface GrantHistoryEntry {
  event: string;
  actor: { id: string; key: string | null } | null;
}

describe("Gateway grants: /v1/grants on the real contracts", function () {
  let gw: LiveGateway;
  let agreementId: number; // health (lead) and gz-civil-affairs (co-consumer) on hrss's pension payments
  let validUntil: string;
  let fullGrant: number;
  const as = (key: string) => gw.bearer(key);
  const issue = (key: string, body: Record<string, unknown>) =>
    request(gw.app).post("/v1/grants").set("Authorization", as(key)).send(body);
  const act = (key: string, id: number, action: string) =>
    request(gw.app).post(`/v1/grants/${id}/${action}`).set("Authorization", as(key));

  before(async function () {
    gw = await startLiveGateway();
    const pension = await registerPensionPayments(gw);
    validUntil = await chainIso(180 * DAY);
    const created = await requestAgreement(gw, "health", pension, {
      fields: ["idNumber", "name", "monthlyAmount"],
      quota: { calls: 100, per: "day" },
      coConsumers: [gw.system.departments["gz-civil-affairs"].id],
      validUntil,
    });
    agreementId = created.agreementId;
    expect(created.status).to.equal("requested");
    // Personal data under a statutory duty: the provider approves, whatever the sharing class (issue 11).
    await request(gw.app).post(`/v1/agreements/${agreementId}/approve`).set("Authorization", as("hrss")).expect(200);
    const sealed = await request(gw.app)
      .post(`/v1/agreements/${agreementId}/seal`)
      .set("Authorization", as("gz-civil-affairs"))
      .expect(200);
    expect(sealed.body.status).to.equal("active");
  });
  after(async function () {
    await gw?.stop();
  });

  describe("POST /v1/grants", function () {
    it("issues to the caller's gateway account with the agreement's fields, quota and end by default", async function () {
      const res = await issue("health", { agreementId }).expect(201);
      fullGrant = res.body.grantId;
      expect(res.body).to.include({ agreementId, status: "active", agreementStatus: "active" });
      expect(res.body.grantee).to.equal(gw.chain.accountOf("health"));
      expect(res.body.fields).to.deep.equal(["idNumber", "name", "monthlyAmount"]);
      expect(res.body.fieldMask).to.equal("7");
      expect(res.body.quota).to.deep.equal({ calls: 100, per: "day" });
      expect(res.body.expiresAt).to.equal(new Date(Math.floor(Date.parse(validUntil) / 1000) * 1000).toISOString());
      expect(res.body.consumer).to.deep.equal({ id: gw.system.departments.health.id, key: "health" });
      expect(res.body.provider.key).to.equal("hrss");
      expect(res.body.txHash).to.match(/^0x[0-9a-f]{64}$/);

      const onChain = await gw.system.grants.grant(fullGrant);
      expect(onChain.grantee).to.equal(gw.chain.accountOf("health"));
      expect(onChain.fieldMask).to.equal(7n);
      expect(onChain.quota.calls).to.equal(100n);
      expect(onChain.quota.per).to.equal(3n);
    });

    it("issues a subset of the fields to another account, with an earlier end and a smaller quota", async function () {
      const grantee = "0x000000000000000000000000000000000000bEEF";
      const expiresAt = await chainIso(30 * DAY);
      const res = await issue("health", {
        agreementId: String(agreementId),
        grantee,
        fields: ["name"],
        expiresAt,
        quota: { calls: 10, per: "day" },
      }).expect(201);
      expect(res.body).to.include({ grantee, fieldMask: "2" });
      expect(res.body.fields).to.deep.equal(["name"]);
      expect(res.body.quota).to.deep.equal({ calls: 10, per: "day" });
      expect(res.body.expiresAt).to.equal(new Date(Math.floor(Date.parse(expiresAt) / 1000) * 1000).toISOString());
      expect((await gw.system.grants.grant(res.body.grantId)).fieldMask).to.equal(2n);
    });

    it("lets a co-consumer issue its own grant", async function () {
      const res = await issue("gz-civil-affairs", { agreementId, fields: ["idNumber"] }).expect(201);
      expect(res.body.consumer.key).to.equal("gz-civil-affairs");
      expect(res.body.grantee).to.equal(gw.chain.accountOf("gz-civil-affairs"));
    });

    it("answers 422 fields_outside_agreement for a field the agreement does not cover, and creates nothing", async function () {
      const count = await gw.system.grants.grantCount();
      const res = await issue("health", { agreementId, fields: ["name", "since"] }).expect(422);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/fields_outside_agreement");
      expect(res.body.fields).to.deep.equal(["since"]);
      expect(res.body.allowed).to.deep.equal(["idNumber", "name", "monthlyAmount"]);
      expect(await gw.system.grants.grantCount()).to.equal(count);
    });

    it("answers 400 naming the field: unknown field, bad grantee, bad quota, expiry in the past", async function () {
      const count = await gw.system.grants.grantCount();
      const unknown = await issue("health", { agreementId, fields: ["salary"] }).expect(400);
      expect(unknown.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["body.fields[0]"]);
      const bad = await issue("health", { agreementId: 0, grantee: "0x1234", quota: { calls: 5, per: "year" } }).expect(
        400,
      );
      expect(bad.body.errors.map((e: { field: string }) => e.field)).to.include.members([
        "body.agreementId",
        "body.grantee",
        "body.quota.per",
      ]);
      const past = await issue("health", { agreementId, expiresAt: "2001-01-01T00:00:00Z" }).expect(400);
      expect(past.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["body.expiresAt"]);
      expect(await gw.system.grants.grantCount()).to.equal(count);
    });

    it("passes the contract's refusals on as 422 with errorName (a quota above the agreement's, a late expiry)", async function () {
      const quota = await issue("health", { agreementId, quota: { calls: 1000, per: "day" } }).expect(422);
      expect(quota.body).to.include({ errorName: "GrantsInvalidQuota" });
      const late = await issue("health", { agreementId, expiresAt: await chainIso(400 * DAY) }).expect(422);
      expect(late.body).to.include({ errorName: "GrantsInvalidExpiry" });
    });

    it("answers 403 not_party to the provider and to outsiders, 404 for an unknown agreement", async function () {
      const provider = await issue("hrss", { agreementId }).expect(403);
      expect(provider.body.type).to.equal("https://kuajie.dev/problems/not_party");
      await issue("public-security", { agreementId }).expect(403);
      const missing = await issue("health", { agreementId: 9999 }).expect(404);
      expect(missing.body.type).to.equal("https://kuajie.dev/problems/agreement_not_found");
      await request(gw.app)
        .post("/v1/grants")
        .set("Authorization", gw.bearer(null, "auditor"))
        .send({ agreementId })
        .expect(403);
    });

    it("answers 409 agreement_not_active while the agreement is suspended", async function () {
      await request(gw.app).post(`/v1/agreements/${agreementId}/suspend`).set("Authorization", as("hrss")).expect(200);
      try {
        const res = await issue("health", { agreementId }).expect(409);
        expect(res.body).to.include({ currentStatus: "suspended", agreementId });
        expect(res.body.type).to.equal("https://kuajie.dev/problems/agreement_not_active");
      } finally {
        await request(gw.app).post(`/v1/agreements/${agreementId}/resume`).set("Authorization", as("hrss")).expect(200);
      }
    });
  });

  describe("pause, resume, revoke", function () {
    it("lets the provider and the consumer pause, each lifting only its own pause", async function () {
      const paused = await act("hrss", fullGrant, "pause").expect(200);
      expect(paused.body.status).to.equal("paused");
      expect((await gw.system.grants.grant(fullGrant)).status).to.equal(1n);
      await act("hrss", fullGrant, "pause").expect(409);
      // The consumer cannot undo the provider's pause (issue 11): the contract refuses.
      const refused = await act("health", fullGrant, "resume").expect(422);
      expect(refused.body).to.include({ errorName: "GrantsUnauthorizedAccount" });
      const resumed = await act("hrss", fullGrant, "resume").expect(200);
      expect(resumed.body.status).to.equal("active");
      await act("health", fullGrant, "pause").expect(200);
      await act("hrss", fullGrant, "resume").expect(422);
      const again = await act("health", fullGrant, "resume").expect(200);
      expect(again.body.status).to.equal("active");
      expect((again.body.history as GrantHistoryEntry[]).map((h) => [h.event, h.actor?.key ?? null])).to.deep.equal([
        ["GrantIssued", "health"],
        ["GrantPaused", "hrss"],
        ["GrantResumed", "hrss"],
        ["GrantPaused", "health"],
        ["GrantResumed", "health"],
      ]);
    });

    it("refuses a department that is neither the grant's consumer nor the provider (403), and unknown ids (404)", async function () {
      const res = await act("public-security", fullGrant, "pause").expect(403);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/not_party");
      // The co-consumer did not issue this grant.
      await act("gz-civil-affairs", fullGrant, "revoke").expect(403);
      const missing = await act("health", 9999, "pause").expect(404);
      expect(missing.body.type).to.equal("https://kuajie.dev/problems/grant_not_found");
      await request(gw.app).get("/v1/grants/9999").set("Authorization", as("health")).expect(404);
    });

    it("revokes for good, by the consumer or by the provider", async function () {
      const byConsumer = await issue("health", { agreementId, fields: ["idNumber"] }).expect(201);
      const revoked = await act("health", byConsumer.body.grantId, "revoke").expect(200);
      expect(revoked.body.status).to.equal("revoked");
      const byProvider = await act("hrss", fullGrant, "revoke").expect(200);
      expect(byProvider.body.status).to.equal("revoked");
      expect((await gw.system.grants.grant(fullGrant)).status).to.equal(2n);
      const after = await act("health", fullGrant, "resume").expect(409);
      expect(after.body).to.include({ currentStatus: "revoked" });
      await act("hrss", fullGrant, "revoke").expect(409);
    });
  });

  describe("GET /v1/grants", function () {
    it("lists the grants of an agreement with the block, and shows one with its history", async function () {
      const list = await request(gw.app)
        .get(`/v1/grants?agreementId=${agreementId}`)
        .set("Authorization", gw.bearer(null, "auditor"))
        .expect(200);
      expect(list.body.block).to.be.a("number");
      expect(list.body.items.length).to.equal(4);
      expect(list.body.items.map((g: { grantId: number }) => g.grantId)).to.deep.equal([1, 2, 3, 4]);
      const none = await request(gw.app).get("/v1/grants?agreementId=999").set("Authorization", as("health"));
      expect(none.body.items).to.deep.equal([]);
      await request(gw.app).get("/v1/grants?agreementId=x").set("Authorization", as("health")).expect(400);

      const one = await request(gw.app).get(`/v1/grants/2`).set("Authorization", as("hrss")).expect(200);
      expect(one.body).to.include({ grantId: 2, agreementId, status: "active" });
      expect(one.body.history.map((h: GrantHistoryEntry) => h.event)).to.deep.equal(["GrantIssued"]);

      const agreement = await request(gw.app)
        .get(`/v1/agreements/${agreementId}`)
        .set("Authorization", as("health"))
        .expect(200);
      const issued = agreement.body.history.filter((h: { event: string }) => h.event === "GrantIssued");
      expect(issued.map((h: { args: { grantId: string } }) => h.args.grantId)).to.deep.equal(["1", "2", "3", "4"]);
    });
  });

  describe("projections", function () {
    it("rebuild the catalog, agreements and grants from the indexed chain events alone, and ignore repeats", async function () {
      const db = openDatabase(":memory:");
      const stores = [new CatalogStore(db), new AgreementStore(db), new GrantStore(db)];
      expect(stores.every((s) => s.fresh)).to.equal(true);
      const replay = () => gw.chain.indexer.replay((events) => stores.forEach((s) => s.apply(events)));
      replay();
      replay();
      const [catalog, agreements, grants] = stores as [CatalogStore, AgreementStore, GrantStore];
      const live = new CatalogStore(gw.db);
      const resource = catalog.list()[0];
      expect(resource).to.deep.equal(live.get(resource.resourceId));
      // Which backend serves a resource is the provider gateway's private configuration, never on chain.
      expect(resource.upstreamUrl).to.equal(null);
      const agreement = agreements.get(agreementId)!;
      const liveAgreement = new AgreementStore(gw.db).get(agreementId)!;
      // The purpose text and the terms document are the gateway's own notes (only hashes are on chain).
      expect({ ...agreement, purposeText: null, terms: null }).to.deep.equal({
        ...liveAgreement,
        purposeText: null,
        terms: null,
      });
      expect(agreements.history(agreementId)).to.deep.equal(new AgreementStore(gw.db).history(agreementId));
      expect(grants.list()).to.deep.equal(new GrantStore(gw.db).list());
      expect(grants.history(fullGrant)).to.deep.equal(new GrantStore(gw.db).history(fullGrant));
      db.close();
    });
  });
});
