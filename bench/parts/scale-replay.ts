/**
 * Part 8, scale on a replay node (issue 17): the gateways at 10^6 consents and 10^5 grants, which the Hardhat node
 * cannot hold on this machine. The stack is brought up as for the other parts and the measured fetch arranged through
 * the gateways on the real chain; then the consumer's and the provider's gateways are pointed at a replay node
 * (bench/lib/replay-node.ts): the real chain up to its head, followed by synthetic blocks of ConsentRecorded and
 * GrantIssued logs in the deployed contracts' format, 525 consents and ~52 grants a block. Measured:
 * - fetch req/s (the real two-gateway fetch, autocannon) with 10^3 synthetic consents, then with 10^6, and the two
 *   gateways' CPU per request; then, to compare the sizes under the same machine load, short loads in alternate turns
 *   (10^3, 10^6, 10^6, 10^3, …): both gateways stopped, the other size's databases renamed into place, the replay
 *   node's head set to that size, both started, warmed up and loaded;
 * - indexing, events a second: the consumer's gateway stopped while the chain grows to 10^6, then started;
 * - resident memory of both gateways after indexing 10^6 (the provider's indexed them too), and after a restart;
 * - restart to serving: from the spawn until a fetch is decided and the subject's consent trail answered;
 * - database bytes per consent: the consumer's gateway.db growth over the synthetic consents (and grants) added;
 * - the auditor's `report` over the whole chain at both sizes: wall and CPU seconds, peak resident memory.
 * The replay node refuses writes: receipts are recorded but never anchored, and the anchoring limit is raised.
 * Quick mode: 10^5 synthetic consents instead of 10^6, and two pairs of turns instead of three.
 * With --profile both gateways run under --cpu-prof (each process writes its profile when it stops): the consumer's
 * indexing, and each fetch load's CPU a request by function and by package, 10^3 against the large size.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEMO_DEPARTMENTS, demoDepartment } from "../../scripts/lib/demo-departments";
import { jsonRpc } from "../../scripts/harness";
import { purposeBytes } from "../lib/chain";
import { round, type BenchContext } from "../lib/context";
import { arrangeFetchPath } from "../lib/fetch-path";
import { load, type LoadResult } from "../lib/load";
import { DatabaseSets } from "../lib/database-sets";
import { cpuReader, perRequest } from "../lib/proc-stats";
import { freePort, sleep, startTs, waitFor } from "../lib/procs";
import {
  growth,
  monotonicUs,
  rankUs,
  selfTime,
  summariseProfile,
  usPerRequest,
  type ProfileWindow,
  type SelfTime,
} from "../lib/profile";
import type { ReplayChainSpec } from "../lib/replay-chain";
import { PURPOSE } from "../lib/sharing";
import { Api, CONSUMER, PROVIDER, startStack, type Stack } from "../lib/stack";
import { catchUp, databaseBytes, fileBytes, machineDescription, metric, restartToServing, rssMiB } from "./scale";
import { buildAuditor, timed } from "./audit-scale";
import { writeDeployment } from "../../server/src/chain/deployment";

const SMALL = 1_000;
const SUBJECTS = 16;
const CONNECTIONS = 32;
const LOAD_SECONDS = 20;
/** Each turn of the interleaved comparison: a warm-up, then the measured load. */
const TURN_WARM_UP_SECONDS = 3;
const TURN_SECONDS = 10;
/** How far the synthetic blocks' clock runs ahead of the wall clock when the replay starts: longer than any run. */
const SYNTHETIC_CLOCK_LEAD_SECONDS = 2 * 3600;
/** Where the consent store's compiled code lives, as the profile names places. */
const CONSENT_STORE = "server/src/store/consents.js";

const loadAverage = () => os.loadavg().map((l) => round(l, 1));
const pick = (r: LoadResult) => ({
  rps: r.rps,
  p50_ms: r.p50_ms,
  p99_ms: r.p99_ms,
  non2xx: r.non2xx,
  errors: r.errors,
});

