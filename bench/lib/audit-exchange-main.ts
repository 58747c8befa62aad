/**
 * `audit exchange` timed on the audit bench's files without rebuilding them each time (the full part spends about two
 * minutes on consents before it gets there):
 *
 * - `npx ts-node --transpile-only bench/lib/audit-exchange-main.ts serve <dir>`: a hardhat node, the system, and the
 *   exchange part's two files (5,000 exchanges, 10,000 receipts) in `<dir>`, their auditor arguments in
 *   `<dir>/state.json`; then it waits, the node running, until it is stopped (Ctrl-C or SIGTERM).
 * - `... time <dir> [--runs N] [--launcher A.cjs --launcher B.cjs ...]`: runs each launcher (by default this tree's
 *   scripts/audit/launch.cjs) on those files in turns, N rounds, as the bench's `node` figure does (process start
 *   included), and prints wall seconds, CPU seconds of the process and its children (/usr/bin/time), receipts a
 *   second, the load average, and the md5 of each output: two launchers whose outputs differ are reported.
 *
 * A launcher of another commit: `git archive <commit> | tar -x -C dist/base` and `node dist/base/scripts/audit/launch.cjs`
 * (it builds its own bundle in dist/base/dist/audit/, resolving packages from this tree's node_modules).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { onFreshChain, writeExchangeFiles } from "../parts/audit";
import { round, type BenchContext } from "./context";
import { ROOT, stopAll } from "./procs";

const RECEIPTS = 10_000;

interface State {
  args: string[];
}

async function serve(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const ctx: BenchContext = {
    quick: false,
    profile: false,
    workDir: dir,
    logDir: path.join(dir, "logs"),
    log: (m) => process.stderr.write(`${m}\n`),
  };
  await onFreshChain(ctx, "audit-exchange-node", async (chain) => {
    const { args } = await writeExchangeFiles(ctx, chain);
    fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify({ args } satisfies State));
    process.stderr.write(`ready: ${args.join(" ")}\n`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
  });
}

interface Run {
  seconds: number;
  cpuSeconds: number;
  code: number | null;
  md5: string;
}

function timeOnce(launcher: string, args: readonly string[], dir: string): Run {
  const cpuFile = path.join(dir, "run.time");
  const started = performance.now();
  const child = spawnSync("/usr/bin/time", ["-f", "%U %S", "-o", cpuFile, process.execPath, launcher, ...args], {
    cwd: ROOT,
    maxBuffer: 1 << 30,
  });
  const seconds = (performance.now() - started) / 1000;
  const [user, system] = fs.readFileSync(cpuFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
  const md5 = createHash("md5").update(child.stdout).update(child.stderr).digest("hex");
  return { seconds, cpuSeconds: user + system, code: child.status, md5 };
}

function time(dir: string, runs: number, launchers: string[]): void {
  const { args } = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")) as State;
  // Each launcher once untimed: a launcher builds its bundle when its sources changed.
  for (const launcher of launchers) spawnSync(process.execPath, [launcher, "help"], { cwd: ROOT });
  const all = new Map<string, Run[]>(launchers.map((l) => [l, []]));
  for (let i = 0; i < runs; i++)
    for (const launcher of launchers) {
      const run = timeOnce(launcher, args, dir);
      all.get(launcher)!.push(run);
      process.stdout.write(
        `${path.relative(ROOT, launcher)}: ${round(run.seconds, 2)} s, ${round(run.cpuSeconds, 2)} CPU-s, ` +
          `${round(RECEIPTS / run.seconds, 0)} receipts/s, exit ${run.code}, load ${os.loadavg()[0].toFixed(2)}, ${run.md5}\n`,
      );
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [launcher, rs] of all) {
    const wall = rs.map((r) => r.seconds);
    const cpu = rs.map((r) => r.cpuSeconds);
    process.stdout.write(
      `${path.relative(ROOT, launcher)}: wall ${round(Math.min(...wall), 2)}–${round(Math.max(...wall), 2)} s ` +
        `(median ${round(median(wall), 2)}, ${round(RECEIPTS / median(wall), 0)} receipts/s), ` +
        `CPU ${round(Math.min(...cpu), 2)}–${round(Math.max(...cpu), 2)} s (median ${round(median(cpu), 2)})\n`,
    );
  }
  const outputs = new Set([...all.values()].flat().map((r) => r.md5));
  process.stdout.write(outputs.size === 1 ? "outputs identical\n" : `OUTPUTS DIFFER: ${[...outputs].join(" ")}\n`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { runs: { type: "string", default: "5" }, launcher: { type: "string", multiple: true } },
  });
  const [command, dir] = positionals;
  if (command === "serve" && dir) await serve(path.resolve(dir));
  else if (command === "time" && dir) {
    const launchers = (values.launcher ?? [path.join(ROOT, "scripts/audit/launch.cjs")]).map((l) => path.resolve(l));
    time(path.resolve(dir), Number(values.runs), launchers);
  } else {
    process.stderr.write("usage: audit-exchange-main.ts serve <dir> | time <dir> [--runs N] [--launcher file ...]\n");
    return 2;
  }
  return 0;
}

main()
  .then((code) => (process.exitCode = code))
  .catch((error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
