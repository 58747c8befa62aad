/**
 * Parts 1 and 3, fetch and anchoring: autocannon at 32 connections for a fixed time against the full stack's
 * authorized `POST /v1/data/fetch` at the consumer's gateway (consent-requiring personal resource, cycling through
 * subjects who consented; the consumer's gateway asks the provider's: two hops) and against two chained bare express
 * proxies to the same backend (the same two hops, nothing on them). For anchoring, the gateway is loaded the same way again
 * (not during the measured fetch load) while a sampler fetches ten times
 * a second on its own connection and polls each sampled receipt until it is anchored: the receipt-to-anchor lag as
 * a client sees it. Receipts anchored per second come from the AccessLedger head of the requesting department.
 * When the fetch goal is missed (or with `--profile`), both gateways are run again under `node --cpu-prof` and their
 * top costs during the load are reported, with how their busy time lines up (`overlap`: side by side or in turns).
 */
import fs from "node:fs";
import path from "node:path";
import { demoDepartment } from "../../scripts/lib/demo-departments";
import { loadAverage, machine, percentile, round, type BenchContext } from "../lib/context";
import { arrangeFetchPath, requireRoutes, type FetchPath } from "../lib/fetch-path";
import { gcReader } from "../lib/gc-metrics";
import { load, type LoadResult } from "../lib/load";
import { cpuReader, perRequest, sampleRss } from "../lib/proc-stats";
import { busyOverlap, monotonicUs, summariseProfile, type ProfileWindow } from "../lib/profile";
import { sleep } from "../lib/procs";
import { Api, CONSUMER, PROVIDER, startStack, type Stack } from "../lib/stack";
import { gatewayHeapFlags } from "../../scripts/start/gateway-heap";

export const CONNECTIONS = 32;
const SUBJECTS = 16;
/** The profiles' overlap is read in buckets of this many ms (a gateway's turn of work on one wave takes 10–30 ms). */
const OVERLAP_BUCKET_MS = 5;

interface Sample {
  id: string;
  at: number;
  anchoredAt?: number;
}

