import { expect } from "chai";
import { ethers, HDNodeWallet, Mnemonic } from "ethers";
import hre from "hardhat";
import request from "supertest";
import type { Response } from "supertest";
import { CONTRACT_INTERFACES } from "../../../server/src/chain/adapter";
import { residentIdCheckChar } from "../../../core/identity/resident-id";
import { DEV_MNEMONIC, TEST_SECRET_HEX } from "../support/live-gateway";
import { agentFrom, freshAgent, routeId, startHostileGateway, type HostileGateway } from "./support";

/**
 * Secrets and personal data: a story runs through whatever routes the gateway has (subject reference, agreements,
 * grants, consents, fetches, receipts) with a synthetic resident identity number, and also sends that number where
 * it does not belong; then the captured logs, every error body, /metrics and every event the Kuajie contracts
 * emitted (raw and decoded) are searched for the number in any form, the bearer tokens, the development private
 * keys, the mnemonic and the consortium secret. None may appear. Plus the failed-authentication limit, the body size
 * limit and helmet's headers.
 */

/** A synthetic resident identity number (born 1990-03-07, Beijing Dongcheng) whose check character is X. */
function syntheticResidentId(): string {
  for (let seq = 100; seq < 1000; seq++) {
    const first17 = `11010119900307${seq}`;
    if (residentIdCheckChar(first17) === "X") return `${first17}X`;
  }
  throw new Error("no sequence gives the check character X");
}

const ID_NUMBER = syntheticResidentId();

/** The identity number in the forms a leak could take: as given, lower case, spaced, its digits, hex, base64. */
function idForms(id: string): string[] {
  const spaced = `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`;
  return [
    id,
    id.toLowerCase(),
    spaced,
    id.slice(0, 17),
    Buffer.from(id, "utf8").toString("hex"),
    Buffer.from(id.toLowerCase(), "utf8").toString("hex"),
    Buffer.from(id, "utf8").toString("base64"),
    Buffer.from(id.slice(0, 17), "utf8").toString("hex"),
  ];
}

