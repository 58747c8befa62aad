/**
 * `npx ts-node --transpile-only bench/lib/node-memory-main.ts [out.json]`: the Hardhat node's own resident memory as
 * consents accumulate on it (issue 17). A fresh `hardhat node`, the system deployed as `npm start` deploys it, then
 * consents recorded with ConsentRegistry.recordBatch (450 a transaction, one transaction a block, as the scale part
 * records them), the node's RSS read at each size. It stops at the last size, or earlier when the machine's available
 * memory falls under a margin left for the other engineers' processes, or after a time bound: the figures say where
 * it stopped and why. The fit (linear in the consents) is in bench/lib/fit.ts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { id as keccakText } from "ethers";
import { demoDepartment } from "../../scripts/lib/demo-departments";
import { BulkSender, deploySystem, devWallet, purposeBytes, startNode } from "./chain";
import { round } from "./context";
import { linearFit } from "./fit";
import { runTool } from "./procs";
import { PURPOSE, queueConsents, type ConsentEntry } from "./sharing";

const SIZES = [10_000, 30_000, 100_000, 200_000];
const PER_TRANSACTION = 450;
/** Left free for the other processes of a shared machine: the run stops before the node would take it. */
const MEMORY_MARGIN_GIB = 8;
const TIME_BOUND_MS = 20 * 60_000;
const GiB = 1024 ** 3;

function rssMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Math.round(Number(kib ?? 0) / 1024);
}

function availableGiB(): number {
  const kib = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync("/proc/meminfo", "utf8"))?.[1];
  return Number(kib ?? 0) / 1024 / 1024;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-node-memory-"));
  const started = Date.now();
  const node = await startNode(logDir);
  const pid = node.proc.child.pid!;
  const rows: Record<string, unknown>[] = [];
  let stoppedBecause: string | null = null;
  const system = await deploySystem(node.provider);
  const baseRss = rssMiB(pid);
  const bureau = devWallet(demoDepartment("data-bureau").keyIndex);
  const recipient = demoDepartment("gz-civil-affairs").id;
  const resourceId = keccakText("bench node memory resource");
  const validFrom = Number((await node.provider.getBlock("latest"))!.timestamp) - 10;
  let recorded = 0;
  for (const size of SIZES) {
    const bulk = new BulkSender(node.provider);
    await bulk.begin();
    const recordStarted = performance.now();
    const before = recorded;
    while (recorded < size && stoppedBecause === null) {
      const entries: ConsentEntry[] = [];
      for (let j = recorded; j < Math.min(size, recorded + PER_TRANSACTION); j++) {
        entries.push({
          subjectRef: keccakText(`bench node memory subject ${j}`),
          recipient,
          resourceId,
          purpose: purposeBytes(PURPOSE),
        });
      }
      await queueConsents(bulk, system, bureau, entries, validFrom, PER_TRANSACTION);
      await bulk.flush();
      recorded += entries.length;
      if (availableGiB() < MEMORY_MARGIN_GIB) {
        stoppedBecause = `the machine's available memory fell under ${MEMORY_MARGIN_GIB} GiB at ${recorded} consents`;
      } else if (Date.now() - started > TIME_BOUND_MS) {
        stoppedBecause = `the ${TIME_BOUND_MS / 60_000} min bound was reached at ${recorded} consents`;
      }
    }
    await bulk.end();
    const row = {
      consents: recorded,
      node_rss_mib: rssMiB(pid),
      recording_consents_per_s: round((recorded - before) / ((performance.now() - recordStarted) / 1000), 0),
      available_gib: round(availableGiB(), 1),
      load_average: os.loadavg().map((l) => round(l, 1)),
    };
    rows.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
    if (stoppedBecause !== null) break;
  }
  const fit = linearFit(
    rows.map((r) => r.consents as number),
    rows.map((r) => r.node_rss_mib as number),
  );
  const result = {
    what: "the Hardhat node's resident memory (VmRSS) with n consents recorded by recordBatch",
    base_rss_mib_after_deploy: baseRss,
    sizes: rows,
    stopped: stoppedBecause ?? "every size measured",
    fit: {
      model: "rss_mib = intercept + slope × consents (least squares over the sizes measured)",
      intercept_mib: round(fit.intercept, 0),
      slope_kib_per_consent: round(fit.slope * 1024, 2),
      r2: round(fit.r2, 4),
      extrapolated_rss_gib: {
        "1e6": round((fit.intercept + fit.slope * 1e6) / 1024, 1),
        "1e7": round((fit.intercept + fit.slope * 1e7) / 1024, 1),
      },
      machine_memory_gib: round(os.totalmem() / GiB, 1),
      consents_at_machine_memory: Math.round((os.totalmem() / 2 ** 20 - fit.intercept) / fit.slope),
    },
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? "unknown",
      memory_gib: round(os.totalmem() / GiB, 1),
    },
    node: process.version,
    at: new Date().toISOString(),
  };
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (out) fs.writeFileSync(out, text);
  process.stdout.write(text);
}

runTool(main);
