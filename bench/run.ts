/**
 * `npm run bench [-- --quick] [-- --profile] [-- --fetch-seconds N] [-- --only fetch,writes,anchoring,audit,growth,revocation,scale,scale-replay,audit-scale,receipts-scale,console]`: Kuajie measured against its
 * baselines in the same run on the same machine. Writes bench/results/<part>.json and the summary sections of
 * docs/BENCHMARKS.md (after the Gas section, which `npm run bench:gas` owns). A part whose dependency has not
 * landed prints `skipped: <reason>` and writes no file. Every process started is stopped at the end.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Skipped, writeResult, type BenchContext } from "./lib/context";
import { ROOT, stopAll } from "./lib/procs";
import { writeSummary } from "./lib/summary";
import { auditPart } from "./parts/audit";
import { auditScalePart } from "./parts/audit-scale";
import { consolePart, consoleSkipReason } from "./parts/console";
import { fetchAndAnchoringPart } from "./parts/fetch";
import { growthPart } from "./parts/growth";
import { receiptsScalePart } from "./parts/receipts-scale";
import { revocationPart } from "./parts/revocation";
import { scalePart } from "./parts/scale";
import { scaleReplayPart } from "./parts/scale-replay";
import { writesPart } from "./parts/writes";

const PARTS = [
  "fetch",
  "writes",
  "anchoring",
  "audit",
  "growth",
  "revocation",
  "scale",
  "scale-replay",
  "audit-scale",
  "receipts-scale",
  "console",
] as const;
type Part = (typeof PARTS)[number];

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "fetch-seconds": { type: "string" },
      only: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "usage: npm run bench [-- --quick] [-- --profile] [-- --fetch-seconds N] [-- --only fetch,writes,anchoring,audit,growth,revocation,scale,scale-replay,audit-scale,receipts-scale,console]\n",
    );
    return 0;
  }
  // scale records 10^4–10^5 consents on the chain, scale-replay indexes 10^6, audit-scale and receipts-scale handle
  // 10^6–10^7 receipts (minutes each): run only when asked for.
  const LONG: readonly Part[] = ["scale", "scale-replay", "audit-scale", "receipts-scale"];
  // console drives headless Chromium: by default only where the browser is installed (asked for, it says why not).
  const byDefault = (p: Part) => !LONG.includes(p) && (p !== "console" || consoleSkipReason() === null);
  const only = values.only ? values.only.split(",").map((s) => s.trim()) : PARTS.filter(byDefault);
  const unknown = only.filter((p) => !PARTS.includes(p as Part));
  if (unknown.length) {
    process.stderr.write(`unknown part(s): ${unknown.join(", ")}; parts: ${PARTS.join(", ")}\n`);
    return 2;
  }
  const fetchSeconds = values["fetch-seconds"];
  if (fetchSeconds !== undefined && !/^[1-9][0-9]{0,4}$/.test(fetchSeconds)) {
    process.stderr.write(`--fetch-seconds takes a whole number of seconds, not ${JSON.stringify(fetchSeconds)}\n`);
    return 2;
  }
  const selected = new Set(only as Part[]);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-bench-"));
  const started = Date.now();
  const ctx: BenchContext = {
    quick: values.quick ?? false,
    fetchSeconds: fetchSeconds === undefined ? undefined : Number(fetchSeconds),
    profile: values.profile ?? false,
    workDir,
    logDir: path.join(workDir, "logs"),
    log: (message) =>
      process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`),
  };
  ctx.log(`mode ${ctx.quick ? "quick" : "full"}; parts ${[...selected].join(", ")}; scratch ${workDir}`);

  const outcomes: Record<string, string> = {};
  const record = (name: string, data: Record<string, unknown>) => {
    const file = writeResult(name, {
      ...data,
      run: {
        mode: ctx.fetchSeconds
          ? `${ctx.quick ? "quick" : "full"}, fetch load ${ctx.fetchSeconds} s`
          : ctx.quick
            ? "quick"
            : "full",
        at: new Date().toISOString(),
        node: process.version,
      },
    });
    outcomes[name] = `written ${path.relative(ROOT, file)}`;
    ctx.log(`${name}: ${JSON.stringify(data)}`);
  };
  const attempt = async (names: string[], body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      const reason =
        error instanceof Skipped
          ? `skipped: ${error.message}`
          : `FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
      for (const name of names) if (!outcomes[name]) outcomes[name] = reason;
      ctx.log(`${names.join(" + ")} ${reason}`);
    } finally {
      await stopAll();
    }
  };

  if (selected.has("fetch") || selected.has("anchoring")) {
    await attempt(
      ["fetch", "anchoring"].filter((n) => selected.has(n as Part)),
      async () => {
        const result = await fetchAndAnchoringPart(ctx, {
          fetch: selected.has("fetch"),
          anchoring: selected.has("anchoring"),
        });
        if (result.fetch) record("fetch", result.fetch);
        if (result.anchoring) record("anchoring", result.anchoring);
        if (selected.has("anchoring") && result.anchoringSkipped) {
          outcomes.anchoring = `skipped: ${result.anchoringSkipped}`;
          ctx.log(`anchoring skipped: ${result.anchoringSkipped}`);
        }
      },
    );
  }
  if (selected.has("writes")) await attempt(["writes"], async () => record("writes", await writesPart(ctx)));
  if (selected.has("audit")) await attempt(["audit"], async () => record("audit", await auditPart(ctx)));
  if (selected.has("growth")) await attempt(["growth"], async () => record("growth", await growthPart(ctx)));
  if (selected.has("revocation"))
    await attempt(["revocation"], async () => record("revocation", await revocationPart(ctx)));

  if (selected.has("console")) await attempt(["console"], async () => record("console", await consolePart(ctx)));

  if (selected.has("scale")) await attempt(["scale"], async () => record("scale", await scalePart(ctx)));
  if (selected.has("scale-replay"))
    await attempt(["scale-replay"], async () => record("scale-replay", await scaleReplayPart(ctx)));
  if (selected.has("receipts-scale"))
    await attempt(["receipts-scale"], async () => record("receipts-scale", await receiptsScalePart(ctx)));
  if (selected.has("audit-scale"))
    await attempt(["audit-scale"], async () => record("audit-scale", await auditScalePart(ctx)));

  const docs = writeSummary();
  ctx.log(`summary written to ${path.relative(ROOT, docs)}`);
  for (const part of selected) process.stdout.write(`  ${part.padEnd(10)} ${outcomes[part] ?? "not run"}\n`);
  ctx.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return Object.values(outcomes).some((o) => o.startsWith("FAILED")) ? 1 : 0;
}

const shutdown = () => {
  void stopAll().finally(() => process.exit(130));
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);

main()
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
    await stopAll();
    process.exit(1);
  });
