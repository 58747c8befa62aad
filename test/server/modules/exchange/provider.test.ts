/**
 * The provider's exchange endpoint, called directly as another department's gateway would (or a hostile one), with
 * requests signed by the departments' development keys. Every hostile case asserts that no data left the provider
 * and that the refusal is in the provider's own receipts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { lintExposition } from "../../support/prometheus-lint";
import { expect } from "chai";
import { ethers, Wallet, ZeroHash, keccak256, toUtf8Bytes } from "ethers";
import request from "supertest";
import { HOUSEHOLD_REGISTRATION } from "../../../../backends/datasets";
import { startBackends, type RunningBackends, PORTS_FROM_OS } from "../../../../backends/main";
import { BACKEND_TOKEN_HEADER } from "../../../../core/backend";
import {
  exchangeDomain,
  recoverSigner,
  responseDigest,
  signRequest,
  type ExchangeRequest,
  type ExchangeResponse,
} from "../../../../core/exchange";
import { canonicalJson } from "../../../../core/json/canonical-json";
import type { Receipt } from "../../../../core/receipt";
import { deriveDevSigners } from "../../../../server/src/chain/keys";
import { fieldsToMask } from "../../../../server/src/common/field-mask";
import { codeToBytes32 } from "../../../../server/src/common/short-codes";
import { ANSWER_MEMORY_MS } from "../../../../server/src/modules/exchange/service";
import { ExchangeStore } from "../../../../server/src/store/exchanges";
import { UpstreamStore } from "../../../../server/src/store/upstreams";
import { DEMO_DEPARTMENTS } from "../../../../scripts/lib/demo-departments";
import {
  consentKey,
  departmentId,
  eventually,
  issueGrant,
  recordConsent,
  makeAgreement,
  receiptsSettled,
  registerResource,
  subjectRefOf,
  type RegisteredResource,
} from "../../support/fetch-world";
import { DEV_MNEMONIC, startLiveGateway, type LiveGateway } from "../../support/live-gateway";

const PURPOSE = "minimum-living-allowance";
const CIVIL = "gz-civil-affairs";
const HRSS = "hrss";
const PROVIDER = "public-security";
const GRANTED = ["name", "gender"];

interface ReceiptEntry {
  receipt: Receipt;
  requestId?: string;
  role?: "consumer" | "provider";
  exchange?: { request: ExchangeRequest; requestSignature: string; response?: ExchangeResponse };
}

interface Answer {
  status: number;
  body: { data?: Record<string, unknown>; response?: ExchangeResponse; signature?: string; detail?: string } & Record<
    string,
    unknown
  >;
}

describe("Exchange: the provider's endpoint POST /exchange/v1/fetch", function () {
  this.timeout(180_000);
  const keys = deriveDevSigners(
    DEV_MNEMONIC,
    DEMO_DEPARTMENTS.map((d) => d.key),
    { firstIndex: 1 },
  );
  let gw: LiveGateway;
  let backends: RunningBackends;
  let household: RegisteredResource;
  let civilGrant: string;
  let hrssGrant: string;
  let quotaGrant: string;
  let people: string[];
  let sequence = 0;

  const domain = () => exchangeDomain(gw.system.deployment.chainId, gw.system.deployment.contracts.Consortium);
  const maskOf = (fields: string[]) => `0x${fieldsToMask(HOUSEHOLD_REGISTRATION.fields, fields).mask.toString(16)}`;
  const nextRequestId = () => ethers.id(`exchange-provider-test-${++sequence}`);
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  /** The first person's consent to `recipient` using the household register for `purpose`. */
  const consentOf = async (recipient: string, purpose: string) =>
    recordConsent(
      gw,
      recipient,
      consentKey(await subjectRefOf(gw, people[0]), departmentId(gw, recipient), household.id, purpose),
    );

  async function signed(
    overrides: Partial<ExchangeRequest> & { consumerKey?: string; signerKey?: string; person?: number } = {},
  ) {
    const { consumerKey = CIVIL, signerKey, person = 0, ...fields } = overrides;
    const exchangeRequest: ExchangeRequest = {
      requestId: nextRequestId(),
      consumer: departmentId(gw, consumerKey),
      grantId: civilGrant,
      purpose: codeToBytes32(PURPOSE),
      subjectRef: await subjectRefOf(gw, people[person]),
      fieldMask: maskOf(GRANTED),
      paramsHash: keccak256(toUtf8Bytes(canonicalJson(null))),
      time: nowSeconds(),
      ...fields,
    };
    const signature = await signRequest(keys.get(signerKey ?? consumerKey)!, domain(), exchangeRequest);
    return {
      request: exchangeRequest,
      signature,
      subject: { idType: "resident_id", idNumber: people[person] },
    };
  }

  const post = async (body: unknown): Promise<Answer> => {
    const res = await request(gw.app)
      .post("/exchange/v1/fetch")
      .send(body as object);
    return { status: res.status, body: res.body };
  };

  const providerReceipts = async (requestId: string): Promise<ReceiptEntry[]> => {
    const res = await request(gw.app)
      .get("/v1/receipts?limit=1000")
      .set("Authorization", gw.bearer(PROVIDER))
      .expect(200);
    return (res.body.items as ReceiptEntry[]).filter((r) => r.requestId === requestId);
  };

  /** The answer delivered nothing, and the provider recorded exactly one refusal of this request with `reason`. */
  async function expectRefused(answer: Answer, requestId: string, reason: string, result = "denied") {
    expect(answer.body).to.not.have.property("data");
    expect(JSON.stringify(answer.body)).to.not.match(/internalNote|"gender"/);
    const receipts = await providerReceipts(requestId);
    expect(receipts.map((r) => [r.receipt.result, r.receipt.reason, r.role])).to.deep.equal([
      [result, reason, "provider"],
    ]);
    expect(receipts[0].receipt.department).to.equal(departmentId(gw, PROVIDER));
    expect(receipts[0].receipt.responseHash).to.equal(ZeroHash);
    return receipts[0];
  }

  /** A signed answer: by the provider department's operator, over this request, with the reason given. */
  function expectSignedAnswer(answer: Answer, requestId: string, reason: string) {
    const response = answer.body.response!;
    expect(response.requestId).to.equal(requestId);
    expect(ethers.decodeBytes32String(response.reason)).to.equal(reason);
    expect(response.provider).to.equal(departmentId(gw, PROVIDER));
    expect(recoverSigner(responseDigest(domain(), response), answer.body.signature!)).to.equal(
      keys.get(PROVIDER)!.address,
    );
  }

  before(async function () {
    backends = await startBackends({ ports: PORTS_FROM_OS });
    gw = await startLiveGateway();
    people = backends.datasets["public-security"][0].records.map((r) => String(r.idNumber));
    // The on-chain metadata names a dead address: the provider must use only its private configuration.
    household = await registerResource(gw, HOUSEHOLD_REGISTRATION, "http://127.0.0.1:9/not-the-backend");
    new UpstreamStore(gw.db).set(household.id, backends.urls["public-security"]);
    const agreement = await makeAgreement(gw, CIVIL, household, {
      fields: GRANTED,
      purpose: PURPOSE,
      legalBasis: "consent",
    });
    civilGrant = await issueGrant(gw, CIVIL, household, agreement, { fields: GRANTED });
    await consentOf(CIVIL, PURPOSE);
    // Two consumer departments sharing one agreement's quota of 3 calls a day.
    const shared = await makeAgreement(gw, CIVIL, household, {
      fields: GRANTED,
      purpose: "household-check",
      legalBasis: "consent",
      quota: { calls: 3, per: "day" },
      coConsumers: [HRSS],
    });
    await gw.chain.write(HRSS, "SharingAgreements", "seal", [shared]);
    // Each grant alone would allow the agreement's 3 calls: only the agreement's count can stop the fourth.
    const perGrant = { fields: GRANTED, quota: { calls: 3, per: "day" as const } };
    quotaGrant = await issueGrant(gw, CIVIL, household, shared, perGrant);
    hrssGrant = await issueGrant(gw, HRSS, household, shared, perGrant);
    await consentOf(CIVIL, "household-check");
    await consentOf(HRSS, "household-check");
  });

  after(async function () {
    await gw?.stop();
    await backends?.close();
  });

  it("decides on a view at least as recent as the block the consumer decided on (atBlock), within a bounded wait", async function () {
    const head = gw.chain.indexer.indexedBlock();
    const current = await signed();
    const answer = await post({ ...current, atBlock: head });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);

    // A block this gateway's view cannot reach in the wait: refused as a stale view, signed, with a receipt.
    const ahead = await signed();
    const refused = await post({ ...ahead, atBlock: head + 1_000_000 });
    expect(refused.status).to.equal(503);
    expectSignedAnswer(refused, ahead.request.requestId, "view_stale");
    await expectRefused(refused, ahead.request.requestId, "view_stale");
  });

  it("delivers only the requested granted fields, signed by the provider over their hash, with a provider receipt", async function () {
    const body = await signed();
    const answer = await post(body);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(Object.keys(answer.body.data!).sort()).to.deep.equal([...GRANTED].sort());
    expectSignedAnswer(answer, body.request.requestId, "ok");
    const responseHash = keccak256(toUtf8Bytes(canonicalJson({ data: answer.body.data })));
    expect(answer.body.response!.responseHash).to.equal(responseHash);
    expect(answer.body.response!.result).to.equal("delivered");

    const [entry] = await providerReceipts(body.request.requestId);
    expect(entry.role).to.equal("provider");
    expect(entry.receipt).to.include({
      result: "delivered",
      reason: "ok",
      department: departmentId(gw, PROVIDER),
      provider: departmentId(gw, PROVIDER),
      account: keys.get(CIVIL)!.address,
      grantId: civilGrant,
      responseHash,
      fieldMask: body.request.fieldMask,
    });
    expect(entry.receipt.requestHash).to.equal(answer.body.response!.requestDigest);
    expect(entry.exchange).to.deep.include({ request: body.request, requestSignature: body.signature });
    expect(entry.exchange!.response).to.deep.equal(answer.body.response);
  });

  it("refuses a forged signature (401, receipted) and a body without one (400, nothing recorded)", async function () {
    const body = await signed();
    const forged = await signRequest(Wallet.createRandom(), domain(), body.request);
    const answer = await post({ ...body, signature: forged });
    expect(answer.status).to.equal(401);
    expect(answer.body).to.include({
      type: "https://kuajie.dev/problems/exchange_bad_signature",
      reason: "exchange_bad_signature",
    });
    await expectRefused(answer, body.request.requestId, "exchange_bad_signature");

    const garbled = await signed();
    const garbledAnswer = await post({ ...garbled, signature: "0x" + "ab".repeat(65) });
    expect(garbledAnswer.status).to.equal(401);
    const receipt = await expectRefused(garbledAnswer, garbled.request.requestId, "exchange_bad_signature");
    expect(receipt.receipt.account).to.equal(ethers.ZeroAddress);

    const missing = await signed();
    const { signature: _dropped, ...unsigned } = missing;
    const missingAnswer = await post(unsigned);
    expect(missingAnswer.status).to.equal(400);
    expect(missingAnswer.body).to.not.have.property("data");
    expect(await providerReceipts(missing.request.requestId)).to.deep.equal([]);
  });

  it("refuses a request signed by another department's key for this consumer", async function () {
    const body = await signed({ signerKey: HRSS });
    const answer = await post(body);
    expect(answer.status).to.equal(401);
    expect(answer.body.detail).to.include(keys.get(HRSS)!.address);
    const receipt = await expectRefused(answer, body.request.requestId, "exchange_bad_signature");
    expect(receipt.receipt.account).to.equal(keys.get(HRSS)!.address);
  });

  it("answers a repeated requestId with its first signed answer (one receipt) and refuses it with another body (409)", async function () {
    const body = await signed();
    const first = await post(body);
    expect(first.status).to.equal(200);
    const again = await post(body);
    expect(again).to.deep.equal(first);
    const concurrent = await Promise.all([post(body), post(body)]);
    expect(concurrent).to.deep.equal([first, first]);
    expect((await providerReceipts(body.request.requestId)).length).to.equal(1);

    const changed = {
      ...body,
      request: { ...body.request, fieldMask: maskOf(["name"]) },
    };
    changed.signature = await signRequest(keys.get(CIVIL)!, domain(), changed.request);
    const replayed = await post(changed);
    expect(replayed.status).to.equal(409);
    expectSignedAnswer(replayed, body.request.requestId, "exchange_replayed");
    expect(replayed.body).to.not.have.property("data");
    const receipts = await providerReceipts(body.request.requestId);
    expect(receipts.map((r) => [r.receipt.result, r.receipt.reason])).to.deep.equal([
      ["delivered", "ok"],
      ["denied", "exchange_replayed"],
    ]);
  });

  it("keeps a first answer for a day, its delivered data only while a repeat could be fresh", async function () {
    // Two answers stored earlier, as if answered a day and a minute ago and three minutes ago (beyond the data's
    // window of 2 × 60 s + 60 s, within the day).
    const exchanges = new ExchangeStore(gw.db);
    const stored = (name: string, agoMs: number) => ({
      consumer: departmentId(gw, CIVIL),
      requestId: ethers.id(name),
      requestDigest: ethers.id(`${name} digest`),
      httpStatus: 200,
      response: { requestId: ethers.id(name) } as unknown as ExchangeResponse,
      signature: "0x" + "11".repeat(65),
      data: { name: "测试" },
      receiptId: ethers.id(`${name} receipt`),
      createdMs: Date.now() - agoMs,
    });
    exchanges.insert(stored("answered yesterday", ANSWER_MEMORY_MS + 60_000));
    exchanges.insert(stored("answered minutes ago", 180_000));

    const body = await signed();
    expect((await post(body)).status).to.equal(200);
    expect(exchanges.get(departmentId(gw, CIVIL), ethers.id("answered yesterday"))).to.equal(null);
    const recent = exchanges.get(departmentId(gw, CIVIL), ethers.id("answered minutes ago"));
    expect(recent).to.include({ receiptId: ethers.id("answered minutes ago receipt") });
    expect(recent).to.not.have.property("data");
    expect(exchanges.get(departmentId(gw, CIVIL), body.request.requestId)).to.have.property("data");
  });

  it("counts a repeated request once against the quota", async function () {
    // A fresh agreement of 2 calls a day: one request sent three times, then one more, then a third is refused.
    const agreement = await makeAgreement(gw, CIVIL, household, {
      fields: GRANTED,
      purpose: "repeat-check",
      legalBasis: "consent",
      quota: { calls: 2, per: "day" },
    });
    const grantId = await issueGrant(gw, CIVIL, household, agreement, {
      fields: GRANTED,
      quota: { calls: 2, per: "day" },
    });
    await consentOf(CIVIL, "repeat-check");
    const purpose = codeToBytes32("repeat-check");
    const once = await signed({ grantId, purpose });
    for (let i = 0; i < 3; i++) expect((await post(once)).status).to.equal(200);
    expect((await post(await signed({ grantId, purpose }))).status).to.equal(200);
    const over = await signed({ grantId, purpose });
    const refused = await post(over);
    expect(refused.status).to.equal(429);
    await expectRefused(refused, over.request.requestId, "quota_exceeded");
    // The counters themselves, as the gateway exposes them: two requests, each counted once.
    const exposition = (await request(gw.app).get("/metrics").expect(200)).text;
    expect(lintExposition(exposition)).to.deep.equal([]);
    const metrics = exposition.split("\n");
    const counted = (scope: string, id: string, period: string) =>
      metrics
        .filter((line) => line.startsWith("kuajie_exchange_quota_used{"))
        .filter((line) => [`scope="${scope}"`, `id="${id}"`, `period="${period}"`].every((l) => line.includes(l)))
        .map((line) => Number(line.split(" ").pop()));
    expect(counted("grant", grantId, "day")).to.deep.equal([2]);
    expect(counted("agreement", String(agreement), "month")).to.deep.equal([2]);
  });

  it("serves consumers whose clocks differ from its own within the tolerance, behind or ahead", async function () {
    for (const skew of [-40, 40]) {
      const body = await signed({ time: nowSeconds() + skew });
      const answer = await post(body);
      expect(answer.status, `skew ${skew} s: ${JSON.stringify(answer.body)}`).to.equal(200);
      expectSignedAnswer(answer, body.request.requestId, "ok");
    }
  });

  it("refuses a request whose time is outside ±60 s, naming the skew", async function () {
    const body = await signed({ time: nowSeconds() - 300 });
    const answer = await post(body);
    expect(answer.status).to.equal(401);
    expectSignedAnswer(answer, body.request.requestId, "exchange_stale");
    expect(answer.body.detail).to.match(/(29[89]|30[01]) s behind/);
    await expectRefused(answer, body.request.requestId, "exchange_stale");
  });

  it("refuses fields outside the grant, asked directly at the provider", async function () {
    const body = await signed({ fieldMask: maskOf([...GRANTED, "ethnicity"]) });
    const answer = await post(body);
    expect(answer.status).to.equal(403);
    expectSignedAnswer(answer, body.request.requestId, "fields_not_granted");
    await expectRefused(answer, body.request.requestId, "fields_not_granted");
  });

  it("refuses a subject reference that is not the identity number's", async function () {
    const body = await signed({ subjectRef: await subjectRefOf(gw, people[1]) });
    const answer = await post(body);
    expect(answer.status).to.equal(403);
    expectSignedAnswer(answer, body.request.requestId, "subject_mismatch");
    await expectRefused(answer, body.request.requestId, "subject_mismatch");
  });

  it("refuses at once a grant the provider paused, on its own view", async function () {
    const agreement = await makeAgreement(gw, CIVIL, household, {
      fields: GRANTED,
      purpose: "pause-check",
      legalBasis: "consent",
    });
    const grantId = await issueGrant(gw, CIVIL, household, agreement, { fields: GRANTED });
    await consentOf(CIVIL, "pause-check");
    const purpose = codeToBytes32("pause-check");
    expect((await post(await signed({ grantId, purpose }))).status).to.equal(200);
    await gw.chain.write(PROVIDER, "Grants", "pause", [grantId]);
    const body = await signed({ grantId, purpose });
    const answer = await post(body);
    expect(answer.status).to.equal(403);
    expectSignedAnswer(answer, body.request.requestId, "grant_inactive");
    await expectRefused(answer, body.request.requestId, "grant_inactive");
  });

  it("refuses correctly signed requests outside the rules (a consumer gateway that skipped its own checks)", async function () {
    const cases: Array<[Awaited<ReturnType<typeof signed>>, string]> = [
      [await signed({ purpose: codeToBytes32("tax-audit") }), "purpose_mismatch"],
      // The civil affairs department, correctly signing, asks under the human resources department's grant.
      [await signed({ grantId: hrssGrant, purpose: codeToBytes32("household-check") }), "grant_not_owned"],
    ];
    const params = await signed();
    cases.push([{ ...params, params: { limit: 50 } } as never, "params_mismatch"]);
    for (const [body, reason] of cases) {
      const answer = await post(body);
      expect(answer.status, reason).to.equal(403);
      expectSignedAnswer(answer, body.request.requestId, reason);
      await expectRefused(answer, body.request.requestId, reason);
    }
  });

  it("answers a grant it does not know with 404 and no receipt when it cannot tell which of its departments is asked", async function () {
    // A development gateway serves several departments; a production one serves one, which refuses it signed.
    const body = await signed({ grantId: "999999" });
    const answer = await post(body);
    expect(answer.status).to.equal(404);
    expect(answer.body).to.include({ type: "https://kuajie.dev/problems/exchange_not_provided_here" });
    expect(answer.body).to.not.have.property("data");
    expect(await providerReceipts(body.request.requestId)).to.deep.equal([]);
  });

  it("refuses while its own view of the chain is stale, signed and receipted", async function () {
    // A second gateway of the provider, on a copy of the first one's database taken once its receipts are all
    // anchored: on a database of its own it would not hold the provider's anchored batches, and would refuse
    // everything as receipts_diverged (the test below).
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-stale-view-")), "gateway.db");
    await receiptsSettled(gw.db);
    gw.db.prepare("VACUUM INTO ?").run(copy);
    const lagging = await startLiveGateway({
      system: gw.system,
      databaseFile: copy,
      env: { KUAJIE_VIEW_MAX_LAG_SECONDS: "1" },
    });
    try {
      await lagging.chain.indexer.stop();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const body = await signed();
      const res = await request(lagging.app).post("/exchange/v1/fetch").send(body);
      expect(res.status).to.equal(503);
      const answer = { status: res.status, body: res.body };
      expectSignedAnswer(answer, body.request.requestId, "view_stale");
      expect(answer.body).to.not.have.property("data");
      const receipts = await request(lagging.app)
        .get("/v1/receipts?limit=1000")
        .set("Authorization", lagging.bearer(PROVIDER))
        .expect(200);
      const mine = (receipts.body.items as ReceiptEntry[]).filter((r) => r.requestId === body.request.requestId);
      expect(mine.map((r) => [r.receipt.result, r.receipt.reason])).to.deep.equal([["denied", "view_stale"]]);
    } finally {
      await lagging.stop();
      lagging.db.close();
      fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    }
  });

  it("refuses, unsigned and unrecorded (503 receipts_diverged), while the chain holds provider batches its database does not", async function () {
    // A second gateway of the provider on a database of its own: the first one's anchored batches are not in it.
    const provider = departmentId(gw, PROVIDER);
    await post(await signed()); // at least one provider receipt, anchored within the batch window
    await eventually(async () => Number((await gw.system.ledger.head(provider))[0]) > 0);
    const second = await startLiveGateway({ system: gw.system });
    try {
      const health = await eventually(async () => {
        const res = await request(second.app).get("/healthz");
        return res.body.receipts ? res : null;
      });
      expect(health.status).to.equal(503);
      expect(health.body.receipts.diverged.map((d: { department: string }) => d.department)).to.include(provider);
      const body = await signed();
      const res = await request(second.app).post("/exchange/v1/fetch").send(body);
      expect(res.status).to.equal(503);
      expect(res.body.type).to.match(/receipts_diverged$/);
      expect(res.body).to.include({ department: provider, batchSequence: 1 });
      expect(res.body).to.not.have.property("signature");
      expect(res.body).to.not.have.property("data");
      expect(second.db.prepare(`SELECT COUNT(*) FROM receipts`).pluck().get()).to.equal(0);
    } finally {
      await second.stop();
    }
  });

  it("leaves the backend closed to anyone without the gateway's credential", async function () {
    const query = {
      resourceCode: HOUSEHOLD_REGISTRATION.code,
      subject: { idType: "resident_id", idNumber: people[0] },
      fields: GRANTED,
    };
    const direct = await fetch(`${backends.urls[PROVIDER]}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(query),
    });
    expect(direct.status).to.equal(401);
    expect(await direct.text()).to.not.include(people[0]);
    const wrong = await fetch(`${backends.urls[PROVIDER]}/query`, {
      method: "POST",
      headers: { "content-type": "application/json", [BACKEND_TOKEN_HEADER]: "a-guess-at-the-gateway-token" },
      body: JSON.stringify(query),
    });
    expect(wrong.status).to.equal(401);
  });

  it("counts co-consumers of one agreement, on their own gateways, against one quota at the provider", async function () {
    const purpose = codeToBytes32("household-check");
    const civil = () => signed({ grantId: quotaGrant, purpose });
    const hrss = () => signed({ grantId: hrssGrant, purpose, consumerKey: HRSS });
    for (const body of [await civil(), await hrss(), await civil()]) {
      const answer = await post(body);
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    }
    for (const body of [await hrss(), await civil()]) {
      const answer = await post(body);
      expect(answer.status).to.equal(429);
      expectSignedAnswer(answer, body.request.requestId, "quota_exceeded");
      await expectRefused(answer, body.request.requestId, "quota_exceeded");
    }
  });
});