export async function scaleReplayPart(ctx: BenchContext): Promise<Record<string, unknown>> {
  const large = ctx.quick ? 100_000 : 1_000_000;
  // With --profile both measured gateways run under --cpu-prof: each process writes its profile when it stops, named
  // by its pid; the samples of a load are those inside the load's window.
  const profileDir = path.join(ctx.workDir, "cpu-profile");
  const stack = await startStack(ctx, {
    name: "scale-replay",
    gatewayNodeArgs: () => (ctx.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
  });
  const profiled: ProfiledLoad[] = [];
  try {
    const fetchPath = await arrangeFetchPath(stack, SUBJECTS);
    const consumerApi = new Api(stack.gateways[CONSUMER], stack.tokens[CONSUMER]);
    const { subjectRef } = await consumerApi.post<{ subjectRef: string }>("/v1/subjects/ref", fetchPath.subjects[0]);
    await stack.indexed(PROVIDER);
    await stack.indexed(CONSUMER);
    // Stopped before the real head is read, so that no gateway indexes a real block the replay numbers otherwise.
    for (const key of Object.keys(stack.gateways)) await stack.stopGateway(key);
    const head = (await jsonRpc(stack.node.rpc, "eth_getBlockByNumber", ["latest", false])) as {
      number: string;
      timestamp: string;
    };
    const spec: Omit<ReplayChainSpec, "firstGrantId"> & { firstGrantId: string } = {
      consentRegistry: stack.system.deployment.contracts.ConsentRegistry,
      grants: stack.system.deployment.contracts.Grants,
      realHead: Number(BigInt(head.number)),
      realHeadTime: Number(BigInt(head.timestamp)),
      // Ahead of the wall clock for the whole run, at every size. Blocks one second apart after the real head would
      // leave the chain's clock minutes behind the receipts' times at 10^3 and ahead of them at 10^6: the anchorer
      // then finds no receipt the chain has reached at 10^3 and, every pass, counts and reads back all those waiting
      // (O(unanchored receipts), a quarter of the consumer's profiled time), while at 10^6 it forms a batch and waits.
      firstSyntheticTime: Math.floor(Date.now() / 1000) + SYNTHETIC_CLOCK_LEAD_SECONDS,
      departments: DEMO_DEPARTMENTS.map((d) => d.id),
      resourceId: fetchPath.resourceId,
      purpose: purposeBytes(PURPOSE),
      agreementId: fetchPath.agreementId,
      grantConsumer: demoDepartment(CONSUMER).id,
      grantsPerConsent: 0.1,
      firstGrantId: "1000000",
    };
    const specFile = path.join(ctx.workDir, "replay-spec.json");
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const port = await freePort();
    const replayProc = startTs("scale-replay-node", "bench/lib/replay-node-main.ts", {
      logDir: ctx.logDir,
      args: [stack.node.rpc, String(port), specFile],
    });
    const replay = `http://127.0.0.1:${port}`;
    await waitFor(
      "replay node",
      async () => (await jsonRpc(replay, "eth_blockNumber", [])) !== undefined,
      60_000,
      replayProc,
    );
    // The replay node refuses writes, so no receipt is ever anchored: the fail-closed limit on unanchored receipts
    // (60 s by default) would refuse every fetch after a minute. Raised to a day here, and only here.
    const env = { KUAJIE_RPC_URL: replay, KUAJIE_ANCHOR_MAX_LAG_SECONDS: "86400" };
    const grow = (consents: number) =>
      jsonRpc(replay, "replay_setConsents", [consents]) as Promise<{ head: number; consents: number; grants: number }>;

    // 10^3: both gateways on the replay node, caught up, then the fetch measured.
    const small = await grow(SMALL);
    stack.restartGateway(PROVIDER, env);
    stack.restartGateway(CONSUMER, env);
    await indexedTo(stack, PROVIDER, small.head);
    await indexedTo(stack, CONSUMER, small.head);
    ctx.log(`scale-replay: ${small.consents} synthetic consents indexed by both gateways; fetch load`);
    const measure = (size: "small" | "large", seconds: number) =>
      measuredLoad(stack, fetchPath.kuajieRequests, size, seconds, profiled);
    const first = await measure("small", LOAD_SECONDS);
    const fetchSmall = first.loaded;
    ctx.log(`scale-replay: fetch at ${small.consents}: ${JSON.stringify(pick(fetchSmall))}`);

    // Both stopped, their 10^3 databases kept for the interleaved turns; the provider restarted on its own.
    await stack.stopGateway(CONSUMER);
    await stack.stopGateway(PROVIDER);
    const databases = new DatabaseSets([stack.databaseOf(CONSUMER), stack.databaseOf(PROVIDER)], "large");
    databases.copyAs("small");
    stack.restartGateway(PROVIDER, env);
    await indexedTo(stack, PROVIDER, small.head);

    // The large chain: the provider indexes it first (its events/s and memory), then the consumer, alone, measured.
    const database = stack.databaseOf(CONSUMER);
    const bytesBefore = databaseBytes(database);
    const mainBefore = fileBytes(database);
    const grown = await grow(large);
    const providerStarted = performance.now();
    await indexedTo(stack, PROVIDER, grown.head);
    const providerSeconds = (performance.now() - providerStarted) / 1000;
    const providerRss = rssMiB(stack.gatewayProcOf(PROVIDER));
    ctx.log(`scale-replay: the provider indexed ${grown.consents} consents in ${round(providerSeconds, 1)} s`);
    const loadIndexing = loadAverage();
    const window: ProfileWindow = { fromUs: monotonicUs(), toUs: 0 };
    const indexing = await catchUp(stack, env);
    window.toUs = monotonicUs();
    const indexingPid = stack.gatewayProcOf(CONSUMER).child.pid;
    const indexingLoad = loadAverage();
    const consumerRss = rssMiB(stack.gatewayProcOf(CONSUMER));
    ctx.log(`scale-replay: the consumer indexed ${indexing.events} events in ${round(indexing.seconds, 1)} s`);
    const bytesAfter = databaseBytes(database);
    const mainAfter = fileBytes(database);
    const added = grown.consents - small.consents;

    const second = await measure("large", LOAD_SECONDS);
    const fetchLarge = second.loaded;
    ctx.log(`scale-replay: fetch at ${grown.consents}: ${JSON.stringify(pick(fetchLarge))}`);

    await stack.stopGateway(CONSUMER);
    // The process that caught up has just stopped and written its profile.
    const profile = ctx.profile ? profileOf(profileDir, indexingPid) : null;
    const restart = await restartToServing(stack, fetchPath.kuajieRequests[0], env);
    const trailStarted = performance.now();
    const trail = await fetch(`${stack.gateways[CONSUMER]}/v1/subjects/${subjectRef}/consents`, {
      headers: { authorization: `Bearer ${stack.tokens[CONSUMER]}` },
    });
    const trailSeconds = (performance.now() - trailStarted) / 1000;
    const restartRss = rssMiB(stack.gatewayProcOf(CONSUMER));
    const providerRestartRss = await restartedRss(stack, PROVIDER, env, grown.head);
    const metricsText = await fetch(`${stack.gateways[CONSUMER]}/metrics`).then((r) => r.text());

    // The two sizes in alternate turns (10^3, large, large, 10^3, …), each under the load of its minute.
    const turns: MeasuredLoad[] = [];
    const sizes = { small: small.consents, large: grown.consents };
    for (const size of turnOrder(ctx.quick ? 2 : 3)) {
      await stack.stopGateway(CONSUMER);
      await stack.stopGateway(PROVIDER);
      databases.use(size);
      const head = (await grow(sizes[size])).head;
      stack.restartGateway(PROVIDER, env);
      stack.restartGateway(CONSUMER, env);
      await indexedTo(stack, PROVIDER, head);
      await indexedTo(stack, CONSUMER, head);
      const turn = await measure(size, TURN_SECONDS);
      ctx.log(`scale-replay: turn at ${sizes[size]}: ${JSON.stringify(turnFigures(turn))}`);
      turns.push(turn);
    }
    await stack.stopGateway(CONSUMER);
    await stack.stopGateway(PROVIDER);

    // The auditor's scorecard (`npm run audit -- report`) over the whole chain at both sizes: it folds every
    // consent's event a page at a time, so its memory must not follow the consents.
    const deploymentFile = path.join(ctx.workDir, "scale-replay-deployment.json");
    writeDeployment(deploymentFile, stack.system.deployment);
    const auditReport: Record<string, unknown> = {};
    await buildAuditor(ctx, "scale-replay-audit-build");
    for (const size of ["small", "large"] as const) {
      await grow(sizes[size]);
      const args = ["report", "--rpc", replay, "--deployment", deploymentFile, "--json"];
      auditReport[`at_${sizes[size]}`] = await timed(ctx, `scale-replay-report-${size}`, args);
      ctx.log(`scale-replay: audit report at ${sizes[size]}: ${JSON.stringify(auditReport[`at_${sizes[size]}`])}`);
    }
    await replayProc.stop();

    return {
      what:
        "the consumer's and the provider's gateways (real processes, real two-gateway fetch) on a replay node: the " +
        "real chain, then synthetic ConsentRecorded/GrantIssued blocks in the deployed contracts' format",
      synthetic: {
        consents: grown.consents,
        grants: grown.grants,
        blocks: grown.head - spec.realHead,
        real_head: spec.realHead,
      },
      indexing: {
        events: indexing.events,
        seconds: round(indexing.seconds, 1),
        events_per_s: round(indexing.events / indexing.seconds, 0),
        listened_after_s: round(indexing.listenedAfter, 2),
        load_average_before: loadIndexing,
        load_average_after: indexingLoad,
        provider_seconds: round(providerSeconds, 1),
        provider_events_per_s: round(
          (grown.consents + grown.grants - small.consents - small.grants) / providerSeconds,
          0,
        ),
        page_blocks_at_end: metric(metricsText, "kuajie_indexer_page_blocks"),
      },
      gateway_rss_mib: {
        consumer_after_indexing: consumerRss,
        provider_after_indexing: providerRss,
        consumer_after_restart: restartRss,
        provider_after_restart: providerRestartRss,
      },
      restart_to_serving: {
        seconds: round(restart.seconds + trailSeconds, 2),
        fetch_decided_s: round(restart.seconds, 2),
        listened_after_s: round(restart.listenedAfter, 2),
        fetch_status: restart.status,
        trail_status: trail.status,
        trail_s: round(trailSeconds, 3),
      },
      audit_report: auditReport,
      database: {
        bytes: bytesAfter,
        bytes_per_consent: round((bytesAfter - bytesBefore) / added, 0),
        main_file_bytes_per_consent: round((mainAfter - mainBefore) / added, 0),
        note: "growth over the consents added, the 10% grants added with them included",
      },
      fetch: {
        connections: CONNECTIONS,
        seconds: LOAD_SECONDS,
        [`at_${small.consents}`]: turnFigures(first),
        [`at_${grown.consents}`]: turnFigures(second),
        ratio: round(fetchLarge.rps / fetchSmall.rps, 2),
        // What the machine's other work moves least: the two gateways' CPU per request at 10^3 ÷ at the large size.
        cpu_per_request_ratio: cpuRatio(first, second),
        interleaved: interleavedSummary(turns, sizes),
      },
      ...(profile ? { indexing_profile: summariseProfile(profile, 20, window) } : {}),
      ...(ctx.profile ? { fetch_profile: fetchProfile(profileDir, profiled, first, second, turns) } : {}),
      machine: machineDescription(),
      load_average_at_end: loadAverage(),
    };
  } finally {
    await stack.stop();
  }
}

/** The measured gateways' process ids: the consumer's and the provider's. */
function gatewayPids(stack: Stack): Record<"consumer" | "provider", number | undefined> {
  return { consumer: stack.gatewayProcOf(CONSUMER).child.pid, provider: stack.gatewayProcOf(PROVIDER).child.pid };
}

/** Until a gateway's /healthz says it has indexed `head`. */
async function indexedTo(stack: Stack, key: string, head: number): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const proc = stack.gatewayProcOf(key);
    if (proc.child.exitCode !== null) throw new Error(`the ${key} gateway exited with ${proc.child.exitCode}`);
    const health = await fetch(`${stack.gateways[key]}/healthz`, { signal: AbortSignal.timeout(10_000) })
      .then((r) => r.json() as Promise<{ index?: { indexedBlock: number } }>)
      .catch(() => null);
    if (health?.index && health.index.indexedBlock >= head) return;
    if (Date.now() > deadline) throw new Error(`the ${key} gateway has not reached block ${head} in 30 minutes`);
    await sleep(250);
  }
}

