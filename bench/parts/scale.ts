/**
 * Part 7, scale (issue 17, "a province's volume"): consents recorded straight on the development chain with
 * ConsentRegistry.recordBatch, then measured on one gateway (civil affairs', the consumer of the measured fetch):
 * - indexing: events a second while it catches up with the consents recorded while it was stopped;
 * - resident memory after indexing, and after a restart;
 * - restart to serving: from the process's spawn until a fetch is decided (answered other than 503 view_stale);
 * - database bytes per consent (growth of its gateway.db and WAL over the consents added);
 * - the Hardhat node's own resident memory at each size.
 * Quick mode: 10^4 consents; full mode: 10^4 then 10^5 (the same chain, grown). The other gateways are stopped but
 * the provider's, which the fetch needs; it indexes the consents before the measured gateway starts.
 */
import fs from "node:fs";
import os from "node:os";
import { execFileSync } from "node:child_process";
import { id as keccakText } from "ethers";
import { demoDepartment } from "../../scripts/lib/demo-departments";
import { BulkSender, devWallet, purposeBytes } from "../lib/chain";
import { round, type BenchContext } from "../lib/context";
import { arrangeFetchPath } from "../lib/fetch-path";
import { sleep, type Proc } from "../lib/procs";
import { PURPOSE, queueConsents, type ConsentEntry } from "../lib/sharing";
import { CONSUMER, PROVIDER, startStack, type Stack } from "../lib/stack";

/** ConsentRegistry.recordBatch entries per transaction (queueConsents' own size, within its 16 M gas limit). */
const PER_TRANSACTION = 450;
const MiB = 1024 * 1024;

export async function scalePart(ctx: BenchContext): Promise<Record<string, unknown>> {
  const sizes = ctx.quick ? [10_000] : [10_000, 100_000];
  const stack = await startStack(ctx, { name: "scale" });
  try {
    const fetchPath = await arrangeFetchPath(stack, 1);
    const probe = fetchPath.kuajieRequests[0];
    // The other gateways would index the same consents on the same cores: only the measured one and its provider run.
    for (const key of Object.keys(stack.gateways)) {
      if (key !== CONSUMER && key !== PROVIDER) await stack.stopGateway(key);
    }
    await stack.stopGateway(CONSUMER);
    const baseBytes = databaseBytes(stack.databaseOf(CONSUMER));
    const baseMain = fileBytes(stack.databaseOf(CONSUMER));
    const bureau = devWallet(demoDepartment("data-bureau").keyIndex);
    const recipient = demoDepartment(CONSUMER).id;
    const resourceId = keccakText("bench scale resource");
    const validFrom = Number((await stack.node.provider.getBlock("latest"))!.timestamp) - 10;
    const rows: Record<string, unknown>[] = [];
    let recorded = 0;
    for (const size of sizes) {
      const entries: ConsentEntry[] = [];
      for (let i = recorded; i < size; i++) {
        entries.push({
          subjectRef: keccakText(`bench scale subject ${i}`),
          recipient,
          resourceId,
          purpose: purposeBytes(PURPOSE),
        });
      }
      const recordStarted = performance.now();
      const bulk = new BulkSender(stack.node.provider);
      await bulk.begin();
      let transactions = 0;
      // One transaction a block, as a QBFT network with a few seconds a block would hold them: all in one block
      // would make one eth_getLogs answer of every consent, which no page size can split.
      for (let i = 0; i < entries.length; i += PER_TRANSACTION) {
        const batch = entries.slice(i, i + PER_TRANSACTION);
        transactions += await queueConsents(bulk, stack.system, bureau, batch, validFrom, PER_TRANSACTION);
        await bulk.flush();
      }
      await bulk.end();
      const recordSeconds = (performance.now() - recordStarted) / 1000;
      recorded = size;
      ctx.log(
        `scale ${size}: ${entries.length} consents recorded in ${round(recordSeconds, 1)} s (${transactions} tx)`,
      );
      await indexedByProvider(stack);

      // Indexing: the gateway was stopped while the consents were recorded; it listens at once and catches up.
      const indexing = await catchUp(stack);
      ctx.log(`scale ${size}: indexed ${indexing.events} events in ${round(indexing.seconds, 1)} s`);
      const rssIndexed = rssMiB(stack.gatewayProcOf(CONSUMER));
      const bytes = databaseBytes(stack.databaseOf(CONSUMER));

      // Restart to serving: a fetch decided on the indexed state.
      await stack.stopGateway(CONSUMER);
      const restart = await restartToServing(stack, probe);
      ctx.log(`scale ${size}: restart to a decided fetch ${round(restart.seconds, 2)} s (status ${restart.status})`);
      const rssRestarted = rssMiB(stack.gatewayProcOf(CONSUMER));
      const nodeRss = nodeRssMiB(stack.node.rpc);
      await stack.stopGateway(CONSUMER);

      rows.push({
        consents: size,
        recording: {
          consents_per_s: round(entries.length / recordSeconds, 0),
          transactions,
          per_transaction: PER_TRANSACTION,
        },
        indexing: {
          events: indexing.events,
          seconds: round(indexing.seconds, 1),
          events_per_s: round(indexing.events / indexing.seconds, 0),
          listened_after_s: round(indexing.listenedAfter, 2),
        },
        gateway_rss_mib: { after_indexing: rssIndexed, after_restart: rssRestarted },
        restart_to_serving: {
          seconds: round(restart.seconds, 2),
          listened_after_s: round(restart.listenedAfter, 2),
          fetch_status: restart.status,
        },
        database: {
          bytes,
          bytes_per_consent: round((bytes - baseBytes) / size, 0),
          // Without the write-ahead log, which SQLite folds back at its checkpoints.
          main_file_bytes_per_consent: round((fileBytes(stack.databaseOf(CONSUMER)) - baseMain) / size, 0),
        },
        hardhat_node_rss_mib: nodeRss,
        load_average: os.loadavg().map((l) => round(l, 1)),
      });
    }
    return {
      sizes: rows,
      machine: machineDescription(),
      goals: {
        indexing_events_per_s: 5_000,
        gateway_rss_mib_at_1e6_consents: 512,
        restart_to_serving_s_at_1e6_consents: 10,
        database_bytes_per_consent: 600,
      },
    };
  } finally {
    await stack.stop();
  }
}

