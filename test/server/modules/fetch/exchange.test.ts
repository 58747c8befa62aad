/**
 * The consumer's half of a federated fetch, on two gateways over one in-process chain, against a provider gateway
 * the test steers (a fake that signs with the provider department's real key, or another).
 */
import { expect } from "chai";
import { ZeroHash, keccak256, toUtf8Bytes, verifyTypedData } from "ethers";
import request from "supertest";
import { HOUSEHOLD_REGISTRATION } from "../../../../backends/datasets";
import { EXCHANGE_REQUEST_TYPES, exchangeDomain, requestDigest } from "../../../../core/exchange";
import { canonicalJson } from "../../../../core/json/canonical-json";
import { fieldsToMask } from "../../../../server/src/common/field-mask";
import { codeToBytes32 } from "../../../../server/src/common/short-codes";
import { IntentStore } from "../../../../server/src/store/intents";
import {
  consentKey,
  departmentId,
  eventually,
  issueGrant,
  makeAgreement,
  recordConsent,
  registerResource,
  subjectRefOf,
  unknownResidentId,
  type RegisteredResource,
} from "../../support/fetch-world";
import {
  closeServer,
  fakeProvider,
  listen,
  startFederation,
  type FakeProvider,
  type Federation,
} from "../../support/federation";

const PURPOSE = "minimum-living-allowance";
const CIVIL = "gz-civil-affairs";
const POLICE = "public-security";
const GRANTED = ["name", "gender", "householdType"];
const RECORD = { idNumber: "not granted", name: "测试", gender: "female", householdType: "urban", internalNote: "x" };

