/**
 * The readable summary in docs/BENCHMARKS.md: the sections between the `bench:run` markers, placed after the Gas
 * section (which `npm run bench:gas` owns and this never rewrites). Built from whatever bench/results/*.json hold,
 * so that running one part keeps the others' last figures.
 */
import { execSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chartsOf, type Chart } from "./charts";
import { readResult } from "./context";
import { ROOT } from "./procs";
import { memorySection } from "./summary-memory";

const BEGIN = "<!-- bench:run begin (written by `npm run bench`; edit bench/lib/summary.ts instead) -->";
const END = "<!-- bench:run end -->";
const FILE = path.join(ROOT, "docs", "BENCHMARKS.md");
const CHART_DIR = path.join(ROOT, "docs", "bench");

// The result files are free-form JSON read back for display; every access is guarded by fmt().
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = Record<string, any>;

const fmt = (n: unknown, digits = 0) =>
  typeof n === "number" && Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";
/** Every timed run of an audit command, in seconds, or "n/a" for a result file written before there were several. */
const runsOf = (result: J | undefined, key: "npm_seconds" | "node_seconds") =>
  Array.isArray(result?.runs?.[key]) ? (result.runs[key] as unknown[]).map((n) => fmt(n, 2)).join(" / ") : "n/a";
const yes = (ok: boolean | undefined) => (ok === undefined ? "n/a" : ok ? "yes" : "**no**");

function machine(): string[] {
  const cpu = fs.readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
  const run = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: "utf8" }).trim();
    } catch {
      return "?";
    }
  };
  const mem = run("free -h").split("\n")[1]?.split(/\s+/)[1] ?? "?";
  return [
    `| Date | ${run("date -u")} (\`date -u\`) |`,
    `| Machine | ${run("nproc")} CPUs (\`nproc\`), ${cpu} (\`/proc/cpuinfo\`), ${mem} RAM (\`free -h\`), ${os.type()} ${os.release()} |`,
    `| Node | ${process.version} |`,
    `| Load average at the end | ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" / ")} (1 / 5 / 15 min; other work shared the machine) |`,
  ];
}

function runs(results: Record<string, Record<string, unknown> | undefined>): string {
  return (
    Object.entries(results)
      .filter(([, r]) => r)
      .map(([name, r]) => {
        const run = r!.run as { mode?: string; at?: string } | undefined;
        return `${name}: ${run?.mode ?? "?"} mode, ${run?.at ?? "?"}`;
      })
      .join("; ") || "none yet"
  );
}

/** Draws every chart the result files can feed into docs/bench/*.svg (replacing the last ones). */
export function writeCharts(
  results: { fetch?: J; growth?: J; anchoring?: J } = {
    fetch: readResult("fetch"),
    growth: readResult("growth"),
    anchoring: readResult("anchoring"),
  },
): Chart[] {
  const charts = chartsOf(results);
  fs.mkdirSync(CHART_DIR, { recursive: true });
  for (const chart of charts) fs.writeFileSync(path.join(CHART_DIR, `${chart.name}.svg`), chart.svg);
  return charts;
}

