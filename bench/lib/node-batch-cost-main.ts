/**
 * `npx ts-node --transpile-only bench/lib/node-batch-cost-main.ts [--allocator-default] [transactions]`: what one
 * `recordBatch` of 250 consents costs the Hardhat node itself, with nothing else running against it. A fresh node, the
 * system deployed as `npm start` deploys it, then `transactions` batches (default 30) sent one after another (each
 * `eth_sendRawTransaction` returns once its block is mined: automine); the first five warm the node up and are not
 * counted. Prints the node's CPU a consent, the page faults it took a consent (a fault of a 2 MiB huge page zeroes all
 * of it), the wall time of a transaction (median and fastest) and its resident memory at the end.
 * `--allocator-default` runs the node with mimalloc's own defaults instead of scripts/lib/hardhat-node-env.ts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { id as keccakText } from "ethers";
import { demoDepartment } from "../../scripts/lib/demo-departments";
import { deploySystem, devWallet, purposeBytes, startNode } from "./chain";
import { round } from "./context";
import { cpuSeconds } from "./cpu-time";
import { runTool } from "./procs";
import { PURPOSE } from "./sharing";

const PER_TRANSACTION = 250;
const WARM_UP = 5;
/** mimalloc 2.2's defaults, as MIMALLOC_VERBOSE=1 prints them. */
const MIMALLOC_DEFAULTS = { MIMALLOC_PURGE_DELAY: "10", MIMALLOC_ALLOW_LARGE_OS_PAGES: "2" };

/** Minor page faults of a process so far (field 10 of /proc/<pid>/stat). */
function minorFaults(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}

async function main(): Promise<void> {
  const allocatorDefault = process.argv.includes("--allocator-default");
  const transactions = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 30);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-node-batch-"));
  const node = await startNode(logDir, "hardhat-node", allocatorDefault ? MIMALLOC_DEFAULTS : {});
  const pid = node.proc.child.pid!;
  const system = await deploySystem(node.provider);
  const recorder = devWallet(demoDepartment("data-bureau").keyIndex);
  const recipient = demoDepartment("gz-civil-affairs").id;
  const resourceId = keccakText("bench node batch resource");
  const validFrom = Number((await node.provider.getBlock("latest"))!.timestamp) - 10;
  const to = await system.consents.getAddress();
  const { chainId } = await node.provider.getNetwork();
  let nonce = await node.provider.getTransactionCount(recorder.address);
  const times: number[] = [];
  let cpuBefore = 0;
  let faultsBefore = 0;
  for (let t = 0; t < WARM_UP + transactions; t++) {
    if (t === WARM_UP) {
      cpuBefore = cpuSeconds(pid) ?? 0;
      faultsBefore = minorFaults(pid);
    }
    const inputs = Array.from({ length: PER_TRANSACTION }, (_, j) => {
      const n = t * PER_TRANSACTION + j;
      return {
        terms: {
          key: { subjectRef: keccakText(`subject ${n}`), recipient, resourceId, purpose: purposeBytes(PURPOSE) },
          separate: false,
          validFrom,
          validUntil: validFrom + 365 * 86_400,
        },
        evidenceHash: keccakText(`evidence ${n}`),
      };
    });
    const signed = await recorder.signTransaction({
      to,
      data: system.consents.interface.encodeFunctionData("recordBatch", [inputs]),
      gasLimit: 10_100_000n,
      nonce: nonce++,
      chainId,
      type: 2,
      maxFeePerGas: 10_000_000_000n,
      maxPriorityFeePerGas: 1n,
    });
    const started = performance.now();
    await node.provider.send("eth_sendRawTransaction", [signed]);
    if (t >= WARM_UP) times.push(performance.now() - started);
  }
  const consents = transactions * PER_TRANSACTION;
  const cpu = (cpuSeconds(pid) ?? 0) - cpuBefore;
  times.sort((a, b) => a - b);
  const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  const result = {
    allocator: allocatorDefault ? "mimalloc defaults" : "scripts/lib/hardhat-node-env.ts",
    transactions,
    consents_per_transaction: PER_TRANSACTION,
    node_cpu_ms_per_consent: round((1000 * cpu) / consents, 3),
    node_minor_faults_per_consent: round((minorFaults(pid) - faultsBefore) / consents, 1),
    transaction_ms: { median: round(times[times.length >> 1], 1), fastest: round(times[0], 1) },
    node_rss_mib: Math.round(rssKiB / 1024),
    load_average: os.loadavg().map((l) => round(l, 2)),
    at: new Date().toISOString(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

runTool(main);