export async function fetchAndAnchoringPart(
  ctx: BenchContext,
  which: { fetch: boolean; anchoring: boolean },
): Promise<{ fetch?: Record<string, unknown>; anchoring?: Record<string, unknown>; anchoringSkipped?: string }> {
  const seconds = ctx.fetchSeconds ?? (ctx.quick ? 10 : 30);
  const stack = await startStack(ctx, { name: "fetch" });
  try {
    ctx.log(
      `fetch: stack up (gateway ${stack.gateway}); arranging the agreement, grant and ${SUBJECTS} consents through the API`,
    );
    const fetchPath = await arrangeFetchPath(stack, SUBJECTS);
    let anchoringSkipped: string | undefined;
    try {
      await requireRoutes(stack, ["GET /v1/receipts/{id}"]);
    } catch (error) {
      anchoringSkipped = (error as Error).message;
    }
    // Warm both sides up (JIT, connection pools) before measuring.
    await load({ url: stack.bare, requests: fetchPath.bareRequests, connections: CONNECTIONS, seconds: 2 });
    await load({ url: stack.gateway, requests: fetchPath.kuajieRequests, connections: CONNECTIONS, seconds: 2 });

    const loadAverageBefore = loadAverage();
    ctx.log(`fetch: two chained bare proxies, ${CONNECTIONS} connections, ${seconds} s`);
    const bareCpu = cpuReader({
      consumer: stack.bareProcs.consumer.child.pid,
      provider: stack.bareProcs.provider.child.pid,
    });
    const gatewayPids = { consumer: stack.gatewayProc.child.pid, provider: stack.gatewayProcOf(PROVIDER).child.pid };
    // The gateways answer nothing while the bare chain is loaded: what they use meanwhile (indexer polls, timers) is
    // their CPU per second of their own, on the machine as loaded as during their own load.
    const idleGatewayCpu = cpuReader(gatewayPids);
    const bareStartedMs = Date.now();
    const bare = await load({ url: stack.bare, requests: fetchPath.bareRequests, connections: CONNECTIONS, seconds });
    const idleGatewayCpuMs = idleGatewayCpu.stop();
    const idleSeconds = (Date.now() - bareStartedMs) / 1000;
    const bareCpuMs = bareCpu.stop();
    ctx.log(`fetch: bare ${JSON.stringify(bare)}; Kuajie, ${CONNECTIONS} connections, ${seconds} s`);
    // The same load as the bare chain's and nothing else: the anchoring sampler's receipt polling (a few hundred reads
    // a second at the consumer's gateway) runs in a load of its own below, not in the measured one.
    const kuajieCpu = cpuReader(gatewayPids);
    const kuajieStartedMs = Date.now();
    const rss = sampleRss(gatewayPids);
    const heap = sampleHeap({ consumer: stack.gateway, provider: stack.gateways[PROVIDER] });
    const gc = await gcReader({ consumer: stack.gateway, provider: stack.gateways[PROVIDER] });
    const kuajie = await load({
      url: stack.gateway,
      requests: fetchPath.kuajieRequests,
      connections: CONNECTIONS,
      seconds,
    });
    const rssMb = rss.stop();
    const heapMb = await heap.stop();
    const kuajieCpuMs = kuajieCpu.stop();
    const kuajieSeconds = (Date.now() - kuajieStartedMs) / 1000;
    const gcPerRequest = await gc.stop(kuajie.requests);
    ctx.log(`fetch: kuajie ${JSON.stringify(kuajie)}`);
    const interleaved = await interleavedRatio(ctx, stack, fetchPath, ctx.quick ? 5 : 10);
    const consumerId = demoDepartment("gz-civil-affairs").id;
    let anchoringRun:
      | {
          headBefore: number;
          headAtEnd: number;
          startedAt: number;
          endedAt: number;
          samples: Sample[];
          loaded: LoadResult;
        }
      | undefined;
    if (which.anchoring && !anchoringSkipped) {
      ctx.log(`anchoring: the same load again, ${seconds} s, with the anchoring sampler`);
      const headBefore = await anchoredSequence(stack, consumerId);
      const startedAt = Date.now();
      const sampler = startSampler(stack, fetchPath);
      const loaded = await load({
        url: stack.gateway,
        requests: fetchPath.kuajieRequests,
        connections: CONNECTIONS,
        seconds,
      });
      const endedAt = Date.now();
      const headAtEnd = await anchoredSequence(stack, consumerId);
      anchoringRun = { headBefore, headAtEnd, startedAt, endedAt, samples: await sampler.stop(), loaded };
    }

    const result: { fetch?: Record<string, unknown>; anchoring?: Record<string, unknown>; anchoringSkipped?: string } =
      { anchoringSkipped };
    if (which.fetch) {
      result.fetch = {
        // The consumer's gateway → the provider's gateway, against bare proxy → bare proxy: the same two hops.
        hops: 2,
        kuajie: pick(kuajie),
        bare: pick(bare),
        ratio: {
          rps: round(kuajie.rps / bare.rps, 3),
          p99: round(kuajie.p99_ms / bare.p99_ms, 2),
          // The throughput ratio the two chains' CPU per request alone would give on a machine with nothing else.
          cpu_per_request: cpuRatio(bareCpuMs, bare, kuajieCpuMs, kuajie),
        },
        connections: CONNECTIONS,
        seconds,
        subjects: SUBJECTS,
        kuajie_non2xx: kuajie.non2xx,
        kuajie_errors: kuajie.errors,
        bare_non2xx: bare.non2xx,
        // CPU ms each hop's process used per request answered: the work a request costs, which the machine's load
        // changes far less than the requests per second (the backend, the same for both, is not counted).
        cpu_ms_per_request: {
          kuajie: perRequest(kuajieCpuMs, kuajie),
          bare: perRequest(bareCpuMs, bare),
        },
        // Each gateway's CPU ms per second while answering nothing (measured during the bare chain's load), and its
        // CPU per request with that share of the load's seconds taken out: at a few dozen requests a second on a busy
        // machine the per-second work is a large part of the plain figure, and moves it with the throughput.
        cpu_ms_per_second_idle: Object.fromEntries(
          Object.entries(idleGatewayCpuMs).map(([name, ms]) => [name, ms === null ? null : round(ms / idleSeconds, 1)]),
        ),
        cpu_ms_per_request_net: {
          kuajie: perRequest(
            Object.fromEntries(
              Object.entries(kuajieCpuMs).map(([name, ms]) => {
                const idle = idleGatewayCpuMs[name];
                return [name, ms === null || idle == null ? null : ms - (idle / idleSeconds) * kuajieSeconds];
              }),
            ),
            kuajie,
          ),
        },
        // The two gateways' resident memory, sampled once a second over the measured load.
        memory_mb: Object.fromEntries(
          Object.entries(rssMb).map(([role, samples]) => [
            role,
            { max: Math.max(...samples), first: samples[0], last: samples.at(-1), samples },
          ]),
        ),
        // What the V8 heap holds (used, after the last collection) beside the resident size: a heap that keeps
        // growing is memory kept per request; a resident size growing over a flat heap is the heap's room and buffers.
        heap_used_mb: heapMb,
        // The V8 heap limits the gateways ran with (package.json's `gateway` script), and what collecting cost: the
        // collections during the measured load and the main thread's pause per request, by kind.
        gateway_heap_flags: gatewayHeapFlags(),
        gc: gcPerRequest,
        // The machine is shared: the load around the measurement says how much the figures can be trusted.
        machine: machine(),
        load_average: { before: loadAverageBefore, after: loadAverage() },
        // The two chains loaded in turns of 2 s: the machine's load drifts over a run (other work starts and stops),
        // and turns give both chains the same drift; the ratio of their summed responses is the steadier figure.
        interleaved,
      };
      const missed = kuajie.rps < 0.6 * bare.rps || kuajie.p99_ms > 3 * bare.p99_ms;
      if (missed || ctx.profile) {
        await stack.stop();
        result.fetch.profile = await profileGateways(ctx, Math.min(seconds, 10));
      }
    }
    if (anchoringRun) {
      const { headBefore, headAtEnd, startedAt, endedAt, samples, loaded } = anchoringRun;
      const lags = samples
        .filter((s) => s.anchoredAt !== undefined)
        .map((s) => s.anchoredAt! - s.at)
        .sort((a, b) => a - b);
      const unanchoredAtEnd = samples.filter((s) => s.anchoredAt === undefined || s.anchoredAt > endedAt);
      const oldest = unanchoredAtEnd.reduce((max, s) => Math.max(max, endedAt - s.at), 0);
      result.anchoring = {
        receipts_per_s: round((headAtEnd - headBefore) / ((endedAt - startedAt) / 1000), 0),
        lag_p50_ms: round(percentile(lags, 50), 0),
        lag_p99_ms: round(percentile(lags, 99), 0),
        unanchored_older_than_5s: oldest > 5_000,
        oldest_unanchored_at_end_ms: oldest,
        sampled_receipts: samples.length,
        never_anchored: samples.filter((s) => s.anchoredAt === undefined).length,
        delivered_during_load: loaded.requests - loaded.non2xx,
        seconds,
        // Each sampled receipt: seconds into the run when it was delivered, and its lag to anchoring (null: never).
        lag_series: samples.map((s) => [
          round((s.at - startedAt) / 1000, 1),
          s.anchoredAt === undefined ? null : s.anchoredAt - s.at,
        ]),
      };
    }
    return result;
  } finally {
    await stack.stop();
  }
}