function renderSummary(): string {
  const fetch = readResult("fetch") as J | undefined;
  const writes = readResult("writes") as J | undefined;
  const anchoring = readResult("anchoring") as J | undefined;
  const audit = readResult("audit") as J | undefined;
  const growth = readResult("growth") as J | undefined;
  const gas = readResult("gas") as J | undefined;
  const revocation = readResult("revocation") as J | undefined;
  const consolePages = readResult("console") as J | undefined;
  const L: string[] = [BEGIN, "", "## Kuajie against its baselines (`npm run bench`)", ""];
  L.push(
    "`npm run bench` (`bench/run.ts`; `-- --quick` for the short mode, `-- --only <part>` for one part) starts the stack as",
    "`npm start` does — a Hardhat node, the contracts, the demo backends and the gateway, each its own process on a free",
    "127.0.0.1 port — arranges the state through the API, measures, stops every process, and writes `bench/results/*.json`.",
    "Baselines run in the same run on the same machine, so the ratios hold on a noisy machine. Never part of `npm test`.",
    "",
    "|  |  |",
    "| --- | --- |",
    ...machine(),
    `| Runs the figures come from | ${runs({ fetch: readResult("fetch"), writes: readResult("writes"), anchoring: readResult("anchoring"), audit: readResult("audit"), growth: readResult("growth"), revocation, console: consolePages })} |`,
    "",
    "### Summary",
    "",
    "| Figure | Kuajie | Baseline | Ratio | Goal | Met |",
    "| --- | ---: | ---: | ---: | --- | :---: |",
  );
  if (fetch) {
    L.push(
      `| Mediated fetch, req/s (32 connections) | ${fmt(fetch.kuajie?.rps)} | ${fmt(fetch.bare?.rps)} (two chained bare proxies) | ${fmt(fetch.ratio?.rps, 2)} | ratio ≥ 0.6 | ${yes(fetch.ratio?.rps >= 0.6)} |`,
      `| Mediated fetch, p99 ms | ${fmt(fetch.kuajie?.p99_ms)} | ${fmt(fetch.bare?.p99_ms)} | ${fmt(fetch.kuajie?.p99_ms / fetch.bare?.p99_ms, 2)} | ≤ 3× bare | ${yes(fetch.kuajie?.p99_ms <= 3 * fetch.bare?.p99_ms)} |`,
      `| Mediated fetch, p50 ms | ${fmt(fetch.kuajie?.p50_ms)} | ${fmt(fetch.bare?.p50_ms)} | ${fmt(fetch.kuajie?.p50_ms / fetch.bare?.p50_ms, 2)} | | |`,
    );
    if (fetch.interleaved)
      L.push(
        `| Mediated fetch, req/s, the two chains in ${fmt(fetch.interleaved.rounds)} interleaved turns of ${fmt(fetch.interleaved.turn_seconds)} s | ${fmt(fetch.interleaved.kuajie_rps)} | ${fmt(fetch.interleaved.bare_rps)} | ${fmt(fetch.interleaved.ratio, 2)} (by round: ${(fetch.interleaved.ratio_by_round as number[]).map((r) => fmt(r, 2)).join(", ")}) | ratio ≥ 0.6 | ${yes(fetch.interleaved.ratio >= 0.6)} |`,
      );
    if (fetch.cpu_ms_per_request)
      L.push(
        `| Mediated fetch, CPU ms per request (both hops' processes) | ${fmt(fetch.cpu_ms_per_request.kuajie?.total, 2)} | ${fmt(fetch.cpu_ms_per_request.bare?.total, 2)} | ${fmt(fetch.ratio?.cpu_per_request, 2)} (bare ÷ Kuajie) | | |`,
      );
    if (fetch.memory_mb)
      L.push(
        `| Gateway resident memory under the fetch load, MB (consumer / provider, max) | ${fmt(fetch.memory_mb.consumer?.max)} / ${fmt(fetch.memory_mb.provider?.max)} | | | ≤ 250, flat | ${yes(fetch.memory_mb.consumer?.max <= 250 && fetch.memory_mb.provider?.max <= 250)} (flat: see below) |`,
      );
  } else L.push("| Mediated fetch | not measured yet | | | ratio ≥ 0.6, p99 ≤ 3× | n/a |");
  if (writes) {
    L.push(
      `| Consents recorded per second | ${fmt(writes.batched?.consents_per_s)} (coalesced batches) | ${fmt(writes.single?.consents_per_s)} (one at a time) | ${fmt(writes.ratio, 1)} | ≥ 1,000/s, ratio ≥ 15 | ${yes(writes.batched?.consents_per_s >= 1000 && writes.ratio >= 15)} |`,
    );
  } else L.push("| Consents per second | not measured yet | | | ≥ 1,000/s, ratio ≥ 15 | n/a |");
  if (revocation) {
    L.push(
      `| Revocation latency (revoking block → first refused fetch), p50 / p99 ms | ${fmt(revocation.p50Ms)} / ${fmt(revocation.p99Ms)} (${fmt(revocation.trials)} trials) | | | p99 ≤ 1,000 ms | ${yes(revocation.p99Ms <= 1000)} |`,
    );
  } else L.push("| Revocation latency | not measured yet | | | p99 ≤ 1,000 ms | n/a |");
  if (anchoring) {
    L.push(
      `| Receipts anchored per second (under the fetch load) | ${fmt(anchoring.receipts_per_s)} | | | | |`,
      `| Receipt → anchor lag p50 / p99 ms | ${fmt(anchoring.lag_p50_ms)} / ${fmt(anchoring.lag_p99_ms)} | | | no receipt older than 5 s unanchored at the end | ${yes(anchoring.unanchored_older_than_5s === false)} |`,
    );
  } else L.push("| Anchoring | not measured yet | | | nothing older than 5 s unanchored | n/a |");
  if (audit) {
    L.push(
      `| Receipts verified per second (\`npm run audit -- receipts\`, ${fmt(audit.receipts?.count)} receipts) | ${fmt(audit.receipts?.per_s)} (CLI, process start included); ${fmt(audit.receipts?.library_per_s)} (its \`run\` in-process) | | | ≥ 5,000/s | ${yes(audit.receipts?.per_s >= 5000)} |`,
      `| Receipts verified per second (\`npm run audit -- exchange\`, ${fmt(audit.exchange?.count)} signed exchange receipts) | ${fmt(audit.exchange?.per_s)} (CLI, process start included) | | | ≥ 5,000/s | ${yes(audit.exchange?.per_s >= 5000)} |`,
      `| Subject trail rebuilt (\`npm run audit -- subject\`), ${fmt(audit.trail?.subject_events)} own among ${fmt(audit.trail?.other_events)} other consent events | ${fmt(audit.trail?.seconds, 2)} s | | | < 2 s | ${yes(audit.trail?.seconds < 2)} |`,
    );
  } else L.push("| Audit | not measured yet | | | ≥ 5,000 receipts/s; trail < 2 s | n/a |");
  if (consolePages) {
    L.push(
      `| Console pages, slowest p50 / max ms (${fmt((consolePages.pages as J[] | undefined)?.length)} page and role pairs, ${fmt(consolePages.rounds)} loads each after a warm-up) | ${fmt(consolePages.slowest?.p50_ms)} / ${fmt(consolePages.slowest?.max_ms)} | | | < 1,000 ms | ${yes(consolePages.slowest?.max_ms < 1000)} |`,
    );
  } else L.push("| Console pages | not measured yet | | | < 1,000 ms | n/a |");
  if (gas) {
    const g = (k: string, target: number) =>
      `| Gas \`${k}\` | ${fmt(gas[k])} | | | ≤ ${fmt(target)} | ${yes(gas[k] <= target)} |`;
    L.push(
      g("consent.record", 60_000),
      g("consent.recordBatch.per100", 35_000),
      g("consent.withdraw", 35_000),
      g("ledger.anchor.perReceipt.1024", 100),
    );
  }
  L.push("");

  L.push("### Mediated fetch", "");
  if (fetch) {
    L.push(
      `autocannon, ${fetch.connections} connections, ${fetch.seconds} s each, after a 2 s warm-up of each side. Kuajie: authorized`,
      "`POST /v1/data/fetch` of the public-security department's household-registration resource (conditional, personal,",
      `agreement on the basis of consent) by the city civil-affairs bureau, cycling through ${fetch.subjects} synthetic people who consented —`,
      "across two gateways: the consumer's checks it, signs an EIP-712 request and records an intent; the provider's",
      "verifies the signature, decides again on its own view (grant, agreement, purpose, consent, the authoritative",
      "quota), asks its backend, strips to the granted fields, signs its answer and receipts it; the consumer verifies",
      "the answer and receipts it too. Baseline: two chained `bench/lib/bare-proxy.ts` processes (the same two hops,",
      "forwarding the same query to the same backend with no checks, no signatures and no evidence).",
      "",
      "| | req/s | p50 ms | p99 ms | non-2xx |",
      "| --- | ---: | ---: | ---: | ---: |",
      `| Kuajie | ${fmt(fetch.kuajie?.rps)} | ${fmt(fetch.kuajie?.p50_ms)} | ${fmt(fetch.kuajie?.p99_ms)} | ${fmt(fetch.kuajie_non2xx)} |`,
      `| two bare proxies | ${fmt(fetch.bare?.rps)} | ${fmt(fetch.bare?.p50_ms)} | ${fmt(fetch.bare?.p99_ms)} | ${fmt(fetch.bare_non2xx)} |`,
      "",
      ...(fetch.cpu_ms_per_request
        ? [
            "CPU time (user + system, from /proc) each hop's process used per request during the measured load: what a " +
              "request costs, which the machine's load changes far less than the requests per second (the backend, the " +
              "same for both chains, is not counted).",
            "",
            "| CPU ms per request | consumer side | provider side | both |",
            "| --- | ---: | ---: | ---: |",
            `| Kuajie (the two gateways) | ${fmt(fetch.cpu_ms_per_request.kuajie?.consumer, 2)} | ${fmt(fetch.cpu_ms_per_request.kuajie?.provider, 2)} | ${fmt(fetch.cpu_ms_per_request.kuajie?.total, 2)} |`,
            `| two bare proxies | ${fmt(fetch.cpu_ms_per_request.bare?.consumer, 2)} | ${fmt(fetch.cpu_ms_per_request.bare?.provider, 2)} | ${fmt(fetch.cpu_ms_per_request.bare?.total, 2)} |`,
            "",
          ]
        : []),
      ...(fetch.memory_mb
        ? [
            `The gateways' resident memory, sampled once a second over the ${fmt(fetch.seconds)} s load (MB): consumer ` +
              `${(fetch.memory_mb.consumer?.samples as number[]).join(", ")}; provider ` +
              `${(fetch.memory_mb.provider?.samples as number[]).join(", ")}.`,
            "",
          ]
        : []),
      ...(fetch.load_average
        ? [
            `Load average (1 / 5 / 15 min) before the measurement ${(fetch.load_average.before as number[]).join(" / ")}, ` +
              `after it ${(fetch.load_average.after as number[]).join(" / ")}, on ${fmt(fetch.machine?.cpus)} CPUs.`,
            "",
          ]
        : []),
    );
    const profiles = fetchProfiles(fetch);
    if (profiles.length)
      L.push(
        "Both gateways were run again under `node --cpu-prof` with the same load (because the goal was missed, or with " +
          "`--profile`); only the samples taken during the load are counted, not the boot or the warm-up.",
        "",
      );
    for (const [role, profile] of profiles) {
      L.push(
        `The ${role}'s gateway (${fmt(profile.seconds, 1)} s profiled). Self time by where the code lives:`,
        "",
        ...profileTable("| Where | % of samples |", profile.by_place, 10),
        "",
        "Top functions by self time:",
        "",
        ...profileTable("| Function | % |", profile.by_function, 12),
        "",
      );
    }
    const overlap = (fetch.profile as J | undefined)?.overlap as J | undefined;
    if (overlap)
      L.push(
        `How the two gateways' busy time lines up (${fmt(overlap.buckets)} buckets of ${fmt(overlap.bucket_ms)} ms): ` +
          `busy ${fmt(overlap.busy?.consumer, 2)} (consumer) and ${fmt(overlap.busy?.provider, 2)} (provider) of the ` +
          `time; both busy in ${fmt(overlap.both_busy, 2)} of the buckets, one of them in ${fmt(overlap.one_busy, 2)}, ` +
          `neither in ${fmt(overlap.neither_busy, 2)}; correlation ${fmt(overlap.correlation, 2)} (negative: they ` +
          "take the load in turns, each idle while the other works).",
        "",
      );
  } else
    L.push(
      "Not measured yet: the fetch route (`POST /v1/data/fetch`) or the routes that arrange it have not landed.",
      "",
    );

  L.push("### Gateway memory under the fetch load", "", ...memorySection(fetch));

  L.push("### On-chain writes: consents per second", "");
  if (writes) {
    L.push(
      `Through the gateway (\`POST /v1/consents\`, evidence by record hash) against the Hardhat node (automine). One at a time:`,
      `each request waits for its transaction to be mined and indexed, ${fmt(writes.single?.seconds, 1)} s. Batched: ${fmt(writes.batched?.consents)} requests with ${fmt(writes.batched?.concurrency)} in flight, which the gateway`,
      "coalesces into `ConsentRegistry.recordBatch` transactions.",
      "",
      `| | consents/s | consents | seconds |`,
      "| --- | ---: | ---: | ---: |",
      `| one at a time | ${fmt(writes.single?.consents_per_s, 1)} | ${fmt(writes.single?.consents)} | ${fmt(writes.single?.seconds, 1)} |`,
      `| concurrent, coalesced | ${fmt(writes.batched?.consents_per_s, 1)} | ${fmt(writes.batched?.consents)} | ${fmt(writes.batched?.seconds, 1)} |`,
      "",
    );
    if (writes.batched?.transactions !== undefined) {
      const cpu = writes.batched.cpu_ms_per_consent ?? {};
      const latency = writes.batched.latency_ms ?? {};
      L.push(
        `Batched: ${fmt(writes.batched.transactions)} \`recordBatch\` transactions, ${fmt(writes.batched.consents_per_transaction, 1)} consents each on average;`,
        `answer latency p50 ${fmt(latency.p50)} ms, p99 ${fmt(latency.p99)} ms; ${fmt(writes.batched.failed)} requests failed.`,
        `CPU spent per recorded consent (user + system, from \`/proc\`, which the load barely moves): the loaded gateway ${fmt(cpu.gateway, 2)} ms,`,
        `the Hardhat node ${fmt(cpu.chain_node, 2)} ms` +
          (cpu.other_gateways !== undefined
            ? `, the four other gateways (indexing the same events) ${fmt(cpu.other_gateways, 2)} ms together, the benchmark's own client ${fmt(cpu.client, 2)} ms.`
            : ".") +
          ` Load average before / after the batched run: ${(writes.batched.load_average_before ?? []).join(" / ")} → ${(writes.batched.load_average_after ?? []).join(" / ")}.`,
        "",
      );
    }
  } else L.push("Not measured yet: the consents route (`POST /v1/consents`) has not landed.", "");

  L.push("### Anchoring", "");
  if (anchoring) {
    L.push(
      "Under the fetch load above, a sampler fetched ten times a second on its own connection and polled each sampled",
      "receipt (`GET /v1/receipts/:id`) every 100 ms until it was anchored: the lag a client observes. Receipts anchored per",
      "second: the requesting department's anchored receipt sequence on AccessLedger (`head`), before and after the load.",
      "",
      `| receipts anchored/s | lag p50 ms | lag p99 ms | sampled | oldest unanchored at the end | any older than 5 s |`,
      "| ---: | ---: | ---: | ---: | ---: | :---: |",
      `| ${fmt(anchoring.receipts_per_s)} | ${fmt(anchoring.lag_p50_ms)} | ${fmt(anchoring.lag_p99_ms)} | ${fmt(anchoring.sampled_receipts)} | ${fmt(anchoring.oldest_unanchored_at_end_ms)} ms | ${anchoring.unanchored_older_than_5s ? "**yes**" : "no"} |`,
      "",
    );
  } else L.push("Not measured yet: receipts and anchoring arrive with the fetch route.", "");

  L.push("### Audit", "");
  if (audit) {
    L.push(
      `${fmt(audit.receipts?.count)} delivered receipts of one department, chained and anchored on AccessLedger in ${fmt(audit.receipts?.batches)} batches of up to`,
      "1,024 (the agreement, grant and consents they rely on recorded on chain), written as `GET /v1/receipts/:id` returns",
      "them, then verified by the auditor: each leaf and proof against the anchored root, sequence gaps, anchoring delay, and",
      "that every delivery was allowed when it happened (agreement, grant, consent at the receipt's time).",
      "",
      `| | seconds | receipts/s | violations |`,
      "| --- | ---: | ---: | ---: |",
      `| \`npm run audit -- receipts\` (new process) | ${fmt(audit.receipts?.seconds, 2)} | ${fmt(audit.receipts?.per_s)} | ${fmt(audit.receipts?.violations)} |`,
      `| the same, per second of CPU (npm, node and the auditor: what it does on a core of its own) | ${fmt(audit.receipts?.cpu_seconds, 2)} | ${fmt(audit.receipts?.per_cpu_s)} | |`,
      `| \`node scripts/audit/launch.cjs receipts\` (what npm runs, without npm's own start) | ${fmt(audit.receipts?.node_seconds, 2)} | ${fmt(audit.receipts?.node_per_s)} | |`,
      `| the auditor's \`run\` in-process | ${fmt(audit.receipts?.library_seconds, 2)} | ${fmt(audit.receipts?.library_per_s)} | |`,
      `| \`npm run audit -- exchange\` (new process), ${fmt(audit.exchange?.exchanges)} exchanges, both sides signed | ${fmt(audit.exchange?.seconds, 2)} | ${fmt(audit.exchange?.per_s)} | ${fmt(audit.exchange?.violations)} |`,
      `| the same, per second of CPU | ${fmt(audit.exchange?.cpu_seconds, 2)} | ${fmt(audit.exchange?.per_cpu_s)} | |`,
      `| \`node scripts/audit/launch.cjs exchange\` | ${fmt(audit.exchange?.node_seconds, 2)} | ${fmt(audit.exchange?.node_per_s)} | |`,
      "",
      `Load average (1 / 5 / 15 min) when the commands ran: ${(audit.receipts?.load_average as number[] | undefined)?.join(" / ") ?? "not recorded"} (receipts), ${(audit.exchange?.load_average as number[] | undefined)?.join(" / ") ?? "not recorded"} (exchange). The auditor is bundled into dist/audit/ before (scripts/audit/launch.cjs bundles it once after a change). Each command ran three times, npm and node alternated, and the median run by wall time is the figure (every run, seconds: receipts npm ${runsOf(audit.receipts, "npm_seconds")}, node ${runsOf(audit.receipts, "node_seconds")}; exchange npm ${runsOf(audit.exchange, "npm_seconds")}, node ${runsOf(audit.exchange, "node_seconds")}). Where the time goes, and what was changed for it: [docs/perf/audit-profile.md](perf/audit-profile.md).`,
      "",
      ...(audit.receipts?.profile?.by_place
        ? [
            "The command was run again under `node --cpu-prof`; self time by where the code lives (the auditor and the packages it bundles are all `audit/cli.js`):",
            "",
            ...profileTable("| Where | % of samples |", audit.receipts.profile.by_place, 8),
            "",
            "Top functions by self time:",
            "",
            ...profileTable("| Function | % |", audit.receipts.profile.by_function, 8),
            "",
          ]
        : []),
      ...(audit.exchange?.profile?.by_function
        ? [
            "`exchange` under the profiler, top functions by self time:",
            "",
            ...profileTable("| Function | % |", audit.exchange.profile.by_function, 6),
            "",
          ]
        : []),
      `Trail: one subject's ${fmt(audit.trail?.subject_events)} consent events (distinct purposes) spread among ${fmt(audit.trail?.other_events)} consent events of other`,
      `subjects, created with \`ConsentRegistry.recordBatch\`; \`npm run audit -- subject --subject-ref …\` rebuilt it in ${fmt(audit.trail?.seconds, 2)} s.`,
      "",
    );
  } else L.push("Not measured yet.", "");

  L.push("### Growth", "");
  if (growth && Array.isArray(growth.scales)) {
    L.push(
      "At scale k the chain holds 5k departments, k resources, k agreements, k grants and 100k consents before the gateways start",
      `(they index all of it at boot); the same fetch is then loaded for ${growth.seconds} s at ${growth.connections} connections, and one subject's 20-event trail is rebuilt by the auditor.`,
      "Each scale's stack also loads its two chained bare proxies right after, for the same time: the machine's load at that",
      "moment, so that scales measured minutes apart on a shared machine compare through Kuajie ÷ bare. Beside req/s, the CPU",
      "time the two processes of each path spent per request (from `/proc`), which the load moves far less. The goal: req/s",
      `within 10 % of 1× (${growth.run?.mode ?? "?"} mode, ${growth.run?.at ?? "?"}, load average ${(growth.load_average ?? []).join(" / ") || "n/a"} at the end).`,
      "",
      "| scale | departments / resources / agreements / grants / consents | Kuajie req/s (÷ 1×) | bare req/s | Kuajie ÷ bare (÷ 1×) | Kuajie CPU ms per request (÷ 1×) | bare CPU ms per request | Kuajie p50 / p99 ms | trail s | setup s |",
      "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...(growth.scales as J[]).map((r) => {
        const base = (growth.scales as J[])[0];
        const cpu = r.fetch?.cpu_ms_per_request?.total;
        const toBase = (value: number, of: number) => fmt(value / of, 2);
        return (
          `| ${r.scale}× | ${fmt(r.departments)} / ${fmt(r.resources)} / ${fmt(r.agreements)} / ${fmt(r.grants)} / ${fmt(r.consents)} ` +
          `| ${fmt(r.fetch?.rps)} (${toBase(r.fetch?.rps, base.fetch?.rps)}) | ${fmt(r.bare?.rps)} ` +
          `| ${fmt(r.ratio_to_bare?.rps, 3)} (${toBase(r.ratio_to_bare?.rps, base.ratio_to_bare?.rps)}) ` +
          `| ${fmt(cpu, 2)} (${toBase(cpu, base.fetch?.cpu_ms_per_request?.total)}) | ${fmt(r.bare?.cpu_ms_per_request?.total, 2)} ` +
          `| ${fmt(r.fetch?.p50_ms)} / ${fmt(r.fetch?.p99_ms)} | ${fmt(r.trail?.seconds, 3)} | ${fmt(r.setup_seconds, 1)} |`
        );
      }),
      "",
    );
  } else L.push("Not measured yet: needs the fetch route.", "");

  L.push("### Console page loads", "", ...consoleSection(consolePages));

  L.push("### Pictures", "");
  const charts = writeCharts({ fetch, growth, anchoring });
  if (charts.length) {
    L.push(
      "Drawn by the benchmark from the result files above (`bench/lib/charts.ts`, ECharts' SVG renderer); `npm run",
      "bench:charts` redraws them from the same files without measuring.",
      "",
      ...charts.flatMap((c) => [`![${c.title}](bench/${c.name}.svg)`, ""]),
    );
  } else L.push("None yet: the result files predate the fields the charts read; run `npm run bench`.", "");

  L.push(
    "### Where a goal is not met",
    "",
    ...limits({ fetch, writes, anchoring, audit, gas, console: consolePages }),
    "",
    END,
    "",
  );
  return L.join("\n");
}

