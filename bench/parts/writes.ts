/**
 * Part 2, writes: consents recorded per second through the gateway against the local Hardhat node: one request
 * at a time (each waits for its transaction to be mined and indexed) versus many concurrent requests, which the
 * gateway coalesces into ConsentRegistry.recordBatch calls.
 */
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { demoDepartment } from "../../scripts/lib/demo-departments";
import { round, type BenchContext } from "../lib/context";
import { cpuSeconds, pidByCommandLine } from "../lib/cpu-time";
import { monotonicUs, summariseProfile, type ProfileWindow } from "../lib/profile";
import { requireRoutes } from "../lib/fetch-path";
import { PURPOSE } from "../lib/sharing";
import { HOUSEHOLD_REGISTRATION } from "../../backends/datasets";
import { Api, CONSUMER, PROVIDER, startStack } from "../lib/stack";

const iso = (secondsFromNow: number) => new Date(Date.now() + secondsFromNow * 1000).toISOString();

export async function writesPart(ctx: BenchContext): Promise<Record<string, unknown>> {
  // With --profile the consumer's gateway (the one loaded) runs under node --cpu-prof: its figures are then a little
  // lower than without, and the result says so.
  const profileDir = path.join(ctx.workDir, "writes-cpu-profile");
  const stack = await startStack(ctx, {
    name: "writes",
    gatewayNodeArgs: (key) =>
      ctx.profile && (key === CONSUMER || key === PROVIDER)
        ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${key}.cpuprofile`]
        : [],
  });
  let window: ProfileWindow | undefined;
  let result: Record<string, unknown>;
  try {
    await requireRoutes(stack, ["POST /v1/catalog/resources", "POST /v1/consents"]);
    const provider = new Api(stack.gateways[PROVIDER], stack.tokens[PROVIDER]);
    const consumer = new Api(stack.gateways[CONSUMER], stack.tokens[CONSUMER]);
    const r = HOUSEHOLD_REGISTRATION;
    const { resourceId } = await provider.post<{ resourceId: string }>("/v1/catalog/resources", {
      code: "bench-consent-writes",
      name: r.name,
      summary: r.summary,
      shareType: "conditional",
      securityLevel: r.securityLevel,
      personal: true,
      fields: r.fields.map((f) => ({ name: f.name, type: f.type, personal: f.personal })),
      upstream: { url: stack.backends[PROVIDER] },
    });
    await stack.indexed(CONSUMER);
    const recipient = demoDepartment("gz-civil-affairs").id;
    let n = 0;
    const consentBody = () => ({
      subject: { subjectRef: "0x" + randomBytes(32).toString("hex") },
      recipient,
      resourceId,
      purpose: { code: PURPOSE },
      validUntil: iso(180 * 24 * 3600),
      evidence: { type: "record", document: { form: `bench consent ${n++}` } },
    });
    const consent = () => consumer.request<{ consentId?: string }>("POST", "/v1/consents", consentBody(), [201, 202]);

    // One at a time for a fixed time.
    const singleSeconds = ctx.quick ? 5 : 15;
    await consent(); // warm-up
    let single = 0;
    let singlePending = 0;
    const singleStart = performance.now();
    while (performance.now() - singleStart < singleSeconds * 1000) {
      const answer = await consent();
      if (answer.status === 201) single++;
      else singlePending++;
    }
    const singleElapsed = (performance.now() - singleStart) / 1000;
    ctx.log(`writes: single ${single} consents in ${round(singleElapsed, 1)} s`);

    // Many at once: `total` requests, `concurrency` in flight, each connection a client that sends its next consent
    // once answered. autocannon, as the fetch part's load: fetch (undici) spent about 1 ms of CPU a request on these
    // two cores, as much as the gateway it loads (docs/perf/consents-profile.md).
    const total = ctx.quick ? 3_000 : 10_000;
    const concurrency = 512;
    let batched = 0;
    let batchedPending = 0;
    let failed = 0;
    const failures = new Set<string>();
    const batchedLoad = (amount: number) =>
      new Promise<autocannon.Result>((resolve, reject) => {
        autocannon(
          {
            url: stack.gateways[CONSUMER],
            connections: concurrency,
            amount,
            timeout: 120,
            requests: [
              {
                method: "POST",
                path: "/v1/consents",
                headers: { authorization: `Bearer ${stack.tokens[CONSUMER]}`, "content-type": "application/json" },
                setupRequest: (request) => ({ ...request, body: JSON.stringify(consentBody()) }),
                onResponse: (status, body) => {
                  if (status === 201) batched++;
                  else if (status === 202) batchedPending++;
                  else {
                    failed++;
                    if (failures.size < 3) failures.add(`${status}: ${body.slice(0, 300)}`);
                  }
                },
              },
            ],
          },
          (error, result) => (error ? reject(error) : resolve(result)),
        );
      });
    // Warm the batched path up before measuring it, as the fetch part warms its path: the one-at-a-time run above
    // never makes a batch larger than one, so without this the measured run began with seconds of cold code (the
    // batch encoder, the indexer's pages of hundreds of events, the answers' loop) at about half the later rate.
    const warmUp = ctx.quick ? 1_000 : 2_000;
    const warmUpRun = await batchedLoad(warmUp);
    const warmUpFailed = failed + warmUpRun.errors;
    ctx.log(`writes: batched warm-up of ${warmUp} consents (${warmUpFailed} failed), not measured`);
    batched = 0;
    batchedPending = 0;
    failed = warmUpFailed;
    const blocksBefore = await stack.node.provider.getBlockNumber();
    const loadBefore = os.loadavg().map((l) => round(l, 2));
    const gatewayPid = stack.gatewayProcOf(CONSUMER).child.pid;
    const nodePid = pidByCommandLine(["node", "--port", new URL(stack.node.rpc).port]);
    const otherGatewayPids = Object.keys(stack.gateways)
      .filter((key) => key !== CONSUMER)
      .map((key) => stack.gatewayProcOf(key).child.pid);
    const otherGatewaysCpu = () => sumOrNull(otherGatewayPids.map(cpuSeconds));
    const clientCpu = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    };
    const cpuBefore = {
      gateway: cpuSeconds(gatewayPid),
      node: cpuSeconds(nodePid),
      otherGateways: otherGatewaysCpu(),
      client: clientCpu(),
    };
    const fromUs = monotonicUs();
    const batchedStart = performance.now();
    const run = await batchedLoad(total);
    // Connection errors and timeouts (autocannon counts a timeout among its errors too).
    failed += run.errors;
    if (run.errors > 0 && failures.size < 3) failures.add(`${run.errors} connection errors, ${run.timeouts} timeouts`);
    const batchedElapsed = (performance.now() - batchedStart) / 1000;
    window = { fromUs, toUs: monotonicUs() };
    const cpuAfter = {
      gateway: cpuSeconds(gatewayPid),
      node: cpuSeconds(nodePid),
      otherGateways: otherGatewaysCpu(),
      client: clientCpu(),
    };
    const cpuMsPerConsent = (role: keyof typeof cpuBefore) => {
      const before = cpuBefore[role];
      const after = cpuAfter[role];
      return before === null || after === null ? null : round((1000 * (after - before)) / Math.max(1, batched), 2);
    };
    const batchBlocks = (await stack.node.provider.getBlockNumber()) - blocksBefore;
    ctx.log(`writes: batched ${batched} consents in ${round(batchedElapsed, 1)} s`);
    const singleRate = single / singleElapsed;
    const batchedRate = batched / batchedElapsed;
    const blocks = await stack.node.provider.getBlockNumber();
    result = {
      single: {
        consents_per_s: round(singleRate, 1),
        consents: single,
        seconds: round(singleElapsed, 1),
        pending_202: singlePending,
      },
      batched: {
        consents_per_s: round(batchedRate, 1),
        consents: batched,
        seconds: round(batchedElapsed, 1),
        concurrency,
        // Consents sent the same way just before, not counted: the warm-up (its failures are in `failed`).
        warm_up_consents: warmUp,
        pending_202: batchedPending,
        failed,
        // Hardhat automines one transaction a block: the blocks of the run are its recordBatch transactions.
        transactions: batchBlocks,
        consents_per_transaction: round((batched + batchedPending) / Math.max(1, batchBlocks), 1),
        latency_ms: {
          p50: run.latency.p50,
          p99: run.latency.p99,
          max: run.latency.max,
        },
        // CPU the loaded gateway and the chain node spent per recorded consent, which the machine's load barely moves.
        // Beside them, what the rest of the machine's share went to: the four other gateways (each indexes every
        // consent) and this benchmark's own client (sending 512 requests at a time), which share the same cores.
        cpu_ms_per_consent: {
          gateway: cpuMsPerConsent("gateway"),
          chain_node: cpuMsPerConsent("node"),
          other_gateways: cpuMsPerConsent("otherGateways"),
          client: cpuMsPerConsent("client"),
        },
        failure_examples: [...failures],
        load_average_before: loadBefore,
        load_average_after: os.loadavg().map((l) => round(l, 2)),
        profiled: ctx.profile,
      },
      ratio: round(batchedRate / singleRate, 1),
      chain_blocks_at_end: blocks,
    };
  } finally {
    await stack.stop();
  }
  const written = path.join(profileDir, `${CONSUMER}.cpuprofile`);
  if (ctx.profile && window && fs.existsSync(written)) {
    const kept = path.join(ctx.workDir, "writes-consumer-gateway.cpuprofile");
    fs.copyFileSync(written, kept);
    result.profile = { file: kept, ...summariseProfile(written, 20, window) };
  }
  return result;
}

/** The sum, or null when any is unknown (a process gone, not Linux). */
function sumOrNull(values: readonly (number | null)[]): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((sum, v) => sum + (v as number), 0);
}
