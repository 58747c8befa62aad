import { takeSnapshot, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { canonicalJson } from "../../../core/json/canonical-json";
import { cstDateOf } from "../../../core/calendar/working-days";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";
import { registerPensionPayments } from "./pension-payments";
import { agreementBody, chainIso, DAY, registerResource, requestAgreement, travel } from "../support/sharing";

const CALL = 7;

interface HistoryEntry {
  event: string;
  actor: { id: string; key: string | null } | null;
  byCouncil: boolean;
  txHash: string;
  block: number;
  time: string;
  args: Record<string, unknown>;
}

describe("Gateway agreements: /v1/agreements on the real contracts", function () {
  let gw: LiveGateway;
  let snapshot: SnapshotRestorer;
  let household: string; // public-security, conditional, personal
  let pension: string; // hrss, unconditional
  let criminal: string; // public-security, not shareable
  const as = (key: string) => gw.bearer(key);
  const get = (id: number) => request(gw.app).get(`/v1/agreements/${id}`).set("Authorization", as("health"));
  const act = (key: string, id: number, action: string) =>
    request(gw.app).post(`/v1/agreements/${id}/${action}`).set("Authorization", as(key));

  before(async function () {
    // This suite moves the chain's clock weeks ahead: put the network back as it was when it is done.
    snapshot = await takeSnapshot();
    gw = await startLiveGateway();
    household = await registerResource(gw, "public-security", "household-register");
    pension = await registerPensionPayments(gw);
    criminal = await registerResource(gw, "public-security", "criminal-records", {
      shareType: "not_shareable",
      legalBasis: "《中华人民共和国治安管理处罚法》",
    });
  });
  after(async function () {
    await gw?.stop();
    await snapshot?.restore();
  });

  describe("POST /v1/agreements", function () {
    it("makes an agreement on an unconditional resource active at once, with the fields as a mask", async function () {
      const validUntil = await chainIso(365 * DAY);
      const res = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("health"))
        .send(
          await agreementBody(pension, {
            legalBasis: "consent",
            legalReference: undefined,
            fields: ["name", "monthlyAmount"],
            validUntil,
            quota: { calls: 100, per: "day" },
            terms: { article: 1, text: "Use only for the means test" },
          }),
        )
        .expect(201);
      expect(res.body).to.include({ status: "active", agreementId: 1 });
      expect(res.body.fields).to.deep.equal(["name", "monthlyAmount"]);
      expect(res.body.fieldMask).to.equal("6");
      expect(res.body.quota).to.deep.equal({ calls: 100, per: "day" });
      expect(res.body.replyDeadline).to.equal(null);
      expect(res.body.validUntil).to.equal(new Date(Math.floor(Date.parse(validUntil) / 1000) * 1000).toISOString());
      expect(res.body.purpose).to.deep.equal({
        code: "minimum-living-allowance",
        text: "Means test for the minimum living allowance",
      });
      expect(res.body.consumer).to.deep.equal({ id: gw.system.departments.health.id, key: "health" });
      expect(res.body.provider.key).to.equal("hrss");

      const onChain = await gw.system.agreements.agreement(1);
      expect(onChain.fieldMask).to.equal(6n);
      expect(onChain.purpose).to.equal(ethers.encodeBytes32String("minimum-living-allowance"));
      expect(onChain.legalBasis).to.equal(0n);
      expect(onChain.validUntil).to.equal(BigInt(Math.floor(Date.parse(validUntil) / 1000)));
      const termsJson = canonicalJson({ article: 1, text: "Use only for the means test" });
      expect(onChain.termsHash).to.equal(ethers.id(termsJson));
      expect(res.body.termsHash).to.equal(ethers.id(termsJson));
      expect(res.body.terms).to.deep.equal({ article: 1, text: "Use only for the means test" });
      expect(res.body.history.map((h: HistoryEntry) => h.event)).to.deep.equal([
        "AgreementRequested",
        "AgreementActivated",
      ]);
      expect(res.body.history[0].actor).to.deep.equal({ id: gw.system.departments.health.id, key: "health" });
    });

    it("makes personal data under a statutory duty wait for the provider, with the legal reference on chain", async function () {
      const created = await requestAgreement(gw, "health", pension);
      expect(created.status).to.equal("requested");
      expect(created.replyDeadline).to.not.equal(null);
      const events = await gw.system.agreements.queryFilter(
        gw.system.agreements.filters.AgreementLegalReference(created.agreementId),
      );
      expect(events.map((e) => e.args.legalReference)).to.deep.equal([ethers.id("《社会救助暂行办法》第十一条")]);
      const approved = await act("hrss", created.agreementId, "approve").expect(200);
      expect(approved.body.status).to.equal("active");

      const bare = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("health"))
        .send(await agreementBody(pension, { legalReference: undefined }))
        .expect(422);
      expect(bare.body).to.include({ errorName: "SharingLegalReferenceRequired" });
    });

    it("accepts unix seconds for the times and hashes an empty terms object when none is given", async function () {
      const now = Number((await ethers.provider.getBlock("latest"))!.timestamp);
      const res = await requestAgreement(gw, "health", pension, { validFrom: now, validUntil: now + 30 * DAY });
      expect(res.validFrom).to.equal(new Date(now * 1000).toISOString());
      expect(res.termsHash).to.equal(ethers.id("{}"));
    });

    it("keeps a conditional request requested, with its reply deadline, until the provider approves", async function () {
      const created = await requestAgreement(gw, "hrss", household, { legalBasis: "consent" });
      expect(created.status).to.equal("requested");
      expect(created.requiresConsent).to.equal(true);
      expect(created.replyDeadline).to.be.a("string");
      expect(created.overdue).to.equal(false);
      // Ten working days (the council's default) after the day of filing, on the council's calendar.
      const deadline = Date.parse(created.replyDeadline as string) / 1000;
      const filedAt = Date.parse(created.requestedAt as string) / 1000;
      expect(await gw.system.calendar.deadlineAfter(filedAt, 10)).to.equal(BigInt(deadline));
      expect(created.replyDeadlineDate).to.equal(cstDateOf(deadline));
      // Ten left on the day of filing (nine had midnight in China passed since).
      expect(created.replyWorkingDaysLeft).to.be.oneOf([9, 10]);

      const approved = await act("public-security", created.agreementId, "approve").expect(200);
      expect(approved.body).to.include({ status: "active", providerApproved: true });
      expect(approved.body.txHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(approved.body.history.map((h: HistoryEntry) => h.event)).to.deep.equal([
        "AgreementRequested",
        "AgreementSealed",
        "AgreementApproved",
        "AgreementActivated",
      ]);
      const approval = approved.body.history[2] as HistoryEntry;
      expect(approval.actor).to.deep.equal({
        id: gw.system.departments["public-security"].id,
        key: "public-security",
      });
      expect(approval.txHash).to.equal(approved.body.txHash);
      expect(approval.time).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(await gw.system.agreements.agreementStatus(created.agreementId)).to.equal(1n);

      const again = await act("public-security", created.agreementId, "approve").expect(409);
      expect(again.body.type).to.equal("https://kuajie.dev/problems/invalid_status");
      expect(again.body.currentStatus).to.equal("active");
    });

    it("answers 422 not_shareable for a not-shareable resource and creates nothing", async function () {
      const count = await gw.system.agreements.agreementCount();
      const res = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("hrss"))
        .send(await agreementBody(criminal))
        .expect(422);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/not_shareable");
      expect(res.body).to.include({ reason: "not_shareable", resourceId: criminal });
      expect(await gw.system.agreements.agreementCount()).to.equal(count);
    });

    it("answers 400 naming the field: unknown field name, bad enum, missing validUntil, bad quota", async function () {
      const count = await gw.system.agreements.agreementCount();
      const unknown = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("health"))
        .send(await agreementBody(pension, { fields: ["name", "salary"] }))
        .expect(400);
      expect(unknown.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["body.fields[1]"]);
      expect(unknown.body.detail).to.contain("salary");

      const body = await agreementBody(pension, { legalBasis: "because", quota: { calls: 0, per: "week" } });
      delete body.validUntil;
      const bad = await request(gw.app).post("/v1/agreements").set("Authorization", as("health")).send(body);
      expect(bad.status).to.equal(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).to.include.members([
        "body.legalBasis",
        "body.validUntil",
        "body.quota.calls",
        "body.quota.per",
      ]);

      const code = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("health"))
        .send(await agreementBody(pension, { purpose: { code: "Not A Code" } }))
        .expect(400);
      expect(code.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["body.purpose.code"]);
      const past = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("health"))
        .send(await agreementBody(pension, { validUntil: "2001-01-01T00:00:00Z" }))
        .expect(400);
      expect(past.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["body.validUntil"]);
      expect(await gw.system.agreements.agreementCount()).to.equal(count);
    });

    it("answers 404 for an unknown resource", async function () {
      const res = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("health"))
        .send(await agreementBody(`0x${"cd".repeat(32)}`))
        .expect(404);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/resource_not_found");
    });

    it("passes the contract's refusals on as 422 with errorName (the provider requesting its own resource)", async function () {
      const res = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("hrss"))
        .send(await agreementBody(pension))
        .expect(422);
      expect(res.body).to.include({ errorName: "SharingConsumerIsProvider" });
      const co = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("health"))
        .send(await agreementBody(pension, { coConsumers: [`0x${"12".repeat(32)}`] }))
        .expect(422);
      expect(co.body).to.include({ errorName: "SharingInvalidCoConsumer" });
    });

    it("answers a retry with the same Idempotency-Key with the same agreement and creates nothing new", async function () {
      const body = await agreementBody(pension);
      const first = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("health"))
        .set("Idempotency-Key", "health-pension-2026")
        .send(body)
        .expect(201);
      const count = await gw.system.agreements.agreementCount();
      const retry = await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", as("health"))
        .set("Idempotency-Key", "health-pension-2026")
        .send(body)
        .expect(201);
      expect(retry.headers["idempotent-replayed"]).to.equal("true");
      expect(retry.body.agreementId).to.equal(first.body.agreementId);
      expect(await gw.system.agreements.agreementCount()).to.equal(count);
    });

    it("refuses auditor tokens (403) and requests without a token (401)", async function () {
      const body = await agreementBody(pension);
      await request(gw.app)
        .post("/v1/agreements")
        .set("Authorization", gw.bearer(null, "auditor"))
        .send(body)
        .expect(403);
      await request(gw.app).post("/v1/agreements").send(body).expect(401);
    });
  });

  describe("answers and seals", function () {
    it("rejects with a reason: its hash on chain, the text shown, and approval refused afterwards", async function () {
      const { agreementId } = await requestAgreement(gw, "health", household);
      await act("public-security", agreementId, "reject").send({}).expect(400);
      const reason = "The purpose does not need the household address";
      const res = await act("public-security", agreementId, "reject").send({ reason }).expect(200);
      expect(res.body.status).to.equal("rejected");
      expect(res.body.rejection).to.deep.equal({ reasonHash: ethers.id(reason), reason, byCouncil: false });
      const rejected = res.body.history.at(-1) as HistoryEntry;
      expect(rejected.event).to.equal("AgreementRejected");
      expect(rejected.args.reasonHash).to.equal(ethers.id(reason));
      expect(await gw.system.agreements.agreementStatus(agreementId)).to.equal(2n);
      await act("public-security", agreementId, "approve").expect(409);
    });

    it("answers 403 not_party when another department answers the provider's request", async function () {
      const { agreementId } = await requestAgreement(gw, "health", household);
      const res = await act("hrss", agreementId, "approve").expect(403);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/not_party");
      await act("health", agreementId, "reject").send({ reason: "no" }).expect(403);
      expect(await gw.system.agreements.agreementStatus(agreementId)).to.equal(0n);
    });

    it("waits for every co-consumer's seal after the provider's approval", async function () {
      const city = gw.system.departments["gz-civil-affairs"].id;
      const { agreementId, coConsumers } = await requestAgreement(gw, "health", household, { coConsumers: [city] });
      expect(coConsumers).to.deep.equal([{ id: city, key: "gz-civil-affairs", sealed: false }]);
      const approved = await act("public-security", agreementId, "approve").expect(200);
      expect(approved.body.status).to.equal("requested");
      await act("hrss", agreementId, "seal").expect(403);
      const sealed = await act("gz-civil-affairs", agreementId, "seal").expect(200);
      expect(sealed.body.status).to.equal("active");
      expect(sealed.body.coConsumers[0].sealed).to.equal(true);
      const seal = (sealed.body.history as HistoryEntry[]).filter((h) => h.event === "AgreementSealed").at(-1)!;
      expect(seal.actor).to.deep.equal({ id: city, key: "gz-civil-affairs" });
      await act("gz-civil-affairs", agreementId, "seal").expect(409);
    });

    it("answers 404 for an unknown agreement and 400 for a malformed id", async function () {
      const res = await act("public-security", 9999, "approve").expect(404);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/agreement_not_found");
      await get(9999).expect(404);
      await request(gw.app).get("/v1/agreements/abc").set("Authorization", as("health")).expect(400);
    });
  });

  describe("supervision", function () {
    it("lets the provider suspend, resume and terminate, and refuses the consumer and wrong states", async function () {
      const { agreementId } = await requestAgreement(gw, "health", pension, {
        legalBasis: "consent",
        legalReference: undefined,
      });
      await act("health", agreementId, "suspend").expect(403);
      await act("hrss", agreementId, "resume").expect(409);
      const suspended = await act("hrss", agreementId, "suspend").expect(200);
      expect(suspended.body.status).to.equal("suspended");
      expect(await gw.system.agreements.agreementStatus(agreementId)).to.equal(4n);
      const resumed = await act("hrss", agreementId, "resume").expect(200);
      expect(resumed.body.status).to.equal("active");
      const missing = await act("hrss", agreementId, "terminate").send({}).expect(400);
      expect(missing.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["body.reason"]);
      const terminated = await act("hrss", agreementId, "terminate")
        .send({ reason: "The consumer used the data outside the purpose" })
        .expect(200);
      expect(terminated.body.status).to.equal("terminated");
      const [ended] = await gw.system.agreements.queryFilter(
        gw.system.agreements.filters.AgreementTerminated(agreementId),
      );
      expect(ended.args.reasonHash).to.equal(ethers.id("The consumer used the data outside the purpose"));
      expect((terminated.body.history as HistoryEntry[]).map((h) => h.event).slice(-3)).to.deep.equal([
        "AgreementSuspended",
        "AgreementResumed",
        "AgreementTerminated",
      ]);
      await act("hrss", agreementId, "terminate").send({ reason: "again" }).expect(409);
      // A request is answered by reject, not terminated.
      const requested = await requestAgreement(gw, "hrss", household, { legalBasis: "consent" });
      await act("public-security", requested.agreementId, "terminate").send({ reason: "no" }).expect(409);
    });
  });

  describe("GET /v1/agreements", function () {
    it("lists by the caller's role and by effective status, with the block", async function () {
      const provider = await request(gw.app)
        .get("/v1/agreements?as=provider")
        .set("Authorization", as("public-security"))
        .expect(200);
      expect(provider.body.block).to.be.a("number");
      expect(provider.body.items.length).to.be.greaterThan(0);
      for (const a of provider.body.items) expect(a.provider.key).to.equal("public-security");

      const consumer = await request(gw.app)
        .get("/v1/agreements?as=consumer&status=active")
        .set("Authorization", as("gz-civil-affairs"))
        .expect(200);
      expect(consumer.body.items.length).to.equal(1);
      expect(consumer.body.items[0].coConsumers[0].key).to.equal("gz-civil-affairs");

      const rejected = await request(gw.app)
        .get("/v1/agreements?status=rejected")
        .set("Authorization", gw.bearer(null, "auditor"))
        .expect(200);
      expect(rejected.body.items.map((a: { status: string }) => a.status)).to.deep.equal(["rejected"]);

      await request(gw.app)
        .get("/v1/agreements?as=consumer")
        .set("Authorization", gw.bearer(null, "auditor"))
        .expect(400);
      const bad = await request(gw.app)
        .get("/v1/agreements?as=owner&status=asleep")
        .set("Authorization", as("health"))
        .expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(["query.as", "query.status"]);
    });
  });

  describe("returned data (回流): the city department under the province", function () {
    let returned: string; // data-bureau (province), conditional, personal, returned

    before(async function () {
      returned = await registerResource(gw, "data-bureau", "returned-household-register");
    });

    it("lets the provider mark a resource returned, and nobody else; the catalog shows the mark", async function () {
      const mark = (key: string, body: unknown) =>
        request(gw.app)
          .post(`/v1/catalog/resources/${returned}/returned`)
          .set("Authorization", as(key))
          .send(body as object);
      const refused = await mark("public-security", { returned: true }).expect(403);
      expect(refused.body.type).to.match(/not_provider$/);
      const bad = await mark("data-bureau", { returned: "yes" }).expect(400);
      expect(JSON.stringify(bad.body)).to.contain("body.returned");
      expect(await gw.system.catalog.isReturned(returned)).to.equal(false);
      const marked = await mark("data-bureau", { returned: true }).expect(200);
      expect(marked.body).to.include({ returned: true, version: 1, shareType: "conditional" });
      expect(await gw.system.catalog.isReturned(returned)).to.equal(true);
      const listed = await request(gw.app)
        .get(`/v1/catalog/resources/${returned}`)
        .set("Authorization", as("health"))
        .expect(200);
      expect(listed.body.returned).to.equal(true);
      expect(listed.body.history.map((h: { event: string }) => h.event)).to.include("ResourceReturnChanged");
    });

    it("makes the city department's agreement active at once, bound to consent; a provincial peer still asks", async function () {
      const city = await requestAgreement(gw, "gz-civil-affairs", returned, { legalBasis: "consent" });
      expect(city).to.include({ status: "active", requiresConsent: true, providerApproved: true });
      expect(city.replyDeadline).to.equal(null);
      expect(city.replyWorkingDaysLeft).to.equal(null);
      const peer = await requestAgreement(gw, "health", returned, { legalBasis: "consent" });
      expect(peer).to.include({ status: "requested", providerApproved: false });
      expect(peer.replyDeadline).to.be.a("string");
      // Personal data on a statutory duty still needs the provider, returned or not.
      const byLaw = await requestAgreement(gw, "gz-civil-affairs", returned);
      expect(byLaw.status).to.equal("requested");
    });
  });

  describe("time: reply deadlines, escalation, the council, expiry", function () {
    let waiting: number;
    let shortLived: number;

    it("refuses escalation before the reply deadline (the contract decides: 422)", async function () {
      waiting = (await requestAgreement(gw, "health", household)).agreementId;
      shortLived = (await requestAgreement(gw, "health", pension, { validUntil: await chainIso(2 * DAY) })).agreementId;
      const res = await act("health", waiting, "escalate").expect(422);
      expect(res.body).to.include({ errorName: "SharingReplyDeadlineNotReached" });
      // Which clock judged it: the chain's, which time travel moves away from the wall clock.
      const clock = /judged by the chain's clock \(block (\d+) at (\S+), unix (\d+)\)/.exec(res.body.detail);
      expect(clock, res.body.detail).to.not.equal(null);
      const block = (await ethers.provider.getBlock(Number(clock![1])))!;
      expect([clock![2], Number(clock![3])]).to.deep.equal([
        new Date(block.timestamp * 1000).toISOString(),
        block.timestamp,
      ]);
      expect((await get(waiting).expect(200)).body.overdue).to.equal(false);
    });

    it("shows the request overdue past the deadline, escalates it, and shows expiry by time", async function () {
      const deadline = Number((await gw.system.agreements.agreement(waiting)).replyDeadline);
      await travel(gw, deadline - (await ethers.provider.getBlock("latest"))!.timestamp + 3600);
      const overdue = await get(waiting).expect(200);
      expect(overdue.body).to.include({ status: "requested", overdue: true, replyWorkingDaysLeft: 0 });
      expect((await get(shortLived).expect(200)).body.status).to.equal("expired");
      await act("hrss", shortLived, "suspend").expect(409);

      const res = await act("hrss", waiting, "escalate").expect(200);
      expect(res.body).to.include({ status: "escalated", overdue: false });
      const escalation = res.body.history.at(-1) as HistoryEntry;
      expect(escalation).to.include({ event: "AgreementEscalated" });
      expect(escalation.actor).to.deep.equal({ id: gw.system.departments.hrss.id, key: "hrss" });
      await act("public-security", waiting, "approve").expect(409);
    });

    it("reflects the council's decision on an escalated request", async function () {
      const { consortium, agreements, operators } = gw.system;
      const data = agreements.interface.encodeFunctionData("councilDecide", [waiting, true, ethers.ZeroHash]);
      const payload = ethers.AbiCoder.defaultAbiCoder().encode(
        ["address", "bytes"],
        [await agreements.getAddress(), data],
      );
      await consortium.connect(operators["data-bureau"]).propose(CALL, payload);
      await gw.chain.indexer.catchUp();
      const res = await get(waiting).expect(200);
      expect(res.body).to.include({ status: "active", providerApproved: true });
      expect(res.body.councilDecision).to.deep.equal({ approved: true, reasonHash: ethers.ZeroHash, reason: null });
      const decided = (res.body.history as HistoryEntry[]).find((h) => h.event === "AgreementDecidedByCouncil")!;
      expect(decided).to.include({ byCouncil: true, actor: null });
      expect(decided.args.approved).to.equal(true);
      const approvedByCouncil = (res.body.history as HistoryEntry[]).find((h) => h.event === "AgreementApproved")!;
      expect(approvedByCouncil.byCouncil).to.equal(true);
    });
  });
});