/** The console part's table: each page each role may see, loaded in headless Chromium on the demo data. */
function consoleSection(consolePages: J | undefined): string[] {
  if (!consolePages)
    return ["Not measured yet: needs Chromium (`/usr/bin/chromium`); `npm run bench -- --only console`.", ""];
  const pages = (consolePages.pages ?? []) as J[];
  return [
    "`npm run bench -- --only console` (`bench/parts/console.ts`; by default only where `/usr/bin/chromium` exists) starts",
    "the five gateways of `npm start`, runs `npm run demo` on them, and signs in to the console in headless Chromium as",
    "each role; each opens every page of the registry in `console/js/main.js` its role may see (the agreement page on the",
    "demo's first agreement, the consent trail and the consents page on the demo's citizen, who consented and whose data",
    `was fetched), one warm-up round, then ${fmt(consolePages.rounds)} rounds. One load is a full navigation to`,
    "`/console/#/<page>`, timed in the page by `performance.now()` from the navigation's start to the animation frame that",
    "paints the page's own heading in `#main`, which each page mounts with its content once its data has arrived.",
    "",
    "| Role | Page | p50 ms | max ms |",
    "| --- | --- | ---: | ---: |",
    ...pages.map((p) => `| ${p.role} | \`${shortSubject(String(p.url))}\` | ${fmt(p.p50_ms)} | ${fmt(p.max_ms)} |`),
    "",
    `Goal: every page under ${fmt(consolePages.goal_ms)} ms (issue 12): ${consolePages.met ? "met" : "**not met**"}. ` +
      `Load average (1 / 5 / 15 min) before ${(consolePages.load_average?.before as number[] | undefined)?.join(" / ") ?? "?"}, ` +
      `after ${(consolePages.load_average?.after as number[] | undefined)?.join(" / ") ?? "?"}, on ${fmt(consolePages.machine?.cpus)} CPUs.`,
    "",
  ];
}