describe("Fetch: the consumer's half of the exchange (POST /v1/data/fetch at the consumer's gateway)", function () {
  this.timeout(120_000);
  let world: Federation;
  let fake: FakeProvider;
  let household: RegisteredResource;
  let agreement: string;
  let grant: string;
  let idNumber: string;
  let subjectRef: string;

  const fetchHousehold = (body: object = {}) =>
    request(world.consumer.app)
      .post("/v1/data/fetch")
      .set("Authorization", world.consumer.bearer(CIVIL))
      .send({ grantId: grant, purpose: { code: PURPOSE }, subject: { idType: "resident_id", idNumber }, ...body });
  const entryOf = async (id: string) =>
    (
      await request(world.consumer.app)
        .get(`/v1/receipts/${id}`)
        .set("Authorization", world.consumer.bearer(CIVIL))
        .expect(200)
    ).body;
  const openIntents = () => new IntentStore(world.consumer.db).listOpen();
  /** A failed or denied answer: the status, the reason, a stored receipt of that outcome, no data, no open intent. */
  const expectNoData = async (res: request.Response, status: number, result: string, reason: string) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.body).to.include({ reason });
    expect(res.body).not.to.have.property("data");
    const entry = await entryOf(res.body.receiptId);
    expect(entry.receipt).to.include({ result, reason, fieldMask: "0x0", responseHash: ZeroHash });
    expect(entry.role).to.equal("consumer");
    expect(openIntents()).to.deep.equal([]);
    return entry;
  };

  before(async function () {
    world = await startFederation({
      env: {
        KUAJIE_RECEIPT_BATCH_SECONDS: "0.2",
        KUAJIE_EXCHANGE_TIMEOUT_MS: "3000", // long enough for a revocation to be mined and indexed mid-call
        KUAJIE_VIEW_MAX_LAG_SECONDS: "5",
      },
    });
    fake = await fakeProvider(world.system, POLICE, { kind: "deliver", data: RECORD });
    await world.publishEndpoint(POLICE, fake.url);
    household = await registerResource(world, HOUSEHOLD_REGISTRATION, "http://127.0.0.1:9/unused");
    agreement = await makeAgreement(world, CIVIL, household, {
      fields: [...GRANTED, "birthDate"],
      purpose: PURPOSE,
      legalBasis: "consent",
    });
    grant = await issueGrant(world, CIVIL, household, agreement, { fields: GRANTED });
    idNumber = unknownResidentId(7);
    subjectRef = await subjectRefOf(world, idNumber);
    await recordConsent(world, CIVIL, consentKey(subjectRef, departmentId(world, CIVIL), household.id, PURPOSE));
  });

  beforeEach(function () {
    fake.behaviour = { kind: "deliver", data: RECORD };
    fake.onRequest = undefined;
    fake.received.length = 0;
  });

  after(async function () {
    await fake?.close();
    await world?.stop();
  });

  it("answers a burst of fetches, begun a few a turn of the event loop (KUAJIE_ADMIT_PER_TURN, 4): each delivered with its own receipt", async function () {
    const answers = await Promise.all(Array.from({ length: 12 }, () => fetchHousehold()));
    for (const res of answers) {
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.data).to.deep.equal({ name: "测试", gender: "female", householdType: "urban" });
    }
    expect(new Set(answers.map((res) => res.body.receipt.id)).size).to.equal(12);
    expect(new Set(fake.received.map((sent) => sent.request.requestId)).size).to.equal(12);
    for (const res of answers) expect((await entryOf(res.body.receipt.id)).receipt.result).to.equal("delivered");
    expect(openIntents()).to.deep.equal([]);
  });

  it("delivers the granted fields of a signed answer, with the exchange's evidence in the consumer receipt", async function () {
    // The consumer's intents while the provider is asked: this exchange's, open.
    let inFlight: Record<string, unknown>[] = [];
    fake.onRequest = async () => {
      inFlight = world.consumer.db.prepare(`SELECT * FROM exchange_intents`).all() as Record<string, unknown>[];
    };
    const res = await fetchHousehold({ params: { as: "of today" } }).expect(200);
    expect(res.body.data).to.deep.equal({ name: "测试", gender: "female", householdType: "urban" });

    expect(fake.received).to.have.length(1);
    const sent = fake.received[0];
    const domain = exchangeDomain(world.system.deployment.chainId, world.system.deployment.contracts.Consortium);
    const mask = fieldsToMask(HOUSEHOLD_REGISTRATION.fields, GRANTED).mask;
    expect(sent.request).to.include({
      consumer: departmentId(world, CIVIL),
      grantId: grant,
      purpose: codeToBytes32(PURPOSE),
      subjectRef,
      fieldMask: `0x${mask.toString(16)}`,
      paramsHash: keccak256(toUtf8Bytes(canonicalJson({ as: "of today" }))),
    });
    // Signed by the consumer department's key; the identity number travels beside the signed fields, not in them.
    const signer = verifyTypedData(domain, EXCHANGE_REQUEST_TYPES, { ...sent.request }, sent.signature);
    expect(signer).to.equal(world.system.operators[CIVIL].address);
    expect(sent.subject).to.deep.equal({ idType: "resident_id", idNumber });
    expect(JSON.stringify(sent.request)).not.to.include(idNumber);

    const entry = await entryOf(res.body.receipt.id);
    expect(entry.receipt).to.include({
      result: "delivered",
      reason: "ok",
      department: departmentId(world, CIVIL),
      provider: departmentId(world, POLICE),
      fieldMask: `0x${mask.toString(16)}`,
      requestHash: requestDigest(domain, sent.request),
      responseHash: keccak256(toUtf8Bytes(canonicalJson({ data: RECORD }))),
      subjectRef,
    });
    expect(entry).to.include({ requestId: sent.request.requestId, role: "consumer" });
    expect(entry.exchange.request).to.deep.equal(sent.request);
    expect(entry.exchange.requestSignature).to.equal(sent.signature);
    expect(entry.exchange.response).to.include({ result: "delivered", responseHash: entry.receipt.responseHash });
    expect(entry.exchange.responseSignature).to.match(/^0x[0-9a-f]{130}$/);
    expect(inFlight.map((row) => row.request_id)).to.deep.equal([sent.request.requestId]);
    expect(JSON.stringify(inFlight)).not.to.include(idNumber);
    // Closed with the receipt, the intent is not kept: nothing of the request or the answer stays beside the receipt.
    expect(openIntents()).to.deep.equal([]);
    expect(world.consumer.db.prepare(`SELECT * FROM exchange_intents`).all()).to.deep.equal([]);
  });

  it("passes the provider's signed refusal through with its reason (403, and 429 for its quota)", async function () {
    fake.behaviour = { kind: "deny", reason: "subject_mismatch" };
    const entry = await expectNoData(await fetchHousehold(), 403, "denied", "subject_mismatch");
    expect(entry.exchange.response).to.include({ result: "denied" });
    expect(entry.exchange.responseSignature).to.match(/^0x[0-9a-f]{130}$/);

    fake.behaviour = { kind: "deny", reason: "quota_exceeded" };
    await expectNoData(await fetchHousehold(), 429, "denied", "quota_exceeded");
  });

  it("passes the provider's signed failures through: not_found 404, upstream_timeout 504", async function () {
    fake.behaviour = { kind: "fail", reason: "not_found" };
    await expectNoData(await fetchHousehold(), 404, "failed", "not_found");
    fake.behaviour = { kind: "fail", reason: "upstream_timeout" };
    await expectNoData(await fetchHousehold(), 504, "failed", "upstream_timeout");
  });

  it("provider_bad_signature (502): an answer signed by an account that does not act for the provider", async function () {
    fake.behaviour = { kind: "foreign_signer", data: RECORD };
    const entry = await expectNoData(await fetchHousehold(), 502, "failed", "provider_bad_signature");
    // An answer that does not verify is not kept as the provider's: it would be evidence of nothing.
    expect(entry.exchange).not.to.have.property("response");
    expect(entry.exchange).not.to.have.property("responseSignature");
  });

  it("provider_bad_signature (502): data whose hash is not the signed response hash", async function () {
    fake.behaviour = { kind: "tamper", data: RECORD };
    await expectNoData(await fetchHousehold(), 502, "failed", "provider_bad_signature");
  });

  it("provider_timeout (504): the provider's gateway does not answer in time", async function () {
    fake.behaviour = { kind: "hang" };
    const entry = await expectNoData(await fetchHousehold(), 504, "failed", "provider_timeout");
    expect(entry.exchange).not.to.have.property("response");
    expect(fake.received).to.have.length(1);
  });

  it("provider_unreachable (502): nothing listens at the published endpoint", async function () {
    const { server, url } = await listen(() => undefined);
    await closeServer(server);
    await world.publishEndpoint(POLICE, url);
    try {
      const entry = await expectNoData(await fetchHousehold(), 502, "failed", "provider_unreachable");
      expect(entry.exchange).not.to.have.property("response");
    } finally {
      await world.publishEndpoint(POLICE, fake.url);
    }
  });

  it("provider_unknown (502): the provider has withdrawn its endpoint; nothing is sent", async function () {
    const written = await world.chain.write(POLICE, "Consortium", "clearGatewayEndpoint", []);
    await world.consumer.chain.indexer.waitForBlock(written.blockNumber);
    try {
      const res = await request(world.consumer.app)
        .get(`/v1/departments/${departmentId(world, POLICE)}`)
        .set("Authorization", world.consumer.bearer(CIVIL))
        .expect(200);
      expect(res.body.gateway).to.equal(null);
      await expectNoData(await fetchHousehold(), 502, "failed", "provider_unknown");
      expect(fake.received).to.have.length(0);
    } finally {
      await world.publishEndpoint(POLICE, fake.url);
    }
  });

  it("shows each member's published endpoint", async function () {
    const res = await request(world.consumer.app)
      .get("/v1/departments")
      .set("Authorization", world.consumer.bearer(CIVIL))
      .expect(200);
    const byKey = new Map(
      (res.body.items as Array<{ id: string; gateway: string | null }>).map((d) => [d.id, d.gateway]),
    );
    expect(byKey.get(departmentId(world, POLICE))).to.equal(fake.url);
    expect(byKey.get(departmentId(world, "health"))).to.equal(world.providerUrl);
    expect(byKey.get(departmentId(world, CIVIL))).to.equal(null);
  });

  it("a grant revoked while the provider answers stops the delivery: a failed receipt, no data", async function () {
    const revocable = await issueGrant(world, CIVIL, household, agreement, { fields: GRANTED });
    fake.onRequest = async () => {
      await world.chain.write(CIVIL, "Grants", "revoke", [revocable]);
    };
    const res = await fetchHousehold({ grantId: revocable });
    const entry = await expectNoData(res, 403, "failed", "grant_inactive");
    // The provider did answer (and signed it): its answer is the evidence that it was not passed on.
    expect(entry.exchange.response).to.include({ result: "delivered" });
  });

  it("refuses with 503 view_stale and a receipt while the view is behind, and /healthz says so", async function () {
    const indexer = world.consumer.chain.indexer;
    await indexer.stop();
    try {
      // The limit of this world is 5 s; the view ages from the last catch-up that reached the head.
      await new Promise((resolve) => setTimeout(resolve, 5_300));
      fake.received.length = 0;
      const res = await fetchHousehold();
      expect(res.status, JSON.stringify(res.body)).to.equal(503);
      expect(res.body).to.include({ reason: "view_stale" });
      const entry = await entryOf(res.body.receiptId);
      expect(entry.receipt).to.include({ result: "failed", reason: "view_stale" });
      expect(fake.received).to.have.length(0);
      const health = await request(world.consumer.app).get("/healthz").expect(503);
      expect(health.body.view).to.include({ fresh: false, maxLagSeconds: 5 });
    } finally {
      indexer.start();
    }
    await eventually(async () => (await request(world.consumer.app).get("/healthz")).status === 200);
    await fetchHousehold().expect(200);
  });
});