/**
 * `rounds` turns of 2 s for each chain, the order alternating (bare first, then Kuajie first, …): the responses of
 * each chain summed, their ratio, and each round's ratio.
 */
async function interleavedRatio(ctx: BenchContext, stack: Stack, fetchPath: FetchPath, rounds: number) {
  ctx.log(`fetch: both chains in ${rounds} interleaved rounds of 2 s each`);
  const TURN_SECONDS = 2;
  const turn = (url: string, requests: FetchPath["bareRequests"]) =>
    load({ url, requests, connections: CONNECTIONS, seconds: TURN_SECONDS });
  let [bareOk, kuajieOk] = [0, 0];
  const perRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const bareFirst = round % 2 === 0;
    const first = await (bareFirst
      ? turn(stack.bare, fetchPath.bareRequests)
      : turn(stack.gateway, fetchPath.kuajieRequests));
    const second = await (bareFirst
      ? turn(stack.gateway, fetchPath.kuajieRequests)
      : turn(stack.bare, fetchPath.bareRequests));
    const [bare, kuajie] = bareFirst ? [first, second] : [second, first];
    bareOk += bare.rps * TURN_SECONDS;
    kuajieOk += kuajie.rps * TURN_SECONDS;
    perRound.push(bare.rps === 0 ? 0 : round3(kuajie.rps / bare.rps));
  }
  const seconds = rounds * TURN_SECONDS;
  return {
    rounds,
    turn_seconds: TURN_SECONDS,
    kuajie_rps: round(kuajieOk / seconds, 0),
    bare_rps: round(bareOk / seconds, 0),
    ratio: bareOk === 0 ? null : round3(kuajieOk / bareOk),
    ratio_by_round: perRound,
  };
}

const round3 = (value: number) => round(value, 3);