function devKeys(): string[] {
  const keys: string[] = [];
  const mnemonic = Mnemonic.fromPhrase(DEV_MNEMONIC);
  for (let i = 0; i < 20; i++) {
    const wallet = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`);
    keys.push(wallet.privateKey.slice(2).toLowerCase());
  }
  return keys;
}

function findLeaks(where: string, text: string, needles: ReadonlyArray<{ name: string; value: string }>): string[] {
  const haystack = text.toLowerCase();
  return needles.filter((n) => haystack.includes(n.value.toLowerCase())).map((n) => `${n.name} in ${where}`);
}

describe("Secrets and personal data: nothing leaks into logs, errors, metrics or events", function () {
  this.timeout(300_000);
  let h: HostileGateway;
  const errorBodies: Array<{ what: string; text: string }> = [];
  const allBodies: Array<{ what: string; text: string }> = [];

  before(async function () {
    h = await startHostileGateway();
  });
  after(async function () {
    await h?.stop();
  });

  function has(method: string, path: string): boolean {
    return h.routes().some((r) => routeId(r) === `${method} ${path}`);
  }

  function keep(what: string, res: Response): Response {
    if (process.env.HOSTILE_DEBUG) console.log(`      ${what} → ${res.status} ${res.text.slice(0, 160)}`);
    allBodies.push({ what, text: res.text ?? "" });
    if (res.status >= 400) errorBodies.push({ what, text: res.text ?? "" });
    return res;
  }

  async function post(path: string, token: string, body: unknown, what = `POST ${path}`): Promise<Response> {
    const res = await request(h.url)
      .post(path)
      .set("Authorization", token)
      .set("Idempotency-Key", `k-${Math.random()}`)
      .send(body as object)
      .timeout({ response: 30_000, deadline: 40_000 })
      .ok(() => true);
    return keep(what, res);
  }

  async function get(path: string, token: string): Promise<Response> {
    const res = await request(h.url)
      .get(path)
      .set("Authorization", token)
      .timeout({ response: 30_000, deadline: 40_000 })
      .ok(() => true);
    return keep(`GET ${path}`, res);
  }

  it("runs the story with a synthetic identity number, and finds it nowhere but where it was sent", async function () {
    const hrss = h.gw.bearer("hrss");
    const civil = h.gw.bearer("gz-civil-affairs");
    const auditor = h.gw.bearer(null, "auditor");
    const subject = { idType: "resident_id", idNumber: ID_NUMBER };

    // The subject reference, and every malformed variant of the number (the refusals must not quote it).
    const ref = await post("/v1/subjects/ref", civil, subject);
    expect(ref.status).to.equal(200);
    const subjectRef = ref.body.subjectRef as string;
    for (const idNumber of [
      ID_NUMBER.toLowerCase(),
      `${ID_NUMBER.slice(0, 17)}1`,
      ` ${ID_NUMBER} `,
      `${ID_NUMBER.slice(0, 6)}-${ID_NUMBER.slice(6)}`,
      `${ID_NUMBER}0`,
    ]) {
      await post("/v1/subjects/ref", civil, { idType: "resident_id", idNumber });
    }
    await post("/v1/subjects/ref", civil, { idType: "passport_typo", idNumber: ID_NUMBER });
    await post("/v1/subjects/ref", civil, { idType: "resident_id", idNumber: Number(ID_NUMBER.slice(0, 17)) });
    await post("/v1/subjects/ref", civil, { idType: "resident_id", idNumber: ID_NUMBER, extra: ID_NUMBER });
    // In the wrong place: a path or a query (a client's mistake must not put it in the logs either).
    await get(`/v1/departments/${ID_NUMBER}`, civil);
    await get(`/v1/departments?idNumber=${ID_NUMBER}`, civil);
    await get(`/v1/no-such-route/${ID_NUMBER}/x`, civil);
    await get(`/v1/${ID_NUMBER}`, civil);

    // The rest of the story, through whichever feature routes have landed (shapes from the API issue).
    const s = h.gw.system;
    let resourceId: string | undefined;
    if (has("POST", "/v1/catalog/resources")) {
      const res = await post("/v1/catalog/resources", hrss, {
        code: "insurance-status",
        name: "Social insurance status",
        shareType: "conditional",
        securityLevel: "important",
        personal: true,
        fields: [
          { name: "idNumber", type: "string", personal: true },
          { name: "status", type: "string" },
        ],
        legalBasis: "statutory_duty",
        upstream: { url: "http://127.0.0.1:9/hrss" },
      });
      resourceId = res.body?.resourceId;
    }
    let agreementId: string | undefined;
    if (resourceId && has("POST", "/v1/agreements")) {
      const validUntil = new Date(Date.now() + 300 * 24 * 3600 * 1000).toISOString();
      const res = await post("/v1/agreements", civil, {
        resourceId,
        fields: ["idNumber", "status"],
        purpose: { code: "allowance" },
        legalBasis: "consent",
        validUntil,
      });
      agreementId = res.body?.agreementId === undefined ? undefined : String(res.body.agreementId);
      if (agreementId && has("POST", "/v1/agreements/:id/approve")) {
        await post(`/v1/agreements/${agreementId}/approve`, hrss, {});
      }
    }
    let grantId: string | undefined;
    if (agreementId && has("POST", "/v1/grants")) {
      const res = await post("/v1/grants", civil, { agreementId });
      grantId = res.body?.grantId === undefined ? undefined : String(res.body.grantId);
    }
    let consentId: string | undefined;
    if (resourceId && has("POST", "/v1/consents")) {
      const validUntil = new Date(Date.now() + 100 * 24 * 3600 * 1000).toISOString();
      const res = await post("/v1/consents", civil, {
        subject,
        recipient: s.departments["gz-civil-affairs"].id,
        resourceId,
        purpose: { code: "allowance" },
        validUntil,
        evidence: { type: "record", document: { form: "consent form", idNumber: ID_NUMBER } },
      });
      consentId = res.body?.consentId;
      // A signature consent whose evidence names the number too.
      await post("/v1/consents", civil, {
        subject,
        recipient: s.departments["gz-civil-affairs"].id,
        resourceId,
        purpose: { code: "allowance" },
        validUntil,
        evidence: { type: "signature", signer: ethers.ZeroAddress, signature: "0x00", nonce: 0, deadline: 0 },
      });
    }
    if (grantId && has("POST", "/v1/data/fetch")) {
      await post("/v1/data/fetch", civil, { grantId, purpose: { code: "allowance" }, subject });
      await post("/v1/data/fetch", civil, { grantId, purpose: { code: "wrong-purpose" }, subject });
      await post("/v1/data/fetch", hrss, { grantId, purpose: { code: "allowance" }, subject });
    }
    if (consentId && has("POST", "/v1/consents/:id/withdraw")) {
      await post(`/v1/consents/${consentId}/withdraw`, civil, {
        evidence: { type: "record", document: { idNumber: ID_NUMBER } },
      });
      if (grantId && has("POST", "/v1/data/fetch")) {
        await post("/v1/data/fetch", civil, { grantId, purpose: { code: "allowance" }, subject });
      }
    }
    if (has("GET", "/v1/subjects/:subjectRef/consents")) await get(`/v1/subjects/${subjectRef}/consents`, auditor);
    if (has("GET", "/v1/receipts")) await get(`/v1/receipts?subjectRef=${subjectRef}`, auditor);
    await h.gw.chain.indexer.catchUp();

    const metrics = await request(h.url).get("/metrics").expect(200);

    // Every event of every Kuajie contract since genesis, raw (topics and data) and decoded.
    const provider = new ethers.BrowserProvider(hre.network.provider as never, 31337, { staticNetwork: true });
    const events: string[] = [];
    for (const [name, address] of Object.entries(s.deployment.contracts)) {
      const logs = await provider.getLogs({ address, fromBlock: 0, toBlock: "latest" });
      const iface = CONTRACT_INTERFACES[name as keyof typeof CONTRACT_INTERFACES];
      for (const log of logs) {
        events.push([...log.topics, log.data].join(" "));
        const parsed = iface?.parseLog({ topics: [...log.topics], data: log.data });
        if (parsed) {
          events.push(
            `${parsed.name} ${JSON.stringify(parsed.args.toObject(true), (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`,
          );
        }
      }
    }
    expect(events.length).to.be.greaterThan(0);

    const tokens = h.gw.tokens.list().length;
    expect(tokens).to.be.greaterThan(0);
    const needles = [
      ...idForms(ID_NUMBER).map((value, i) => ({ name: `identity number (form ${i})`, value })),
      ...["hrss", "gz-civil-affairs"].map((k) => ({ name: `${k} token`, value: h.gw.bearer(k).slice(7) })),
      { name: "auditor token", value: auditor.slice(7) },
      ...devKeys().map((value, i) => ({ name: `dev private key ${i}`, value })),
      { name: "dev mnemonic", value: DEV_MNEMONIC },
      { name: "consortium secret", value: TEST_SECRET_HEX },
    ];
    const leaks = [
      ...findLeaks("logs", h.gw.logs.text(), needles),
      ...errorBodies.flatMap((b) => findLeaks(`error body of ${b.what}`, b.text, needles)),
      ...findLeaks("metrics", metrics.text, needles),
      ...findLeaks("events", events.join("\n"), needles),
      // Answers that are not errors carry no secret either (a delivered record may hold the number: only there).
      ...allBodies.flatMap((b) =>
        findLeaks(
          `body of ${b.what}`,
          b.text,
          needles.filter((n) => !n.name.startsWith("identity") || !b.what.includes("/v1/data/fetch")),
        ),
      ),
    ];
    expect(leaks).to.deep.equal([]);
    expect(errorBodies.length, "the story produced refusals to scan").to.be.at.least(4);
    console.log(
      `      scanned: ${h.gw.logs.lines.length} log lines, ${errorBodies.length} error bodies of ${allBodies.length} answers, ${events.length} event renderings`,
    );
  });

  it("rate-limits failed authentication per client address (429 with Retry-After), not other clients", async function () {
    const address = agentFrom(9_000_001);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await request(h.url)
        .get("/v1/me")
        .agent(address)
        .set("Authorization", `Bearer kj_${String(i).padStart(43, "z")}`);
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 20)).to.deep.equal(Array(20).fill(401));
    expect(statuses.slice(20)).to.deep.equal(Array(5).fill(429));
    // Blocked means blocked: even a valid token from that address waits, and is told how long.
    const blocked = await request(h.url).get("/v1/me").agent(address).set("Authorization", h.gw.bearer("hrss"));
    expect(blocked.status).to.equal(429);
    expect(blocked.headers["content-type"]).to.match(/problem\+json/);
    expect(Number(blocked.headers["retry-after"])).to.be.within(1, 60);
    // Another client is not affected.
    await request(h.url).get("/v1/me").agent(freshAgent()).set("Authorization", h.gw.bearer("hrss")).expect(200);
  });

  it("refuses a request body over the limit with 413 problem+json, before authentication", async function () {
    const big = JSON.stringify({ idType: "resident_id", idNumber: "x".repeat(200 * 1024) });
    for (const token of [h.gw.bearer("hrss"), null]) {
      let req = request(h.url).post("/v1/subjects/ref").agent(freshAgent()).set("Content-Type", "application/json");
      if (token) req = req.set("Authorization", token);
      const res = await req.send(big);
      expect(res.status).to.equal(413);
      expect(res.headers["content-type"]).to.match(/problem\+json/);
      expect(res.text).to.not.include("xxxxxxxx");
    }
  });

  it("sets helmet's security headers on answers, errors and the docs page", async function () {
    for (const path of ["/healthz", "/v1/me", "/no/such/route", "/docs", "/openapi.json"]) {
      const res = await request(h.url).get(path).agent(freshAgent());
      expect(res.headers["x-content-type-options"], path).to.equal("nosniff");
      expect(res.headers["x-frame-options"], path).to.equal("SAMEORIGIN");
      expect(res.headers["content-security-policy"], path).to.include("default-src 'self'");
      expect(res.headers["referrer-policy"], path).to.equal("no-referrer");
      expect(res.headers["cross-origin-opener-policy"], path).to.equal("same-origin");
      expect(res.headers["x-powered-by"], path).to.equal(undefined);
    }
  });
});
