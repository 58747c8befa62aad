import { expect } from "chai";
import type { HDNodeWallet } from "ethers";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import request from "supertest";
import type { Response } from "supertest";
import { TransactionRevertedError } from "../../../server/src/chain/errors";
import { CONSENT_TYPES, WITHDRAWAL_TYPES, eip712Domain } from "../../../core/eip712";
import { subjectRef as computeSubjectRef } from "../../../server/src/common/subject-ref";
import { ConsentBatcher } from "../../../server/src/modules/consents/batcher";
import { recordConsentBodySchema } from "../../../server/src/modules/consents/schemas";
import { ConsentService } from "../../../server/src/modules/consents/service";
import { ConsentStore } from "../../../server/src/store/consents";
import { syntheticResidentId } from "../support/gateway";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";

const DAY = 24 * 3600;
const PURPOSE = "minimum-living-allowance";
const RESOURCE = ethers.id("household-registration resource");

describe("Gateway: consents on the real ConsentRegistry", function () {
  let gw: LiveGateway;
  /** Every response body and problem seen, to show that no identity number ever comes back. */
  const seen: string[] = [];
  const idNumbers: string[] = [];
  let serial = 100;

  const id = (key: string) => gw.system.departments[key].id;
  /** A fresh synthetic resident id number (region 990000 is no PRC region). */
  const newIdNumber = () => {
    const n = syntheticResidentId(serial++);
    idNumbers.push(n);
    return n;
  };
  const refOf = (idNumber: string) => computeSubjectRef(gw.config.consortiumSecret, "resident_id", idNumber);
  const keep = (res: Response) => {
    seen.push(res.text);
    return res;
  };
  const chainNow = async () => Math.max(await time.latest(), Math.floor(Date.now() / 1000));

  async function consentBody(overrides: Record<string, unknown> = {}) {
    return {
      subject: { idType: "resident_id", idNumber: newIdNumber() },
      recipient: id("gz-civil-affairs"),
      resourceId: RESOURCE,
      purpose: { code: PURPOSE },
      validUntil: (await chainNow()) + 180 * DAY,
      separate: true,
      evidence: { type: "record", document: { form: "ISO/IEC 27560 consent record", counter: 7 } },
      ...overrides,
    };
  }

  const post = (path: string, key: string, body?: object) =>
    request(gw.app)
      .post(path)
      .set("Authorization", gw.bearer(key))
      .send(body ?? {})
      .then(keep);
  const get = async (path: string, status = 200, key = "hrss") => {
    const res = keep(await request(gw.app).get(path).set("Authorization", gw.bearer(key)));
    expect(res.status, res.text).to.equal(status);
    return res;
  };

  before(async function () {
    gw = await startLiveGateway();
  });
  after(async function () {
    await gw?.stop();
  });

  it("records a consent with record evidence: 201 with its id, the subject reference and status active", async function () {
    const body = await consentBody();
    const res = await post("/v1/consents", "gz-civil-affairs", body).then((r) => r);
    expect(res.status, res.text).to.equal(201);
    const subjectRef = refOf(body.subject.idNumber as string);
    expect(res.body).to.include({ subjectRef, status: "active", inEffect: true, recorder: id("gz-civil-affairs") });
    expect(res.body.consentId).to.match(/^0x[0-9a-f]{64}$/);
    expect(res.body.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(res.body.purpose).to.deep.equal({ code: PURPOSE });
    expect(res.body.validFrom).to.equal(null);
    // Only the hash of the record document is kept.
    const hash = ethers.keccak256(ethers.toUtf8Bytes('{"counter":7,"form":"ISO/IEC 27560 consent record"}'));
    expect(res.body.evidence).to.deep.equal({ type: "record", hash });

    const [active, onChainId] = await gw.system.consents.activeConsent(
      subjectRef,
      id("gz-civil-affairs"),
      RESOURCE,
      ethers.encodeBytes32String(PURPOSE),
    );
    expect(active).to.equal(true);
    expect(onChainId).to.equal(res.body.consentId);

    const one = await get(`/v1/consents/${res.body.consentId}`);
    expect(one.body).to.include({ consentId: res.body.consentId, status: "active" });
    expect(one.body.history.map((h: { event: string }) => h.event)).to.deep.equal(["recorded"]);
    expect(one.body.block).to.be.at.least(res.body.recordedBlock);
  });

  it("accepts a subject reference instead of the identity", async function () {
    const subjectRef = refOf(newIdNumber());
    const res = await post("/v1/consents", "public-security", await consentBody({ subject: { subjectRef } }));
    expect(res.status, res.text).to.equal(201);
    expect(res.body.subjectRef).to.equal(subjectRef);
  });

  describe("refuses malformed input with 400 naming the field, and changes nothing", function () {
    async function expect400(body: object, field: string) {
      const res = await post("/v1/consents", "gz-civil-affairs", body);
      expect(res.status, res.text).to.equal(400);
      expect(res.headers["content-type"]).to.match(/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(field);
      return res;
    }

    it("an identity number that fails its check digit", async function () {
      const good = newIdNumber();
      const bad = good.slice(0, 17) + (good[17] === "0" ? "1" : "0");
      idNumbers.push(bad);
      await expect400(
        await consentBody({ subject: { idType: "resident_id", idNumber: bad } }),
        "body.subject.idNumber",
      );
      const trail = await get(`/v1/subjects/${refOf(good)}/consents`);
      expect(trail.body.items).to.deep.equal([]);
    });

    it("an unknown evidence type", async function () {
      await expect400(await consentBody({ evidence: { type: "verbal" } }), "body.evidence.type");
    });

    it("a validity that ended already", async function () {
      await expect400(await consentBody({ validUntil: (await chainNow()) - 60 }), "body.validUntil");
    });

    it("a purpose that is not a code, a recipient that is not an id, both identity and reference", async function () {
      const res = await expect400(
        await consentBody({
          purpose: { code: "Minimum Living Allowance" },
          recipient: "gz-civil-affairs",
          subject: { idType: "resident_id", idNumber: newIdNumber(), subjectRef: `0x${"ab".repeat(32)}` },
        }),
        "body.purpose.code",
      );
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).to.include.members(["body.recipient", "body.subject"]);
    });

    it("a signature nonce that is not the signer's current nonce", async function () {
      const wallet = ethers.Wallet.createRandom();
      await expect400(
        await consentBody({
          evidence: {
            type: "signature",
            signer: wallet.address,
            signature: `0x${"11".repeat(65)}`,
            nonce: 5,
            deadline: (await chainNow()) + 3600,
          },
        }),
        "body.evidence.nonce",
      );
    });
  });

  it("refuses a recipient that is no member with 422 recipient_inactive", async function () {
    const res = await post("/v1/consents", "gz-civil-affairs", await consentBody({ recipient: ethers.id("nobody") }));
    expect(res.status, res.text).to.equal(422);
    expect(res.body.type).to.equal("https://kuajie.dev/problems/recipient_inactive");
  });

  it("refuses writes to auditors (403) but lets them read", async function () {
    const body = await consentBody();
    const res = await request(gw.app)
      .post("/v1/consents")
      .set("Authorization", gw.bearer(null, "auditor"))
      .send(body)
      .then(keep);
    expect(res.status).to.equal(403);
    await request(gw.app)
      .get(`/v1/subjects/${refOf(body.subject.idNumber as string)}/consents`)
      .set("Authorization", gw.bearer(null, "auditor"))
      .expect(200);
  });

  it("answers 404 for an unknown consent on every route", async function () {
    const unknown = `0x${"ee".repeat(32)}`;
    await get(`/v1/consents/${unknown}`, 404);
    const withdraw = await post(`/v1/consents/${unknown}/withdraw`, "hrss", {
      evidence: { type: "record", document: { request: "withdraw" } },
    });
    expect(withdraw.status).to.equal(404);
    expect((await post(`/v1/consents/${unknown}/revoke`, "hrss")).status).to.equal(404);
  });

  it("withdraws at the subject's request at any member's counter; the trail shows both events", async function () {
    const body = await consentBody();
    const recorded = await post("/v1/consents", "gz-civil-affairs", body);
    expect(recorded.status, recorded.text).to.equal(201);
    const consentId = recorded.body.consentId;
    const res = await post(`/v1/consents/${consentId}/withdraw`, "hrss", {
      evidence: { type: "record", document: { request: "withdrawal form", number: 12 } },
    });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ consentId, status: "withdrawn", inEffect: false });

    const subjectRef = refOf(body.subject.idNumber as string);
    const trail = await get(`/v1/subjects/${subjectRef}/consents`);
    expect(trail.body.subjectRef).to.equal(subjectRef);
    expect(trail.body.items).to.have.length(1);
    const [item] = trail.body.items;
    expect(item.history.map((h: { event: string }) => h.event)).to.deep.equal(["recorded", "withdrawn"]);
    const [rec, wd] = item.history;
    expect(rec).to.include({ txHash: recorded.body.txHash, blockNumber: recorded.body.recordedBlock });
    expect(rec.actor).to.deep.equal({ kind: "department", departmentId: id("gz-civil-affairs") });
    expect(wd).to.include({ txHash: res.body.txHash });
    expect(wd.actor).to.deep.equal({ kind: "department", departmentId: id("hrss") });
    expect(wd.evidence).to.equal(ethers.keccak256(ethers.toUtf8Bytes('{"number":12,"request":"withdrawal form"}')));
    expect(wd.time).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(trail.body.block).to.be.a("number");

    const again = await post(`/v1/consents/${consentId}/withdraw`, "hrss", {
      evidence: { type: "record", document: { request: "again" } },
    });
    expect(again.status).to.equal(409);
    expect(again.body).to.include({ consentStatus: "withdrawn" });
  });

  it("revokes by the recording department only: 403 for another, then 200 revoked, then 409", async function () {
    const recorded = await post("/v1/consents", "gz-civil-affairs", await consentBody());
    const consentId = recorded.body.consentId;
    const other = await post(`/v1/consents/${consentId}/revoke`, "health");
    expect(other.status).to.equal(403);
    const res = await post(`/v1/consents/${consentId}/revoke`, "gz-civil-affairs");
    expect(res.status, res.text).to.equal(200);
    expect(res.body.status).to.equal("revoked");
    expect(res.body.history.map((h: { event: string }) => h.event)).to.deep.equal(["recorded", "revoked"]);
    expect((await post(`/v1/consents/${consentId}/revoke`, "gz-civil-affairs")).status).to.equal(409);
  });

  it("supersedes the key's consent when a new one is recorded for it", async function () {
    const body = await consentBody();
    const first = await post("/v1/consents", "gz-civil-affairs", body);
    const second = await post("/v1/consents", "gz-civil-affairs", {
      ...body,
      evidence: { type: "record", document: { form: "renewed" } },
    });
    expect(second.status, second.text).to.equal(201);
    expect(second.body.consentId).to.not.equal(first.body.consentId);
    const old = await get(`/v1/consents/${first.body.consentId}`);
    expect(old.body).to.include({ status: "superseded", supersededBy: second.body.consentId });
    expect(old.body.history.map((h: { event: string }) => h.event)).to.deep.equal(["recorded", "superseded"]);
  });

  describe("signature evidence (the citizen's own key)", function () {
    const domain = () => eip712Domain("ConsentRegistry", 31337, gw.system.deployment.contracts.ConsentRegistry);

    async function signedBody(wallet: HDNodeWallet, nonce: number, tamper = false) {
      const base = await consentBody();
      const subjectRef = refOf(base.subject.idNumber as string);
      const deadline = (await chainNow()) + 3600;
      const signature = await wallet.signTypedData(domain(), CONSENT_TYPES, {
        subjectRef,
        recipient: base.recipient,
        resourceId: RESOURCE,
        purpose: ethers.encodeBytes32String(PURPOSE),
        separate: !tamper,
        validFrom: 0,
        validUntil: base.validUntil,
        nonce,
        deadline,
      });
      return {
        ...base,
        subject: { subjectRef },
        evidence: { type: "signature", signer: wallet.address, signature, nonce, deadline },
      };
    }

    it("records by the subject's EIP-712 signature and withdraws by the subject's signature", async function () {
      const wallet = ethers.Wallet.createRandom();
      const res = await post("/v1/consents", "gz-civil-affairs", await signedBody(wallet, 0));
      expect(res.status, res.text).to.equal(201);
      expect(res.body.evidence).to.deep.equal({ type: "signature", signer: wallet.address });
      expect(res.body.history[0].actor).to.deep.equal({
        kind: "department",
        departmentId: id("gz-civil-affairs"),
        signer: wallet.address,
      });

      const deadline = (await chainNow()) + 3600;
      const signature = await wallet.signTypedData(domain(), WITHDRAWAL_TYPES, {
        consentId: res.body.consentId,
        nonce: 1,
        deadline,
      });
      const withdrawn = await post(`/v1/consents/${res.body.consentId}/withdraw`, "health", {
        evidence: { type: "signature", signature, deadline },
      });
      expect(withdrawn.status, withdrawn.text).to.equal(200);
      expect(withdrawn.body.status).to.equal("withdrawn");
      expect(withdrawn.body.history[1].actor).to.deep.equal({ kind: "subject", signer: wallet.address });

      // The next consent of this key must use nonce 2 now.
      const stale = await post("/v1/consents", "gz-civil-affairs", await signedBody(wallet, 1));
      expect(stale.status).to.equal(400);
      const next = await post("/v1/consents", "gz-civil-affairs", await signedBody(wallet, 2));
      expect(next.status, next.text).to.equal(201);
    });

    it("answers 422 with the registry's error for a signature over other terms", async function () {
      const wallet = ethers.Wallet.createRandom();
      const res = await post("/v1/consents", "gz-civil-affairs", await signedBody(wallet, 0, true));
      expect(res.status, res.text).to.equal(422);
      expect(res.body).to.include({ errorName: "ConsentInvalidSignature" });
    });

    it("answers 422 ConsentNoSubjectKey for a signed withdrawal of a consent given on paper", async function () {
      const recorded = await post("/v1/consents", "gz-civil-affairs", await consentBody());
      const res = await post(`/v1/consents/${recorded.body.consentId}/withdraw`, "gz-civil-affairs", {
        evidence: { type: "signature", signature: `0x${"11".repeat(65)}`, deadline: (await chainNow()) + 600 },
      });
      expect(res.status, res.text).to.equal(422);
      expect(res.body).to.include({ errorName: "ConsentNoSubjectKey" });
    });
  });

  it("gives the fetch feature the consent of a key at a time: active, then withdrawn", async function () {
    const store = new ConsentStore(gw.db);
    const body = await consentBody();
    const subjectRef = refOf(body.subject.idNumber as string);
    const purpose = ethers.encodeBytes32String(PURPOSE);
    const recipient = id("gz-civil-affairs");
    const now = await chainNow();
    expect(store.activeConsent(subjectRef, recipient, RESOURCE, purpose, now)).to.equal(null);
    expect(store.currentConsent(subjectRef, recipient, RESOURCE, purpose, now)).to.equal(null);
    const recorded = await post("/v1/consents", "gz-civil-affairs", body);
    expect(store.activeConsent(subjectRef, recipient, RESOURCE, purpose, now)).to.deep.equal({
      consentId: recorded.body.consentId,
      status: "active",
    });
    expect(store.currentConsent(subjectRef, recipient, RESOURCE, purpose, body.validUntil)).to.include({
      status: "expired",
      inEffect: false,
    });
    await post(`/v1/consents/${recorded.body.consentId}/withdraw`, "hrss", {
      evidence: { type: "record", document: { request: "withdraw" } },
    });
    expect(store.activeConsent(subjectRef, recipient, RESOURCE, purpose, now)).to.equal(null);
    expect(store.currentConsent(subjectRef, recipient, RESOURCE, purpose, now)).to.include({
      consentId: recorded.body.consentId,
      status: "withdrawn",
    });
  });

  it("coalesces 50 concurrent record-evidenced consents into fewer transactions, each with its own 201 and id", async function () {
    const bodies = await Promise.all(Array.from({ length: 50 }, () => consentBody()));
    const responses = await Promise.all(bodies.map((body) => post("/v1/consents", "public-security", body)));
    for (const res of responses) expect(res.status, res.text).to.equal(201);
    const ids = new Set(responses.map((r) => r.body.consentId));
    expect(ids.size).to.equal(50);
    const txs = new Set(responses.map((r) => r.body.txHash));
    expect(txs.size).to.be.lessThan(50);
    // Each answer is the consent of its own request.
    responses.forEach((res, i) => {
      expect(res.body.subjectRef).to.equal(refOf(bodies[i].subject.idNumber as string));
    });
  });

  it("retries a reverted batch item by item so that only the bad consent fails", async function () {
    const batcher = new ConsentBatcher(gw.chain, { maxItems: 10, maxWaitMs: 200 });
    const now = await chainNow();
    const terms = (validUntil: number) => ({
      key: {
        subjectRef: refOf(newIdNumber()),
        recipient: id("health"),
        resourceId: RESOURCE,
        purpose: ethers.encodeBytes32String(PURPOSE),
      },
      separate: false,
      validFrom: 0,
      validUntil,
    });
    // Ended by the chain's own clock, which may run behind the wall clock: the registry judges by block time.
    const ended = (await time.latest()) - 10;
    const items = [terms(now + DAY), terms(ended), terms(now + DAY)].map((t, i) => ({
      terms: t,
      evidenceHash: ethers.id(`form ${i}`),
    }));
    const results = await Promise.allSettled(items.map((item) => batcher.record("hrss", item)));
    await batcher.close();
    expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
    const failure = (results[1] as PromiseRejectedResult).reason;
    expect(failure).to.be.instanceOf(TransactionRevertedError);
    expect(failure).to.have.property("errorName", "ConsentValidityEnded");
  });

  it("answers a write the index has not reached yet with the ids and status from the transaction", async function () {
    const batcher = new ConsentBatcher(gw.chain);
    const service = new ConsentService({
      chain: gw.chain,
      store: new ConsentStore(gw.db),
      departments: gw.departments,
      batcher,
      consortiumSecret: gw.config.consortiumSecret,
      indexedBlock: () => 0,
    });
    const body = recordConsentBodySchema.parse(await consentBody());
    const result = await service.record("gz-civil-affairs", body);
    await batcher.close();
    expect(result).to.include({ status: "active", indexed: false, block: 0 });
    expect(result.subjectRef).to.equal(refOf((body.subject as { idNumber: string }).idNumber));
    expect(result.consentId).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("shows a consent that ran out as expired, with the expiry in its trail", async function () {
    const body = await consentBody({ validUntil: (await chainNow()) + 120 });
    const recorded = await post("/v1/consents", "gz-civil-affairs", body);
    expect(recorded.status, recorded.text).to.equal(201);
    await time.increase(300);
    // The gateway's clock is the later of its own and the last block it indexed: make the chain's time known.
    expect((await post("/v1/consents", "gz-civil-affairs", await consentBody())).status).to.equal(201);
    const res = await get(`/v1/consents/${recorded.body.consentId}`);
    expect(res.body.status).to.equal("expired");
    expect(res.body.history.map((h: { event: string }) => h.event)).to.deep.equal(["recorded", "expired"]);
    expect(res.body.history[1]).to.include({ blockNumber: null, txHash: null, time: res.body.validUntil });
  });

  // Last (nested suites run after the tests above): every response and log line of the suite has been seen.
  describe("privacy", function () {
    it("never shows an identity number in a response or a log line", function () {
      expect(idNumbers.length).to.be.greaterThan(50);
      const logs = gw.logs.text();
      for (const n of idNumbers) {
        expect(logs).to.not.include(n);
        for (const text of seen) expect(text).to.not.include(n);
      }
    });
  });
});
