/**
 * Write-ahead on the consumer's side (issue 16): an exchange interrupted by a crash — the intent stored, the provider
 * asked, no receipt yet — is completed by the next gateway on the same database, which asks the provider again with
 * the same requestId and closes it with a consumer receipt saying truthfully that nothing reached the caller.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ZeroHash } from "ethers";
import request from "supertest";
import { randomBytes } from "node:crypto";
import { hexlify, keccak256, toUtf8Bytes } from "ethers";
import { HOUSEHOLD_REGISTRATION, MEDICAL_INSTITUTIONS } from "../../../../backends/datasets";
import { exchangeDomain, requestDigest, signRequest, type ExchangeRequest } from "../../../../core/exchange";
import { canonicalJson } from "../../../../core/json/canonical-json";
import { fieldsToMask } from "../../../../server/src/common/field-mask";
import { codeToBytes32 } from "../../../../server/src/common/short-codes";
import { callProvider } from "../../../../server/src/modules/fetch/exchange-client";
import { IntentStore } from "../../../../server/src/store/intents";
import {
  departmentId,
  eventually,
  issueGrant,
  makeAgreement,
  registerResource,
  unknownResidentId,
} from "../../support/fetch-world";
import {
  fakeProvider,
  consumerKeys,
  startFederation,
  type FakeProvider,
  type Federation,
} from "../../support/federation";
import { startLiveGateway } from "../../support/live-gateway";

const CIVIL = "gz-civil-affairs";
const POLICE = "public-security";
const PURPOSE = "household-check";

describe("Fetch: intents of interrupted exchanges are completed at start", function () {
  this.timeout(120_000);
  let world: Federation;
  let fake: FakeProvider;
  let dir: string;

  /**
   * "Kills" the consumer gateway (its database as a crash leaves it, taken while it runs), starts a new one on that
   * state, and resolves once it has closed the intent of `requestId`, with the consumer receipt that closed it.
   */
  const crashAndRestart = async (name: string, requestId: string) => {
    const snapshot = path.join(dir, name);
    world.consumer.db.exec(`VACUUM INTO '${snapshot}'`);
    await world.consumer.stop();
    const restarted = await startLiveGateway({
      system: world.system,
      departments: consumerKeys(world.system),
      databaseFile: snapshot,
      env: { KUAJIE_RECEIPT_BATCH_SECONDS: "0.2" },
    });
    world.replaceConsumer(restarted);
    const reopened = new IntentStore(restarted.db);
    await eventually(async () => reopened.listOpen().length === 0);
    // The intent is gone with the receipt that closed it: the consumer receipt of its requestId.
    const listed = await request(restarted.app)
      .get("/v1/receipts?limit=1000")
      .set("Authorization", restarted.bearer(CIVIL))
      .expect(200);
    const closing = (listed.body.items as { requestId?: string; role?: string; receipt: { id: string } }[]).filter(
      (r) => r.requestId === requestId && r.role === "consumer",
    );
    expect(closing).to.have.length(1);
    const entry = await request(restarted.app)
      .get(`/v1/receipts/${closing[0].receipt.id}`)
      .set("Authorization", restarted.bearer(CIVIL))
      .expect(200);
    return { restarted, entry: entry.body };
  };

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-intents-"));
    // A long exchange timeout: the first consumer gateway is "killed" while its exchange is still in flight.
    world = await startFederation({
      env: { KUAJIE_RECEIPT_BATCH_SECONDS: "0.2" },
      consumerEnv: { KUAJIE_EXCHANGE_TIMEOUT_MS: "60000" },
    });
    fake = await fakeProvider(world.system, POLICE, { kind: "hang" });
    await world.publishEndpoint(POLICE, fake.url);
  });

  after(async function () {
    await fake?.close();
    await world?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("asks the provider again with the same requestId and closes the intent as not_delivered, keeping its answer", async function () {
    const household = await registerResource(world, HOUSEHOLD_REGISTRATION, "http://127.0.0.1:9/unused");
    const agreement = await makeAgreement(world, CIVIL, household, {
      fields: ["name"],
      purpose: PURPOSE,
      legalBasis: "statutory_duty",
    });
    const grant = await issueGrant(world, CIVIL, household, agreement, { fields: ["name"] });
    const idNumber = unknownResidentId(3);
    const inFlight = request(world.consumer.app)
      .post("/v1/data/fetch")
      .set("Authorization", world.consumer.bearer(CIVIL))
      .send({ grantId: grant, purpose: { code: PURPOSE }, subject: { idType: "resident_id", idNumber } })
      .then(
        (res) => res,
        () => null,
      );
    await eventually(async () => fake.received.length === 1);
    const first = fake.received[0];

    // The state a SIGKILL leaves at this point: the intent is committed, the provider was asked, nothing answered.
    const intents = new IntentStore(world.consumer.db);
    expect(intents.listOpen().map((i) => i.requestId)).to.deep.equal([first.request.requestId]);
    // What the intent keeps is what was signed and the params: never the identity number.
    expect(JSON.stringify(world.consumer.db.prepare(`SELECT * FROM exchange_intents`).all())).not.to.include(idNumber);
    fake.behaviour = { kind: "deliver", data: { name: "测试" } };
    const { restarted, entry } = await crashAndRestart("consumer.db", first.request.requestId);

    // Asked again with the very request it had signed, and without the identity number (never stored).
    expect(fake.received).to.have.length(2);
    expect(fake.received[1].request).to.deep.equal(first.request);
    expect(fake.received[1].signature).to.equal(first.signature);
    expect(fake.received[1].subject).to.equal(undefined);

    expect(entry.receipt).to.include({
      result: "failed",
      reason: "not_delivered",
      department: departmentId(world, CIVIL),
      grantId: grant,
      fieldMask: "0x0",
      responseHash: ZeroHash,
    });
    expect(entry).to.include({ requestId: first.request.requestId, role: "consumer" });
    expect(entry.exchange.requestSignature).to.equal(first.signature);
    expect(entry.exchange.response).to.include({ requestId: first.request.requestId, result: "delivered" });
    expect(entry.exchange.responseSignature).to.match(/^0x[0-9a-f]{130}$/);
    // Closed with its receipt, the intent is not kept.
    expect(restarted.db.prepare(`SELECT * FROM exchange_intents`).all()).to.deep.equal([]);

    await fake.close(); // ends the first gateway's stalled call, whose gateway is gone
    await inFlight;
  });

  it("gets the real provider's first signed answer again, and the provider counts and receipts the request once", async function () {
    const consumer = world.consumer;
    const institutions = await registerResource(world, MEDICAL_INSTITUTIONS, "http://127.0.0.1:9"); // nothing there
    const agreement = await makeAgreement(world, CIVIL, institutions, {
      fields: ["name"],
      purpose: "service-directory",
      legalBasis: "public_interest",
    });
    const grant = await issueGrant(world, CIVIL, institutions, agreement, { fields: ["name"] });
    const mask = fieldsToMask(MEDICAL_INSTITUTIONS.fields, ["name"]).mask;
    const domain = exchangeDomain(world.system.deployment.chainId, world.system.deployment.contracts.Consortium);
    const exchangeRequest: ExchangeRequest = {
      requestId: hexlify(randomBytes(32)),
      consumer: departmentId(world, CIVIL),
      grantId: grant,
      purpose: codeToBytes32("service-directory"),
      subjectRef: ZeroHash,
      fieldMask: `0x${mask.toString(16)}`,
      paramsHash: keccak256(toUtf8Bytes(canonicalJson(null))),
      time: Math.floor(Date.now() / 1000),
    };
    const signer = consumer.chain.typedDataSigner(CIVIL);
    if (!signer) throw new Error("the consumer gateway holds no key for civil affairs");
    const signature = await signRequest(signer, domain, exchangeRequest);
    // The consumer asked and the provider answered (its backend is unreachable: a signed failure), but the consumer
    // died before recording: its intent is open.
    const first = await callProvider(world.providerUrl, { request: exchangeRequest, signature }, 10_000);
    expect(first.kind).to.equal("answered");
    const firstAnswer = (first as { body: { response: { result: string }; signature: string } }).body;
    expect(firstAnswer.response.result).to.equal("failed");
    new IntentStore(consumer.db).open({
      requestId: exchangeRequest.requestId,
      departmentKey: CIVIL,
      request: exchangeRequest,
      signature,
      provider: departmentId(world, "health"),
      context: {
        time: exchangeRequest.time,
        department: departmentId(world, CIVIL),
        account: consumer.chain.accountOf(CIVIL),
        grantId: grant,
        agreementId: agreement,
        consentId: ZeroHash,
        provider: departmentId(world, "health"),
        resourceId: institutions.id,
        resourceVersion: 1,
        fieldMask: "0x0",
        subjectRef: ZeroHash,
        purpose: exchangeRequest.purpose,
        requestHash: requestDigest(domain, exchangeRequest),
      },
      params: null,
      createdMs: Date.now(),
    });
    const { entry } = await crashAndRestart("consumer-2.db", exchangeRequest.requestId);
    expect(entry.receipt).to.include({ result: "failed", reason: "not_delivered" });
    // The very answer the provider gave first, signature and all.
    expect(entry.exchange.response).to.deep.equal(firstAnswer.response);
    expect(entry.exchange.responseSignature).to.equal(firstAnswer.signature);
    const providerSide = await request(world.provider.app)
      .get(`/v1/receipts?agreementId=${agreement}`)
      .set("Authorization", world.provider.bearer("health"))
      .expect(200);
    const ofThisRequest = (providerSide.body.items as Array<{ requestId?: string; role?: string }>).filter(
      (item) => item.requestId === exchangeRequest.requestId,
    );
    expect(ofThisRequest.map((item) => item.role)).to.deep.equal(["provider"]);
  });
});
