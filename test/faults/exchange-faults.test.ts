/**
 * Federation under faults (issue 16) against the real processes of `npm start`: a steady load of exchanges from civil
 * affairs' gateway (the consumer) to health's (the provider of the medical institutions, shared unconditionally), and
 * faults on either side. After each, the evidence must be complete and honest (docs/FEDERATION.md §3.3, the rule
 * table of §4): every 200 a caller got has a consumer and a provider receipt, both anchored; every exchange the
 * provider recorded is accounted for by the consumer; `npm run audit -- exchange` flags nothing; each `requestId`
 * is recorded (and so counted against the quota) once per side. Timing is never asserted: the fault points come
 * from a seeded generator (KUAJIE_FAULTS_SEED, printed) so that a failing run can be replayed.
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import fs from "node:fs";
import { MEDICAL_INSTITUTIONS } from "../../backends/datasets";
import { PORTS_FROM_OS, startBackends, type RunningBackends } from "../../backends/main";
import { backendsFileSchema, readJsonFile } from "../../scripts/lib/dev-files";
import path from "node:path";
import { ZeroHash } from "ethers";
import { HOST, ROOT, chainTime, freePorts, jsonRpc, sleep, waitFor } from "../../scripts/harness";
import { call, must, type Answer } from "./support/http";
import { QuotaWindows } from "../../core/folds/quota-usage";
import { anchoredReceipts, auditExchange, providerQuotaByGrant, type ReceiptView } from "./support/exchange-evidence";
import { runs, seededRandom, tally } from "./support/processes";
import { OwnGateway } from "./support/own-gateway";
import { Stack } from "./support/stack";
import { StallProxy } from "./support/stall-proxy";

const PURPOSE = "minimum-living-allowance";
const CONSUMER = "gz-civil-affairs";
const PROVIDER = MEDICAL_INSTITUTIONS.provider;
const DAY = 86_400;
const KILLS = 3;
const EXCHANGE_TIMEOUT_MS = 2_000;
const ANCHOR_BOUND_MS = 120_000;
const FETCHERS = 3;
const ENDPOINT_CUT_MS = 20_000;
/** The longest a stall may last waiting for an answer to cut (the provider must begin one). */
const STALL_BOUND_MS = 120_000;
/** Bounds of one load: however the faults go, it stops. */
const MAX_FETCHES = 20_000;
const SEED = Number(process.env.KUAJIE_FAULTS_SEED ?? 16);
/** The consumer department whose gateway runs on a shifted clock, and the shifts (s; + ahead) against the tolerance. */
const SKEWED = "hrss";
const MAX_SKEW_SECONDS = 60;
const SKEWS = [-30, 30, -90, 90];
const SKEWED_FETCHES = 5;
const SKEWED_EXCHANGE_TIMEOUT_MS = 15_000;
/** The shifted gateway's anchoring lag limit: a clock ahead within the tolerance must keep serving past it. */
const SKEWED_ANCHOR_MAX_LAG_SECONDS = 10;
/** However busy the machine: at most this many fetches per offset to get SKEWED_FETCHES of the expected outcome. */
const SKEWED_MAX_FETCHES = 40;
/** Failures of the provider's system or of the exchange's speed, which say nothing about the clocks. */
const NOT_ABOUT_THE_CLOCK = /^(upstream_[a-z_]+|provider_timeout|provider_unreachable|view_stale)$/;
const CLOCK_OFFSET_PRELOAD = path.join(ROOT, "scripts/harness/clock-offset.cjs");