/** A gateway's RSS after a restart on the indexed chain, once it is level with it again. */
async function restartedRss(stack: Stack, key: string, env: Record<string, string>, head: number) {
  await stack.stopGateway(key);
  stack.restartGateway(key, env);
  await indexedTo(stack, key, head);
  return rssMiB(stack.gatewayProcOf(key));
}

/** The profile a process wrote when it stopped: node names it `CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile`. */
function profileOf(dir: string, pid: number | undefined): string | null {
  if (pid === undefined || !fs.existsSync(dir)) return null;
  const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile") && f.split(".")[3] === String(pid));
  return file === undefined ? null : path.join(dir, file);
}

interface MeasuredLoad {
  size: "small" | "large";
  loaded: LoadResult;
  loadAverage: number[];
  cpuMs: Record<string, number | null>;
}

/** A load's samples in the two gateways' profiles: the processes that served it, and when. */
interface ProfiledLoad {
  load: MeasuredLoad;
  pids: Record<"consumer" | "provider", number | undefined>;
  window: ProfileWindow;
}

/** A warm-up, then the fetch loaded through the consumer's gateway, with both gateways' CPU time. */
async function measuredLoad(
  stack: Stack,
  requests: Parameters<typeof load>[0]["requests"],
  size: "small" | "large",
  seconds: number,
  profiled: ProfiledLoad[],
): Promise<MeasuredLoad> {
  const url = stack.gateways[CONSUMER];
  await load({ url, requests, connections: CONNECTIONS, seconds: TURN_WARM_UP_SECONDS });
  const averages = loadAverage();
  const pids = gatewayPids(stack);
  const cpu = cpuReader(pids);
  const fromUs = monotonicUs();
  const loaded = await load({ url, requests, connections: CONNECTIONS, seconds });
  const measured = { size, loaded, loadAverage: averages, cpuMs: perRequest(cpu.stop(), loaded) };
  profiled.push({ load: measured, pids, window: { fromUs, toUs: monotonicUs() } });
  return measured;
}

