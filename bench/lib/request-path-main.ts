/**
 * `npx ts-node --transpile-only bench/lib/request-path-main.ts [--seconds 8] [--rounds 3] [--profile]`: the gateway's
 * CPU per request on the request path alone (issue 14). One stack started as the benchmarks start it (stack.ts), then
 * two cheap authenticated routes of the consumer's gateway loaded in turn with autocannon: `GET /v1/me` (the token
 * check, helmet, routing, a department read, the answer's write) and `POST /v1/consents` with a body its schema refuses
 * (the same plus express.json, zod and a problem+json 400). What it prints is the gateway process's CPU ms per answered request (/proc), gross and net of the CPU it
 * spends per second with nothing to answer (the indexer's polls, the anchorer's passes), so that a change of a few
 * microseconds a request shows against the branch point run alternately on the same machine.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { cpuSeconds } from "./cpu-time";
import { round, type BenchContext } from "./context";
import { sleep, stopAll } from "./procs";
import { selfTime } from "./profile";
import { CONSUMER, startStack } from "./stack";

const CONNECTIONS = 32;
const IDLE_SECONDS = 3;
const WARM_UP_SECONDS = 3;

interface Target {
  name: string;
  /** The status every answer must have. */
  status: number;
  request: { method: string; path: string; headers: Record<string, string>; body?: string };
}

async function loadFor(url: string, target: Target, seconds: number): Promise<{ answered: number; other: number }> {
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: seconds, requests: [target.request] }, (error, done) =>
      error ? reject(error) : resolve(done),
    );
  });
  const answered = result["2xx"] + result.non2xx;
  const expected = result.statusCodeStats?.[String(target.status)]?.count ?? 0;
  return { answered, other: answered - expected + result.errors + result.timeouts };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "8" },
      rounds: { type: "string", default: "3" },
      profile: { type: "boolean", default: false },
    },
  });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-request-path-"));
  const profileDir = path.join(workDir, "profile");
  const started = performance.now();
  const elapsedSeconds = () => ((performance.now() - started) / 1000).toFixed(1);
  const ctx: BenchContext = {
    logDir: path.join(workDir, "logs"),
    workDir,
    profile: values.profile,
    quick: true,
    log: (message) => process.stdout.write(`${elapsedSeconds().padStart(6)} s  ${message}\n`),
  };
  const stack = await startStack(ctx, {
    name: "request-path",
    gatewayNodeArgs: (key) =>
      values.profile && key === CONSUMER ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  });
  try {
    const pid = stack.gatewayProc.child.pid;
    const headers = { authorization: `Bearer ${stack.tokens[CONSUMER]}` };
    const targets: Target[] = [
      { name: "GET /v1/me", status: 200, request: { method: "GET", path: "/v1/me", headers } },
      {
        // Refused by the body's schema (a 400 naming the fields) before anything is recorded: body parsing, the
        // idempotency check's pass, zod and problem+json, with no chain work after them.
        name: "POST /v1/consents (bad body)",
        status: 400,
        request: {
          method: "POST",
          path: "/v1/consents",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ purpose: 5 }),
        },
      },
    ];
    const idleFrom = cpuSeconds(pid)!;
    await sleep(IDLE_SECONDS * 1000);
    const idleMsPerSecond = ((cpuSeconds(pid)! - idleFrom) * 1000) / IDLE_SECONDS;
    ctx.log(`idle: ${round(idleMsPerSecond)} ms of CPU a second; load average ${os.loadavg().map((l) => round(l, 2))}`);
    for (const target of targets) await loadFor(stack.gateway, target, WARM_UP_SECONDS);
    const figures: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let r = 0; r < rounds; r += 1) {
      for (const target of targets) {
        const from = cpuSeconds(pid)!;
        const t0 = process.hrtime.bigint();
        const { answered, other } = await loadFor(stack.gateway, target, seconds);
        const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const cpuMs = (cpuSeconds(pid)! - from) * 1000;
        const gross = cpuMs / answered;
        const net = (cpuMs - idleMsPerSecond * wallSeconds) / answered;
        figures[target.name].push(net);
        ctx.log(
          `${target.name}: ${answered} answered (${other} with another status or failed), ${round(answered / wallSeconds, 0)}/s, ` +
            `CPU ${round(gross * 1000, 0)} µs a request, ${round(net * 1000, 0)} net of idle; ` +
            `load ${round(os.loadavg()[0], 2)}`,
        );
      }
    }
    for (const [name, nets] of Object.entries(figures)) {
      const sorted = [...nets].sort((a, b) => a - b);
      ctx.log(`${name}: median ${round(sorted[Math.floor(sorted.length / 2)] * 1000, 0)} µs of CPU a request (net)`);
    }
  } finally {
    await stack.stop();
    await stopAll();
  }
  if (values.profile) {
    const file = fs.readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
    if (file === undefined) throw new Error(`no CPU profile in ${profileDir}`);
    const self = selfTime(path.join(profileDir, file));
    const top = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 25)
        .map(([k, v]) => `  ${round(v, 0).toString().padStart(7)} ms  ${k}`)
        .join("\n");
    process.stdout.write(`profile ${path.join(profileDir, file)}\nby function:\n${top(self.byFunction)}\n`);
    process.stdout.write(`by place:\n${top(self.byPlace)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