describe("exchange faults: two departments' gateways of npm start (issue 16)", function () {
  this.timeout(900_000);

  const stack = new Stack({
    KUAJIE_EXCHANGE_TIMEOUT_MS: String(EXCHANGE_TIMEOUT_MS),
    KUAJIE_EXCHANGE_MAX_SKEW_SECONDS: String(MAX_SKEW_SECONDS),
    KUAJIE_LOG_LEVEL: "warn",
  });
  const random = seededRandom(SEED);
  /** The consortium's calendar windows, the one definition the gateways' quotas and the auditor share. */
  const windows = new QuotaWindows();
  const fetches: Answer[] = [];
  /** Gateways the test runs itself (stopped after a failure too). */
  const ownGateways = new Set<OwnGateway>();
  let ownBackends: RunningBackends | undefined;
  let consumerGateway: string;
  let consumerToken: string;
  let grantId: string;
  let resourceId: string;

  before(async function () {
    console.log(`      exchange faults: seed ${SEED} (replay with KUAJIE_FAULTS_SEED=${SEED})`);
    await stack.launch();
    consumerGateway = stack.gateway(CONSUMER);
    consumerToken = stack.token(CONSUMER);
    // The provider's data source runs in this process, not in `npm start`'s: the tests that take a gateway from the
    // supervisor pause it (SIGSTOP), and the demo backends live in the supervisor's process.
    const demo = readJsonFile(stack.files.backends, backendsFileSchema, "backends file");
    const backendToken = fs.readFileSync(stack.gatewayFiles(PROVIDER).backendToken, "utf8").trim();
    ownBackends = await startBackends({
      ports: PORTS_FROM_OS,
      host: HOST,
      seed: demo.seed,
      people: demo.people,
      token: backendToken,
    });
    const def = MEDICAL_INSTITUTIONS;
    const created = await must<{ resourceId: string }>(
      201,
      stack.gateway(PROVIDER),
      "POST",
      "/v1/catalog/resources",
      stack.token(PROVIDER),
      {
        code: def.code,
        name: def.name,
        summary: def.summary,
        shareType: def.shareType,
        openType: "open",
        securityLevel: def.securityLevel,
        personal: def.personal,
        sensitive: def.sensitive,
        fields: def.fields.map(({ name, type, personal }) => ({ name, type, personal })),
        updateCycle: def.updateCycle,
        upstream: { url: ownBackends.urls[def.provider] },
      },
    );
    resourceId = String(created.resourceId);
    await stack.indexed(CONSUMER);
    const now = await chainTime(stack.credentials.rpc);
    const agreement = await must<{ agreementId: string | number; status: string }>(
      201,
      consumerGateway,
      "POST",
      "/v1/agreements",
      consumerToken,
      {
        resourceId: created.resourceId,
        fields: def.fields.map((f) => f.name),
        purpose: { code: PURPOSE },
        legalBasis: "public_interest",
        validUntil: new Date((now + 365 * DAY) * 1000).toISOString(),
        quota: { calls: 1_000_000, per: "day" },
      },
    );
    expect(agreement.status).to.equal("active");
    const grant = await must<{ grantId: string | number }>(201, consumerGateway, "POST", "/v1/grants", consumerToken, {
      agreementId: String(agreement.agreementId),
    });
    grantId = String(grant.grantId);
    await stack.indexed(PROVIDER);
  });

  after(async function () {
    for (const own of ownGateways) await own.stop();
    await stack.stop();
    await ownBackends?.close();
  });

  /** Runs `fault` under a steady load of fetches at the consumer's gateway; the answers the callers got. */
  async function underLoad(fault: () => Promise<void>): Promise<Answer[]> {
    const answers: Answer[] = [];
    let loading = true;
    const fetcher = async () => {
      while (loading && answers.length < MAX_FETCHES) {
        const answer = await call(
          consumerGateway,
          "POST",
          "/v1/data/fetch",
          consumerToken,
          { grantId, purpose: { code: PURPOSE }, params: { limit: 2 } },
          randomUUID(),
          30_000,
        );
        answers.push(answer);
        if (answer.status !== 200) await sleep(200);
      }
    };
    const clients = Array.from({ length: FETCHERS }, fetcher);
    try {
      await fault();
    } finally {
      loading = false;
      await Promise.all(clients);
    }
    fetches.push(...answers);
    return answers;
  }

  /** A random pause between faults, from the seeded generator. */
  const randomPause = () => sleep(1_000 + Math.floor(random() * 4_000));

  /**
   * The evidence of every exchange so far, both sides, once anchored: complete (each 200 has both receipts, each
   * provider receipt a consumer receipt), one receipt per `requestId` and side (the provider's quota counts its
   * delivered receipts), and the auditor's exchange check passes. Returns the run's counts.
   */
  async function checkEvidence(label: string, answers: Answer[], extra: Record<string, unknown> = {}) {
    const consumerSide = await anchoredReceipts(stack, CONSUMER, ANCHOR_BOUND_MS);
    const providerSide = await anchoredReceipts(stack, PROVIDER, ANCHOR_BOUND_MS);
    const consumerId = stack.departmentId(CONSUMER).toLowerCase();
    const byId = new Map(consumerSide.map((v) => [v.receipt.id.toLowerCase(), v]));
    const consumerByRequest = unique(
      consumerSide.filter((v) => v.role === "consumer"),
      "consumer",
    );
    const providerReceipts = providerSide.filter(
      (v) => v.role === "provider" && v.exchange?.request.consumer.toLowerCase() === consumerId,
    );
    const providerByRequest = unique(providerReceipts, "provider");

    const delivered = fetches.filter((a) => a.status === 200);
    for (const answer of delivered) {
      const id = (answer.body as { receipt: { id: string } }).receipt.id.toLowerCase();
      const mine = byId.get(id);
      expect(mine, `the consumer receipt ${id} of a 200`).to.not.equal(undefined);
      expect(mine!.role).to.equal("consumer");
      expect(mine!.receipt.result).to.equal("delivered", `consumer receipt ${id} of a 200`);
      const theirs = providerByRequest.get(mine!.requestId!.toLowerCase());
      expect(theirs, `the provider receipt of request ${mine!.requestId} (a 200, consumer receipt ${id})`).to.not.equal(
        undefined,
      );
      expect(theirs!.receipt.result).to.equal("delivered", `provider receipt of request ${mine!.requestId}`);
    }
    for (const [requestId, theirs] of providerByRequest) {
      expect(
        consumerByRequest.has(requestId),
        `provider receipt ${theirs.receipt.id} (${theirs.receipt.result}) of request ${requestId} accounted for by the consumer`,
      ).to.equal(true);
    }
    const audit = await auditExchange(stack, consumerSide, providerSide, label);
    expect(audit.status).to.equal(0, `npm run audit -- exchange (${label}):\n${audit.output}`);
    const quota = await checkQuotaCountedOnce(providerSide);

    const consumerResults = [...consumerByRequest.values()].map((v) =>
      v.receipt.result === "delivered" ? "delivered" : `${v.receipt.result}:${v.receipt.reason}`,
    );
    const counts = {
      ...extra,
      fetches: answers.length,
      statuses: tally(answers.map((a) => a.status)),
      exchanges: consumerByRequest.size,
      providerReceipts: providerByRequest.size,
      consumerResults: tally(consumerResults),
      closedNotDelivered: consumerResults.filter((r) => r.endsWith(":not_delivered")).length,
      quotaCounted: quota,
      audit: "exit 0, no violation",
    };
    console.log(`      ${label}: ${JSON.stringify(counts)}`);
    return { counts, consumerByRequest, providerByRequest };
  }

  /**
   * The provider's own quota counters (its gateway's `kuajie_exchange_quota_used`, read from the running process)
   * against the distinct `requestId`s it delivered on each grant in the counter's day window: a request re-asked
   * after a crash, or answered again from the stored first answer, must not have been counted twice. Returns
   * `grantId → count`.
   */
  async function checkQuotaCountedOnce(providerSide: ReceiptView[]): Promise<Record<string, number>> {
    const counters = await providerQuotaByGrant(stack.gateway(PROVIDER));
    const counted: Record<string, number> = {};
    const delivered = providerSide.filter((v) => v.role === "provider" && v.receipt.result === "delivered");
    const grants = new Set(delivered.map((v) => v.receipt.grantId));
    for (const grant of grants) {
      const counter = counters.get(grant);
      expect(counter, `the provider's quota counter of grant ${grant}`).to.not.equal(undefined);
      const requestIds = new Set(
        delivered
          .filter((v) => v.receipt.grantId === grant && windows.windows(v.receipt.time).day === counter!.window)
          .map((v) => v.requestId!.toLowerCase()),
      );
      expect(counter!.count).to.equal(
        requestIds.size,
        `grant ${grant}: the provider's counter for ${counter!.window} against the requestIds it delivered then`,
      );
      counted[grant] = counter!.count;
    }
    return counted;
  }

  it("a steady load of exchanges leaves both receipts of every 200, anchored, and an audit without violation", async function () {
    const answers = await underLoad(() => sleep(8_000));
    expect(answers.filter((a) => a.status === 200).length).to.be.above(
      0,
      JSON.stringify(tally(answers.map((a) => a.status))),
    );
    await checkEvidence("steady load", answers);
  });

  it(`the consumer's gateway killed with SIGKILL ${KILLS} times: every open intent completed at restart`, async function () {
    let kills = 0;
    const answers = await underLoad(async () => {
      for (let k = 0; k < KILLS; k++) {
        await randomPause();
        await stack.killGateway(CONSUMER);
        kills++;
      }
      await sleep(2_000);
    });
    await checkEvidence("consumer SIGKILL", answers, { kills });
  });

  it(`the provider's gateway killed with SIGKILL ${KILLS} times: no 200 without its receipt`, async function () {
    let kills = 0;
    const answers = await underLoad(async () => {
      for (let k = 0; k < KILLS; k++) {
        await randomPause();
        await stack.killGateway(PROVIDER);
        kills++;
      }
      await sleep(2_000);
    });
    await checkEvidence("provider SIGKILL", answers, { kills });
  });

  it(`the provider's gateway paused (SIGSTOP) past the consumer's ${EXCHANGE_TIMEOUT_MS} ms timeout, then resumed`, async function () {
    const paused = stack.gatewayPid(PROVIDER);
    expect(paused).to.be.a("number");
    const pauseMs = 3 * EXCHANGE_TIMEOUT_MS + Math.floor(random() * 2 * EXCHANGE_TIMEOUT_MS);
    const answers = await underLoad(async () => {
      await randomPause();
      process.kill(paused!, "SIGSTOP");
      try {
        await sleep(pauseMs);
      } finally {
        process.kill(paused!, "SIGCONT");
      }
      await stack.healthy(PROVIDER, 60_000);
      await sleep(3_000);
    });
    expect(stack.gatewayPid(PROVIDER)).to.equal(paused, "the same provider process, resumed");
    await checkEvidence("provider SIGSTOP", answers, { pauseMs });
  });

  it("the provider's endpoint cut for 20 s (its gateway killed while its supervisor is paused), then restored", async function () {
    const { start } = stack.processes();
    const cut = stack.gatewayPid(PROVIDER);
    expect(cut).to.be.a("number");
    const answers = await underLoad(async () => {
      await randomPause();
      // The supervisor paused cannot restart the gateway: the provider's port refuses connections.
      process.kill(start, "SIGSTOP");
      try {
        process.kill(cut!, "SIGKILL");
        await waitFor("the provider's gateway dead", 10_000, async () => (runs(cut!) ? undefined : true));
        await sleep(ENDPOINT_CUT_MS);
      } finally {
        process.kill(start, "SIGCONT");
      }
      await waitFor("the provider's restarted gateway", 90_000, async () => {
        const now = stack.gatewayPid(PROVIDER);
        return now !== null && now !== cut ? now : undefined;
      });
      await stack.healthy(PROVIDER, 90_000);
      await sleep(3_000);
    });
    await checkEvidence("provider endpoint cut", answers, { cutMs: ENDPOINT_CUT_MS });
  });

  it("the provider stalls mid-answer (head and half the body sent, the rest held past the consumer's timeout): nothing delivered, then or later", async function () {
    // The provider's gateway moves to another port and a proxy takes its published endpoint: every exchange passes
    // through the proxy, which can hold the rest of an answer it has begun to forward.
    const publishedPort = Number(new URL(stack.gateway(PROVIDER)).port);
    const [movedPort] = await freePorts(1);
    const stallMs = 3 * EXCHANGE_TIMEOUT_MS + Math.floor(random() * 2 * EXCHANGE_TIMEOUT_MS);
    const proxy = new StallProxy(publishedPort, movedPort);
    const answers = await underLoad(async () => {
      await randomPause();
      await stack.takeGateway(PROVIDER);
      let moved: OwnGateway | null = null;
      try {
        moved = OwnGateway.spawn(stack.gatewayFiles(PROVIDER), { KUAJIE_GATEWAY_PORT: String(movedPort) });
        ownGateways.add(moved);
        await proxy.listen();
        await stack.healthy(PROVIDER, 90_000);
        await sleep(2_000);
        proxy.stall();
        await sleep(stallMs);
        // However slow the machine, the stall lasts until an answer was cut and its consumer gave up waiting.
        await waitFor("an answer cut mid-way whose consumer gave up", STALL_BOUND_MS, async () =>
          proxy.stalled.some((a) => a.consumerOpenAtRelease === false) ? true : undefined,
        );
        proxy.release();
        await sleep(3_000);
      } finally {
        proxy.release();
        await proxy.close();
        await moved?.stop();
        await stack.giveBackGateway(PROVIDER);
      }
      await sleep(2_000);
    });
    const { consumerByRequest, providerByRequest } = await checkEvidence("provider stalled mid-answer", answers, {
      stallMs,
      stalled: proxy.stalled.length,
    });

    // Answers whose rest came after the consumer had given up (it closed its connection before the release).
    const late = proxy.stalled.filter((a) => a.consumerOpenAtRelease === false);
    expect(late.length, JSON.stringify(proxy.stalled)).to.be.above(0);
    for (const answer of late) {
      expect(answer.forwardedBytes, "status line, headers and part of the body sent").to.be.above(0);
      expect(answer.forwardedBytes).to.be.below(answer.totalBytes);
      expect(answer.requestId, "the provider's whole answer, held by the proxy").to.be.a("string");
      const mine = consumerByRequest.get(answer.requestId!);
      expect(mine, `the consumer receipt of stalled request ${answer.requestId}`).to.not.equal(undefined);
      expect([mine!.receipt.result, mine!.receipt.reason]).to.deep.equal(["failed", "provider_timeout"]);
      expect(mine!.exchange?.response, "no answer of the provider kept: none arrived whole").to.equal(undefined);
      expect(providerByRequest.get(answer.requestId!), `the provider receipt of ${answer.requestId}`).to.not.equal(
        undefined,
      );
    }
    const stalledIds = new Set(late.map((a) => a.requestId));
    const deliveredIds = answers
      .filter((a) => a.status === 200)
      .map((a) => (a.body as { receipt: { id: string } }).receipt.id.toLowerCase());
    const consumerById = new Map([...consumerByRequest.values()].map((v) => [v.receipt.id.toLowerCase(), v]));
    for (const id of deliveredIds) {
      expect(stalledIds.has(consumerById.get(id)!.requestId!.toLowerCase()), `200 ${id} of a stalled request`).to.equal(
        false,
      );
    }
    expect(answers.filter((a) => a.status === 504).length).to.be.at.least(late.length);
  });

  it(`a consumer's gateway, then the provider's, whose clock is off by ${SKEWS.join(", ")} s (tolerance ±${MAX_SKEW_SECONDS} s): served within, refused naming the skew beyond, no receipt dated after its anchor`, async function () {
    // Another consumer department, so that the receipts written on a shifted clock are audited on their own.
    const gateway = stack.gateway(SKEWED);
    const token = stack.token(SKEWED);
    await stack.indexed(SKEWED);
    const now = await chainTime(stack.credentials.rpc);
    const agreement = await must<{ agreementId: string | number; status: string }>(
      201,
      gateway,
      "POST",
      "/v1/agreements",
      token,
      {
        resourceId,
        fields: MEDICAL_INSTITUTIONS.fields.map((f) => f.name),
        purpose: { code: PURPOSE },
        legalBasis: "public_interest",
        validUntil: new Date((now + 365 * DAY) * 1000).toISOString(),
        quota: { calls: 1_000, per: "day" },
      },
    );
    expect(agreement.status).to.equal("active");
    const grant = await must<{ grantId: string | number }>(201, gateway, "POST", "/v1/grants", token, {
      agreementId: String(agreement.agreementId),
    });
    const skewedGrant = String(grant.grantId);
    await stack.indexed(PROVIDER);
    const fetch = () =>
      call(gateway, "POST", "/v1/data/fetch", token, {
        grantId: skewedGrant,
        purpose: { code: PURPOSE },
        params: { limit: 2 },
      });

    // One side's gateway runs on a shifted clock, one offset after the other, each shifted from outside the gateway's
    // code (a preload that moves Date for that process only), with a short anchoring lag limit; every receipt it
    // writes is anchored by it before the next offset. First the consumer's (hrss), then the provider's (health).
    const answersBy = new Map<string, Answer[]>();
    for (const side of ["consumer", "provider"] as const) {
      const shiftedKey = side === "consumer" ? SKEWED : PROVIDER;
      await stack.takeGateway(shiftedKey);
      try {
        for (const offset of SKEWS) {
          const shifted = OwnGateway.spawn(stack.gatewayFiles(shiftedKey), {
            NODE_OPTIONS: `--require ${CLOCK_OFFSET_PRELOAD}`,
            KUAJIE_HARNESS_CLOCK_OFFSET_MS: String(offset * 1000),
            KUAJIE_ANCHOR_MAX_LAG_SECONDS: String(SKEWED_ANCHOR_MAX_LAG_SECONDS),
            // Not a test of timeouts: a slow first answer on a busy machine must not turn into provider_timeout.
            KUAJIE_EXCHANGE_TIMEOUT_MS: String(SKEWED_EXCHANGE_TIMEOUT_MS),
          });
          ownGateways.add(shifted);
          try {
            await stack.healthy(shiftedKey, 90_000);
            // Receipts of this offset are dated from the latest block's time or the shifted clock, whichever is later.
            const since = Math.min(await chainTime(stack.credentials.rpc), Math.floor(Date.now() / 1000)) - 300;
            const answers: Answer[] = [];
            // SKEWED_FETCHES of the outcome the offset must give (delivered within the tolerance, refused for the
            // skew beyond); other outcomes (a backend too slow on a busy machine) are allowed, checked and retried.
            const within = Math.abs(offset) <= MAX_SKEW_SECONDS;
            const expected = within ? 200 : 403;
            for (let i = 0; i < SKEWED_MAX_FETCHES; i++) {
              if (answers.filter((a) => a.status === expected).length === SKEWED_FETCHES) break;
              answers.push(await fetch());
            }
            if (within && offset > 0) {
              // A clock ahead of the chain's within the tolerance holds its receipts until the chain's clock reaches
              // them: fetches go on being served for longer than the lead and the lag limit together, never refused
              // for an anchoring lag.
              const holdUntil = Date.now() + (offset + SKEWED_ANCHOR_MAX_LAG_SECONDS + 5) * 1000;
              for (let i = 0; Date.now() < holdUntil && i < 2 * (offset + SKEWED_ANCHOR_MAX_LAG_SECONDS + 5); i++) {
                answers.push(await fetch());
                await sleep(1_000);
              }
            }
            answersBy.set(`${side} ${offset}`, answers);
            await anchoredReceipts(stack, shiftedKey, ANCHOR_BOUND_MS, since);
          } finally {
            await shifted.stop();
            ownGateways.delete(shifted);
          }
        }
      } finally {
        await stack.giveBackGateway(shiftedKey);
      }
    }

    const skewedSide = await anchoredReceipts(stack, SKEWED, ANCHOR_BOUND_MS);
    const providerSide = await anchoredReceipts(stack, PROVIDER, ANCHOR_BOUND_MS);
    const skewedId = stack.departmentId(SKEWED).toLowerCase();
    const mine = unique(
      skewedSide.filter((v) => v.role === "consumer"),
      "consumer",
    );
    const theirs = unique(
      providerSide.filter((v) => v.role === "provider" && v.exchange?.request.consumer.toLowerCase() === skewedId),
      "provider",
    );
    const statuses: Record<string, Record<string, number>> = {};
    for (const [phase, answers] of answersBy) {
      const [side, offsetText] = phase.split(" ");
      const offset = Number(offsetText);
      statuses[phase] = tally(answers.map((a) => a.status));
      const within = Math.abs(offset) <= MAX_SKEW_SECONDS;
      expect(answers.filter((a) => a.status === (within ? 200 : 403)).length).to.be.at.least(SKEWED_FETCHES, phase);
      for (const answer of answers) {
        const body = answer.body as { reason?: string; detail?: string };
        if (answer.status === 200) {
          expect(within, `a delivery with the ${phase} s`).to.equal(true);
          continue;
        }
        expect("data" in body).to.equal(false);
        if (within || body.reason !== "exchange_stale") {
          // Not about the clock: the provider's system or the exchange too slow on a busy machine.
          expect(body.reason, `${phase} s: ${JSON.stringify(body)}`).to.match(NOT_ABOUT_THE_CLOCK);
          continue;
        }
        expect(answer.status).to.equal(403, JSON.stringify(body));
        // The provider names the skew: its clock minus the request's time (a consumer ahead, or a provider behind,
        // is negative).
        const skew = side === "consumer" ? -offset : offset;
        const named = /skew (-?\d+) s/.exec(body.detail ?? "");
        expect(named, `the provider's reason names the skew: ${body.detail}`).to.not.equal(null);
        expect(Number(named![1])).to.be.within(skew - 2, skew + 2);
      }
    }
    // Both sides' receipts are honest: a delivery on each side within the tolerance, a signed refusal beyond.
    for (const [requestId, receipt] of mine) {
      const { result, reason } = receipt.receipt;
      const counterpart = theirs.get(requestId);
      if (result === "denied" && reason === "exchange_stale") {
        expect(receipt.exchange?.response, "the provider's signed refusal kept").to.not.equal(undefined);
        expect(receipt.receipt.responseHash).to.equal(ZeroHash);
        expect([counterpart?.receipt.result, counterpart?.receipt.reason]).to.deep.equal(["denied", "exchange_stale"]);
      } else if (result === "delivered") {
        expect([counterpart?.receipt.result, counterpart?.receipt.reason]).to.deep.equal(["delivered", "ok"]);
      } else {
        expect(reason, `consumer receipt ${receipt.receipt.id}`).to.match(NOT_ABOUT_THE_CLOCK);
      }
    }
    expect(mine.size).to.equal([...answersBy.values()].flat().length);
    for (const [requestId, receipt] of theirs) {
      expect(mine.has(requestId), `provider receipt ${receipt.receipt.id} accounted for`).to.equal(true);
    }

    // Each side's times are checked against the chain: no receipt, on either side, is dated after the block that
    // anchored its batch, whichever gateway's clock was off and by how much; the auditor agrees (exit 0).
    const anchoredAt = new Map<number, number>();
    const blockTime = async (block: number) => {
      if (!anchoredAt.has(block)) {
        const read = (await jsonRpc(stack.credentials.rpc, "eth_getBlockByNumber", [
          `0x${block.toString(16)}`,
          false,
        ])) as {
          timestamp: string;
        };
        anchoredAt.set(block, Number(read.timestamp));
      }
      return anchoredAt.get(block)!;
    };
    const datedAfterAnchor: string[] = [];
    for (const view of [...skewedSide, ...providerSide]) {
      if (view.receipt.time > (await blockTime(view.batch!.blockNumber)))
        datedAfterAnchor.push(`${view.receipt.id.toLowerCase()} (${view.role ?? "local"}, time ${view.receipt.time})`);
    }
    expect(datedAfterAnchor, "receipts dated after the block that anchored them").to.deep.equal([]);
    const audit = await auditExchange(stack, skewedSide, providerSide, "clock skew");
    expect(audit.status).to.equal(0, `npm run audit -- exchange (clock skew):\n${audit.output}`);
    const quota = await checkQuotaCountedOnce(providerSide);

    const skewedTimes = [...mine.values()].map((v) => v.receipt.time);
    console.log(
      `      clock skew: ${JSON.stringify({
        statuses,
        consumerReceipts: tally([...mine.values()].map((v) => `${v.receipt.result}:${v.receipt.reason}`)),
        providerReceipts: tally([...theirs.values()].map((v) => `${v.receipt.result}:${v.receipt.reason}`)),
        consumerTimes: [Math.min(...skewedTimes), Math.max(...skewedTimes)],
        datedAfterAnchor: datedAfterAnchor.length,
        auditExit: audit.status,
        quotaCounted: quota,
      })}`,
    );
  });
});

/** The receipts of one side by `requestId`: one each (a second would be counted twice). */
function unique(views: ReceiptView[], side: string): Map<string, ReceiptView> {
  const out = new Map<string, ReceiptView>();
  for (const view of views) {
    const key = view.requestId!.toLowerCase();
    expect(out.has(key), `two ${side} receipts of request ${key}`).to.equal(false);
    out.set(key, view);
  }
  return out;
}