function turnFigures(m: MeasuredLoad) {
  return { ...pick(m.loaded), load_average: m.loadAverage, cpu_ms_per_request: m.cpuMs };
}

function cpuRatio(small: MeasuredLoad, large: MeasuredLoad): number | null {
  const [s, l] = [small.cpuMs.total, large.cpuMs.total];
  return s === null || !l ? null : round(s / l, 3);
}

/** 10^3 and the large size in pairs, each pair's order the reverse of the one before (a drift in load cancels). */
function turnOrder(pairs: number): ("small" | "large")[] {
  const pair = (i: number): ("small" | "large")[] => (i % 2 === 0 ? ["small", "large"] : ["large", "small"]);
  return Array.from({ length: pairs }, (_, i) => pair(i)).flat();
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Each pair of adjacent turns gives a ratio under one minute's load; their median is the comparison's figure. */
function interleavedSummary(turns: MeasuredLoad[], sizes: Record<"small" | "large", number>) {
  const pairs = Array.from({ length: turns.length / 2 }, (_, i) => {
    const [a, b] = [turns[2 * i], turns[2 * i + 1]];
    const [small, large] = a.size === "small" ? [a, b] : [b, a];
    return { rps: round(large.loaded.rps / small.loaded.rps, 3), cpu_per_request: cpuRatio(small, large) };
  });
  const cpuRatios = pairs.map((p) => p.cpu_per_request).filter((r): r is number => r !== null);
  return {
    what:
      `both gateways restarted for each turn on the ${sizes.small}-consent or the ${sizes.large}-consent databases ` +
      `(the replay node's head set to match), ${TURN_WARM_UP_SECONDS} s of warm-up, ${TURN_SECONDS} s measured; ` +
      "turns in pairs, each pair's order the reverse of the one before",
    turns: turns.map((t) => ({ consents: sizes[t.size], ...turnFigures(t) })),
    pair_ratios: pairs,
    ratio_median: round(median(pairs.map((p) => p.rps)), 3),
    cpu_per_request_ratio_median: cpuRatios.length ? round(median(cpuRatios), 3) : null,
  };
}

/**
 * CPU µs a request by package and by function in each gateway, 10^3 against the large size: the first two loads,
 * and the interleaved turns pooled by size (the fairer comparison); what grew most is listed first.
 */
function fetchProfile(
  dir: string,
  profiled: ProfiledLoad[],
  first: MeasuredLoad,
  second: MeasuredLoad,
  turns: MeasuredLoad[],
) {
  const cache = new Map<string, SelfTime>();
  const timesOf = (entries: ProfiledLoad[], role: "consumer" | "provider") =>
    entries.flatMap((e) => {
      const file = profileOf(dir, e.pids[role]);
      if (file === null) return [];
      const key = `${file}@${e.window.fromUs}`;
      if (!cache.has(key)) cache.set(key, selfTime(file, e.window));
      return [cache.get(key)!];
    });
  const compare = (small: MeasuredLoad[], large: MeasuredLoad[]) => {
    const of = (loads: MeasuredLoad[]) => profiled.filter((p) => loads.includes(p.load));
    const requests = (loads: MeasuredLoad[]) => loads.reduce((n, l) => n + l.loaded.requests, 0);
    return Object.fromEntries(
      (["consumer", "provider"] as const).map((role) => {
        const before = usPerRequest(timesOf(of(small), role), requests(small));
        const after = usPerRequest(timesOf(of(large), role), requests(large));
        return [
          role,
          {
            busy_us_per_request: { small: round(before.totalUs, 0), large: round(after.totalUs, 0) },
            // What the consents indexed can change: the decision's read of the key's current consent.
            consent_store_us_per_request: {
              small: round(before.byPlace.get(CONSENT_STORE) ?? 0, 1),
              large: round(after.byPlace.get(CONSENT_STORE) ?? 0, 1),
            },
            by_place_small: rankUs(before.byPlace, 10),
            by_place_large: rankUs(after.byPlace, 10),
            places: growth(before.byPlace, after.byPlace, 8),
            functions: growth(before.byFunction, after.byFunction, 12),
          },
        ];
      }),
    );
  };
  return {
    what: "self time of each gateway's main thread in the loads' windows (idle left out), µs per answered request",
    first_loads: compare([first], [second]),
    interleaved_turns: compare(
      turns.filter((t) => t.size === "small"),
      turns.filter((t) => t.size === "large"),
    ),
  };
}
