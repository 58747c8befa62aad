/**
 * Part audit-scale (issue 17, "the auditor over 10^6 receipts"): `node scripts/audit/launch.cjs receipts` (what
 * `npm run audit -- receipts` runs) over a file of 10^5 and of 10^6 anchored receipts of one department, each on a
 * fresh chain: receipts verified per second (process start included) and the process's peak resident memory, which
 * must not grow with the file (the auditor streams it). Quick mode: 10^4 and 10^5.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { useFastKeccak } from "../../core/crypto/keccak";
import { round, type BenchContext } from "../lib/context";
import { ROOT, start } from "../lib/procs";
import { writeAnchoredReceipts } from "../lib/receipt-files";
import { consentedSubjects, deliveries, onFreshChain } from "./audit";

const LAUNCHER = path.join(ROOT, "scripts/audit/launch.cjs");
const MiB = 1024 * 1024;

export async function auditScalePart(ctx: BenchContext): Promise<Record<string, unknown>> {
  await useFastKeccak(); // the bench's own leaves and trees: a million receipts to build
  const sizes = ctx.quick ? [10_000, 100_000] : [100_000, 1_000_000];
  await buildAuditor(ctx, "audit-scale-build");
  const runs = [];
  for (const count of sizes) {
    runs.push(
      await onFreshChain(ctx, `audit-scale-${count}`, async (chain) => {
        const { provider, system, s, rpc, deploymentFile } = chain;
        const consentIds = await consentedSubjects(provider, system, s);
        const time = (await provider.getBlock("latest"))!.timestamp;
        const file = path.join(ctx.workDir, `audit-scale-${count}.jsonl`);
        const started = performance.now();
        const batches = await writeAnchoredReceipts(system, s.consumer, count, deliveries(s, consentIds, time), file);
        ctx.log(
          `audit-scale: ${count} receipts anchored in ${batches} batches in ${round((performance.now() - started) / 1000)} s; verifying`,
        );
        // The anchoring delay allowed covers the time the bench took to anchor them all (minutes at 10^6), on the
        // chain's clock (which runs ahead of the wall clock when blocks come faster than one a second).
        const delay = String((await provider.getBlock("latest"))!.timestamp - time + 60);
        const measured = await timed(ctx, `audit-scale-${count}`, [
          "receipts",
          file,
          "--rpc",
          rpc,
          "--deployment",
          deploymentFile,
          "--max-anchor-delay",
          delay,
          "--json",
        ]);
        const fileBytes = fs.statSync(file).size;
        fs.rmSync(file, { force: true });
        return {
          count,
          batches,
          file_mib: round(fileBytes / MiB, 0),
          ...measured,
          per_s: round(count / measured.seconds, 0),
          // What the auditor does with a core of its own: the machine is shared, its wall time is not all its own.
          per_cpu_s: round(count / measured.cpu_seconds, 0),
        };
      }),
    );
    ctx.log(`audit-scale: ${JSON.stringify(runs.at(-1))}`);
  }
  const [small, large] = runs;
  return {
    runs,
    rss_ratio: round(large.peak_rss_mib / small.peak_rss_mib, 2),
    per_s_at_largest: large.per_s,
    per_cpu_s_at_largest: large.per_cpu_s,
  };
}

/** Bundles the auditor if its sources changed (a `help` run), so that no timed run includes the build. */
export async function buildAuditor(ctx: BenchContext, name: string): Promise<void> {
  await start(name, process.execPath, [LAUNCHER, "help"], { logDir: ctx.logDir }).exited;
}

/** Runs the auditor under /usr/bin/time: wall seconds, peak resident memory, exit status and violations found. */
export async function timed(ctx: BenchContext, name: string, args: readonly string[]) {
  const timeFile = path.join(ctx.workDir, `${name}.time`);
  const started = performance.now();
  const proc = start(name, "/usr/bin/time", ["-f", "%M %U %S", "-o", timeFile, process.execPath, LAUNCHER, ...args], {
    logDir: ctx.logDir,
  });
  const code = await proc.exited;
  const seconds = (performance.now() - started) / 1000;
  const [peakKiB, user, system] = fs.readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
  const output = fs.readFileSync(proc.log, "utf8");
  const json = output.slice(output.indexOf("{"));
  let violations: number | null = null;
  try {
    violations = (JSON.parse(json) as { violations: unknown[] }).violations.length;
  } catch {
    ctx.log(`audit-scale: ${name} printed no report: ${output.slice(0, 300)}`);
  }
  return {
    seconds: round(seconds, 1),
    peak_rss_mib: round(peakKiB / 1024, 1),
    cpu_seconds: round(user + system, 1),
    exit_code: code,
    violations,
    load_average: os.loadavg().map((l) => round(l, 2)),
  };
}