/** The gateways' `nodejs_heap_size_used_bytes` and external memory (their /metrics) once a second, in MB. */
function sampleHeap(gateways: Record<string, string>) {
  const samples: Record<string, { heap: number[]; external: number[] }> = Object.fromEntries(
    Object.keys(gateways).map((name) => [name, { heap: [], external: [] }]),
  );
  const gauge = (text: string, name: string) => {
    const line = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text);
    return line ? Math.round(Number(line[1]) / 2 ** 20) : null;
  };
  const take = async () => {
    await Promise.all(
      Object.entries(gateways).map(async ([name, url]) => {
        try {
          const text = await (await fetch(`${url}/metrics`)).text();
          const [heap, external] = [
            gauge(text, "nodejs_heap_size_used_bytes"),
            gauge(text, "nodejs_external_memory_bytes"),
          ];
          if (heap !== null) samples[name].heap.push(heap);
          if (external !== null) samples[name].external.push(external);
        } catch {
          // a missed sample shows as a shorter series
        }
      }),
    );
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      await take();
      await sleep(1_000);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

function cpuRatio(
  bareCpu: Record<string, number | null>,
  bare: LoadResult,
  kuajieCpu: Record<string, number | null>,
  kuajie: LoadResult,
): number | null {
  const [b, k] = [perRequest(bareCpu, bare).total, perRequest(kuajieCpu, kuajie).total];
  return b === null || k === null || k === 0 ? null : round(b / k, 3);
}

/** The 1, 5 and 15 minute load averages, rounded. */
const pick = (r: LoadResult) => ({
  rps: r.rps,
  p50_ms: r.p50_ms,
  p99_ms: r.p99_ms,
  latency_ms: r.latency_ms,
  rps_series: r.rps_series,
});

async function anchoredSequence(stack: Stack, departmentId: string): Promise<number> {
  const [, lastReceiptSequence] = await stack.system.ledger.head(departmentId);
  return Number(lastReceiptSequence);
}

/** Ten fetches a second on its own connection; each receipt polled every 100 ms until anchored. */
function startSampler(stack: Stack, fetchPath: FetchPath) {
  const api = new Api(stack.gateway, fetchPath.consumerToken);
  const samples: Sample[] = [];
  let running = true;
  let stopAt = Number.POSITIVE_INFINITY;
  let i = 0;
  const fetching = (async () => {
    while (running) {
      const request = fetchPath.kuajieRequests[i++ % fetchPath.kuajieRequests.length];
      try {
        const answer = await api.post<{ receipt: { id: string } }>("/v1/data/fetch", request.body);
        samples.push({ id: answer.receipt.id, at: Date.now() });
      } catch {
        // refusals and errors show in the load figures
      }
      await sleep(100);
    }
  })();
  const polling = (async () => {
    while (running || samples.some((s) => s.anchoredAt === undefined)) {
      const pending = samples.filter((s) => s.anchoredAt === undefined);
      await Promise.all(
        pending.map(async (s) => {
          try {
            const r = await api.get<{ status: string }>(`/v1/receipts/${s.id}`);
            if (r.status === "anchored") s.anchoredAt = Date.now();
          } catch {
            // retried next round
          }
        }),
      );
      if (!running && Date.now() > stopAt + 30_000) break;
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      stopAt = Date.now();
      await fetching;
      await polling;
      return samples;
    },
  };
}

/**
 * Both gateways of the path again under `node --cpu-prof`, loaded the same way: each one's top costs by self time
 * (the consumer's signs requests and verifies answers, the provider's verifies requests, decides, signs answers).
 */
async function profileGateways(ctx: BenchContext, seconds: number): Promise<Record<string, unknown>> {
  const dir = path.join(ctx.workDir, "cpu-profile");
  fs.mkdirSync(dir, { recursive: true });
  ctx.log(`fetch: profiling both gateways (node --cpu-prof, 2 s of warm-up, then ${seconds} s of load profiled)`);
  const stack = await startStack(ctx, {
    name: "profile",
    gatewayNodeArgs: (key) => ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${key}.cpuprofile`],
  });
  let window: ProfileWindow;
  let loaded: LoadResult;
  try {
    const fetchPath = await arrangeFetchPath(stack, SUBJECTS);
    await load({ url: stack.gateway, requests: fetchPath.kuajieRequests, connections: CONNECTIONS, seconds: 2 });
    const fromUs = monotonicUs();
    loaded = await load({ url: stack.gateway, requests: fetchPath.kuajieRequests, connections: CONNECTIONS, seconds });
    window = { fromUs, toUs: monotonicUs() };
  } finally {
    await stack.stop();
  }
  // Only the samples of the measured load: boot, arranging and the warm-up are not the fetch path.
  const summary: Record<string, unknown> = { load: pick(loaded) };
  const kept: Record<string, string> = {};
  for (const [role, key] of [
    ["consumer", CONSUMER],
    ["provider", PROVIDER],
  ] as const) {
    const written = path.join(dir, `${key}.cpuprofile`);
    if (!fs.existsSync(written)) {
      summary[role] = { error: "no profile written" };
      continue;
    }
    kept[role] = path.join(ctx.workDir, `${role}-gateway.cpuprofile`);
    fs.copyFileSync(written, kept[role]);
    summary[role] = { file: kept[role], ...summariseProfile(written, 15, window) };
  }
  // Whether the two gateways work side by side or hand the load to each other in waves (each idle while the other works).
  if (Object.keys(kept).length === 2) summary.overlap = busyOverlap(kept, window, OVERLAP_BUCKET_MS);
  return summary;
}