/** A subject reference (32 bytes of hex) in a console URL, shortened for the table. */
const shortSubject = (url: string) => url.replace(/(0x[0-9a-fA-F]{6})[0-9a-fA-F]{58}/, "$1…");

/** The fetch part's CPU profiles, one per gateway of the path (an older result held one, the consumer's). */
function fetchProfiles(fetch: J): [string, J][] {
  const profile = fetch.profile as J | undefined;
  if (!profile) return [];
  if (profile.by_place) return [["consumer", profile]];
  return (["consumer", "provider"] as const)
    .filter((role) => profile[role]?.by_place)
    .map((role) => [role, profile[role] as J]);
}

/** Plain statements of each missed goal and what limits it. */
function limits(r: { fetch?: J; writes?: J; anchoring?: J; audit?: J; gas?: J; console?: J }): string[] {
  const out: string[] = [];
  const { fetch, writes, anchoring, audit } = r;
  if (fetch && !(fetch.ratio?.rps >= 0.6 && fetch.kuajie?.p99_ms <= 3 * fetch.bare?.p99_ms)) {
    const tops = fetchProfiles(fetch).map(
      ([role, profile]) =>
        `the ${role}'s gateway: ${(profile.by_place as { name: string; percent: number }[])
          .slice(0, 4)
          .map((p) => `${p.name} ${p.percent} %`)
          .join("; ")}`,
    );
    out.push(
      `- **Fetch**: ${fmt(fetch.ratio?.rps, 2)} of the bare proxy's throughput, p99 ${fmt(fetch.kuajie?.p99_ms / fetch.bare?.p99_ms, 1)}× bare. ` +
        (tops.length ? `The profiles' largest self-time costs: ${tops.join("; ")}.` : "No profile was taken."),
    );
  }
  if (writes && !(writes.batched?.consents_per_s >= 1000 && writes.ratio >= 15)) {
    out.push(
      `- **Writes**: ${fmt(writes.batched?.consents_per_s, 0)} consents/s batched, ${fmt(writes.ratio, 1)}× one-at-a-time. Each consent request waits for its transaction to be mined and indexed (read-your-writes). ` +
        (writes.batched?.cpu_ms_per_consent?.gateway
          ? `The batches held ${fmt(writes.batched.consents_per_transaction, 1)} consents on average; the loaded gateway spent ${fmt(writes.batched.cpu_ms_per_consent.gateway, 2)} ms of CPU per consent and the Hardhat node ${fmt(writes.batched.cpu_ms_per_consent.chain_node, 2)} ms, on two cores shared with the benchmark's client, four other gateways indexing the same events and the load average ${(writes.batched.load_average_after ?? []).join(" / ")}: all ${fmt(writes.batched.concurrency)} clients wait in two batches, so the rate is that many consents per two batch cycles (each the node's execution and mining plus the gateway's round trips on a thread also answering the previous batch), and the gateway's CPU per consent bounds it next, not the chain's capacity (docs/perf/consents-profile.md).`
          : "The Hardhat node mines one transaction per block under automine, so throughput is bounded by transactions per second times consents per batch."),
    );
  }
  if (anchoring?.unanchored_older_than_5s) {
    out.push(
      `- **Anchoring**: a receipt ${fmt(anchoring.oldest_unanchored_at_end_ms)} ms old was still unanchored at the end of the load.`,
    );
  }
  if (audit && !(audit.receipts?.per_s >= 5000)) {
    out.push(
      `- **Receipts audit**: ${fmt(audit.receipts?.per_s)} receipts/s through the CLI (${fmt(audit.receipts?.library_per_s)} in-process). The CLI's figure includes starting npm and Node (the auditor compiled) and reading the chain's batches and the agreement, grant and consent histories` +
        ((audit.receipts?.profile?.by_place as { name: string; percent: number }[] | undefined)
          ? `; its profile's largest self-time costs: ${(
              audit.receipts.profile.by_place as { name: string; percent: number }[]
            )
              .slice(0, 4)
              .map((p) => `${p.name} ${p.percent} %`)
              .join("; ")}.`
          : "."),
    );
  }
  if (audit && !(audit.trail?.seconds < 2)) {
    out.push(
      `- **Trail**: ${fmt(audit.trail?.seconds, 2)} s; the auditor's one \`eth_getLogs\` query by subject topic is answered by the Hardhat node, which scans every block's logs in the range.`,
    );
  }
  if (r.console && !(r.console.slowest?.max_ms < 1000)) {
    const slow = (r.console.pages as J[])
      .filter((p) => p.max_ms >= 1000)
      .map((p) => `${p.page} (${p.role}) max ${fmt(p.max_ms)} ms`);
    out.push(`- **Console**: ${slow.join("; ")}.`);
  }
  if (out.length === 0) out.push("Every goal measured in the last run was met.");
  return out;
}

/** A profile's table of self time (by place or by function): its `header` row, then the first `count` of `rows`. */
function profileTable(header: string, rows: unknown, count: number): string[] {
  return [
    header,
    "| --- | ---: |",
    ...(rows as { name: string; percent: number }[])
      .slice(0, count)
      .map((p) => `| \`${p.name}\` | ${fmt(p.percent, 1)} |`),
  ];
}

export function writeSummary(): string {
  const block = renderSummary();
  let text = fs.existsSync(FILE) ? fs.readFileSync(FILE, "utf8") : "# Benchmarks\n\n";
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin >= 0 && end > begin) {
    text = text.slice(0, begin) + block.trimEnd() + text.slice(end + END.length);
  } else {
    text = text.trimEnd() + "\n\n" + block;
  }
  fs.mkdirSync(path.dirname(FILE), { recursive: true });
  fs.writeFileSync(FILE, text.endsWith("\n") ? text : text + "\n");
  return FILE;
}