/** The machine the figures were taken on (shared: the load average is recorded beside each figure). */
export function machineDescription() {
  return {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "unknown",
    memory_gib: round(os.totalmem() / 1024 / MiB, 1),
    shared: "2 cores shared with other engineers' builds and tests: figures are noisy",
  };
}

/** Starts the stopped consumer gateway and waits until /metrics says it has caught up. */
export async function catchUp(
  stack: Stack,
  env?: Record<string, string>,
): Promise<{ events: number; seconds: number; listenedAfter: number }> {
  const started = performance.now();
  const proc = stack.restartGateway(CONSUMER, env);
  const url = stack.gateways[CONSUMER];
  let listened: number | null = null;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`the gateway exited with ${proc.child.exitCode}`);
    const metrics = await fetch(`${url}/metrics`)
      .then((r) => r.text())
      .catch(() => null);
    if (metrics !== null) {
      listened ??= performance.now();
      if (metric(metrics, "kuajie_indexer_catching_up") === 0) {
        return {
          events: metric(metrics, "kuajie_indexer_events_total") ?? 0,
          // From the first answer: the index catches up after the server listens, which it does at once.
          seconds: (performance.now() - listened) / 1000,
          listenedAfter: (listened - started) / 1000,
        };
      }
    }
    await sleep(100);
  }
}

/** Spawns the consumer gateway and sends the probe fetch until one is decided (not refused as view_stale). */
export async function restartToServing(
  stack: Stack,
  probe: { path: string; body: unknown; headers: Record<string, string> },
  env?: Record<string, string>,
): Promise<{ seconds: number; listenedAfter: number; status: number }> {
  const started = performance.now();
  const proc = stack.restartGateway(CONSUMER, env);
  const url = stack.gateways[CONSUMER];
  let listened: number | null = null;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`the gateway exited with ${proc.child.exitCode}`);
    const answer = await fetch(`${url}${probe.path}`, {
      method: "POST",
      headers: { ...probe.headers, "content-type": "application/json" },
      body: JSON.stringify(probe.body),
    }).catch(() => null);
    if (answer !== null) {
      listened ??= performance.now();
      const body = (await answer.json().catch(() => ({}))) as { reason?: string };
      if (!(answer.status === 503 && body.reason === "view_stale")) {
        return {
          seconds: (performance.now() - started) / 1000,
          listenedAfter: (listened - started) / 1000,
          status: answer.status,
        };
      }
    }
    await sleep(25);
  }
}

/** Until the provider's gateway (the second hop of the probe fetch) is level with the chain: minutes at 10^5. */
async function indexedByProvider(stack: Stack): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  const head = await stack.node.provider.getBlockNumber();
  for (;;) {
    const health = await fetch(`${stack.gateways[PROVIDER]}/healthz`, { signal: AbortSignal.timeout(10_000) })
      .then((r) => r.json() as Promise<{ index?: { indexedBlock: number } }>)
      .catch(() => null);
    if (health?.index && health.index.indexedBlock >= head) return;
    if (Date.now() > deadline) throw new Error("the provider's gateway has not indexed the consents in 30 minutes");
    await sleep(500);
  }
}

export function metric(text: string, name: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? null : Number(line.slice(name.length + 1));
}

export function fileBytes(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

export function databaseBytes(file: string): number {
  return ["", "-wal", "-shm"].reduce((sum, suffix) => {
    try {
      return sum + fs.statSync(file + suffix).size;
    } catch {
      return sum;
    }
  }, 0);
}

export function rssMiB(proc: Proc): number | null {
  return proc.child.pid === undefined ? null : rssOfPid(proc.child.pid);
}

function rssOfPid(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kib === undefined ? null : round(Number(kib) / 1024, 0);
  } catch {
    return null;
  }
}

/** The Hardhat node is `npm start`'s child: found by the port it listens on. */
function nodeRssMiB(rpc: string): number | null {
  const port = new URL(rpc).port;
  try {
    const listing = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
    const pid = /pid=(\d+)/.exec(listing)?.[1];
    return pid === undefined ? null : rssOfPid(Number(pid));
  } catch {
    return null;
  }
}
