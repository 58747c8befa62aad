/**
 * What the receipts-scale bench measures of a gateway's receipt store at each size (bench/parts/receipts-scale.ts):
 * listing, a receipt with its proof by id, recording and anchoring a fresh batch. It measures twice: in the process
 * that has just filled the store, and in a fresh process on the same database file (`measureInFreshProcess`, through
 * receipts-scale-measure-main.ts), as a gateway restarted on that store would serve. The fresh process is the goal's
 * figure: the filling process carries what no gateway has (the heap of the millions of receipts it built, a page
 * cache of the pages it wrote), and its figures at 10^7 moved by more than the goal's 10 % between two runs of the
 * same code.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import pino from "pino";
import { id as keccakText } from "ethers";
import { receiptId } from "../../core/receipt";
import type { KuajieChain } from "../../server/src/chain/adapter";
import { createMetrics } from "../../server/src/common/metrics";
import type { AuthContext } from "../../server/src/common/request-context";
import { Anchorer } from "../../server/src/modules/receipts/anchorer";
import { ReceiptRecorder } from "../../server/src/modules/receipts/recorder";
import { ReceiptService } from "../../server/src/modules/receipts/service";
import { ReceiptStore } from "../../server/src/store/receipts";
import { percentile, round } from "./context";
import { sleep } from "./procs";
import { BATCH, MAIN, SMALL, SUBJECTS, receiptOf } from "./receipts-scale-history";

/** Lookups that fill SQLite's page cache before the measured ones (64 MiB: 4,096 pages of 16 KiB; two a lookup or more). */
const WARM_UP_LOOKUPS = 8_192;

/** A gateway's receipt services over one database, with an anchorer against a stand-in chain that mines at once. */
export interface GatewayUnderTest {
  store: ReceiptStore;
  service: ReceiptService;
  asMain: AuthContext;
  asAuditor: AuthContext;
  /** An anchorer of both departments (not started). */
  anchorer(): Anchorer;
}

/** The stand-in chain's block numbers: the filling's anchors and the measured batch's take them from one counter. */
export interface Blocks {
  next(): number;
  current(): number;
}

export function gatewayUnderTest(store: ReceiptStore, blocks: Blocks): GatewayUnderTest {
  const chain: Pick<KuajieChain, "write"> = {
    write: async () => {
      const blockNumber = blocks.next();
      return { outboxId: 0, txHash: keccakText(`anchor ${blockNumber}`), blockNumber, events: [], logs: [] };
    },
  };
  const service = new ReceiptService(
    store,
    (key) => (key === MAIN.key ? MAIN.id : key === SMALL.key ? SMALL.id : null),
    blocks.current,
  );
  return {
    store,
    service,
    asMain: { tokenId: 1, role: "operator", departmentKey: MAIN.key },
    asAuditor: { tokenId: 2, role: "auditor", departmentKey: null },
    anchorer: () =>
      // One pass cuts, stores and anchors the fresh batch (its later passes every 250 ms).
      new Anchorer({
        store,
        chain,
        departments: [MAIN, SMALL],
        batchSize: BATCH,
        batchSeconds: 1,
        metrics: createMetrics(),
        logger: pino({ level: "silent" }),
        // The stand-in chain's clock is this machine's: every receipt recorded here is already within its reach.
        chainClock: { lowerBoundMs: () => Date.now(), refresh: async () => Date.now() },
        maxClockLeadSeconds: 60,
      }),
  };
}

/** Reads, then a fresh batch recorded and anchored: the figures of one size. `recorded` numbers the batch's receipts. */
export async function measureGateway(gateway: GatewayUnderTest, recorded: number): Promise<Record<string, number>> {
  const reads = measureReads(gateway);
  // A batch first that is not measured: the recorder's and the anchorer's code compiled by V8, as in a gateway that
  // has anchored before (a fresh process would otherwise time them interpreted).
  await measureAnchoring(gateway, recorded);
  const anchoring = await measureAnchoring(gateway, recorded + BATCH);
  return { ...reads, ...anchoring };
}

/** Receipts `measureGateway` records (two batches). */
export const RECORDED_BY_MEASURING = 2 * BATCH;

/**
 * The same figures in a new process on the database file (closed by nobody: the filling process keeps its connection,
 * idle meanwhile). Its batch takes the receipts numbered from `recorded` and is anchored in block `block` + 1.
 */
export function measureInFreshProcess(file: string, recorded: number, block: number): Record<string, number> {
  const main = require.resolve("./receipts-scale-measure-main");
  const args = ["-r", "ts-node/register/transpile-only", main, file, String(recorded), String(block)];
  const out = execFileSync(process.execPath, args, {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, number>;
}

/**
 * Median milliseconds of `runs` calls of `call` (after one to warm up): of the process's CPU time (user and system:
 * the work itself, B-tree pages read from the OS's cache included) and of the wall clock (on a shared machine, mostly
 * the time waiting for a core).
 */
function median(runs: number, call: (i: number) => unknown): { cpu: number; wall: number } {
  call(runs);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const startedCpu = process.cpuUsage();
    const started = performance.now();
    call(i);
    wall.push(performance.now() - started);
    const used = process.cpuUsage(startedCpu);
    cpu.push((used.user + used.system) / 1000);
  }
  const middle = (values: number[]) =>
    round(
      percentile(
        values.sort((a, b) => a - b),
        50,
      ),
      3,
    );
  return { cpu: middle(cpu), wall: middle(wall) };
}

/**
 * Listing and proof lookup, the anchorer stopped (nothing else runs in the process meanwhile). First SQLite's page
 * cache is filled by lookups of receipts the measurement does not read (`WARM_UP_LOOKUPS`), as a gateway's is after it
 * has served a while: in a fresh process, the first thousands of pages read each cost the allocation of their cache
 * slot (four page faults a 16 KiB page), which a gateway pays once, not on every lookup.
 */
function measureReads(gateway: GatewayUnderTest) {
  const { store, service, asMain, asAuditor } = gateway;
  const head = store.head(MAIN.id)!.sequence;
  for (let i = 0; i < WARM_UP_LOOKUPS; i++)
    service.get(receiptId(MAIN.id, 2 + ((i * 104_729) % (head - 2 * BATCH))), asMain);
  const middle = store.get(receiptId(MAIN.id, Math.ceil(head / 2)))!.receipt;
  const after = { time: middle.time, department: middle.department, sequence: middle.sequence };
  const page = (r: { items: unknown[] }) => {
    if (r.items.length !== 100) throw new Error(`a page of ${r.items.length} receipts, not 100`);
  };
  const timed = {
    list_first: median(101, () => page(service.list({ limit: 100 }, asMain))),
    list_first_auditor: median(101, () => page(service.list({ limit: 100 }, asAuditor))),
    list_deep: median(101, () => page(service.list({ limit: 100, after }, asMain))),
    list_since_deep: median(101, () => page(service.list({ limit: 100, since: middle.time }, asMain))),
    list_subject: median(101, () => page(service.list({ limit: 100, subjectRef: SUBJECTS[7] }, asMain))),
    list_agreement: median(101, () => page(service.list({ limit: 100, agreementId: "3" }, asMain))),
  };
  // Receipts spread over the whole history (a fixed stride, the same at every size but for the range; from 10^6 on
  // hardly any of them among those the warm-up read).
  const proofIo = ioCounters();
  const proof = median(1001, (i) => {
    const view = service.get(receiptId(MAIN.id, 1 + ((i * 7_919) % (head - BATCH))), asMain);
    if (view.status !== "anchored") throw new Error(`receipt ${view.receipt.id} is not anchored`);
  });
  const proofIoAfter = ioCounters();
  const figures = Object.fromEntries(
    Object.entries({ ...timed, proof }).flatMap(([name, t]) => [
      [`${name}_cpu_ms`, t.cpu],
      [`${name}_ms`, t.wall],
    ]),
  );
  return {
    ...figures,
    // Per lookup (1,002 of them, the first a warm-up): reads asked of the OS (pages not in SQLite's cache) and minor
    // page faults (new memory touched).
    proof_os_reads: round((proofIoAfter.reads - proofIo.reads) / 1002, 2),
    proof_minor_faults: round((proofIoAfter.faults - proofIo.faults) / 1002, 2),
  };
}

/** Read system calls of this process so far (Linux's /proc; 0 elsewhere) and its minor page faults. */
function ioCounters(): { reads: number; faults: number } {
  let reads = 0;
  try {
    reads = Number(/syscr: (\d+)/.exec(fs.readFileSync("/proc/self/io", "utf8"))?.[1] ?? 0);
  } catch {
    // not Linux
  }
  return { reads, faults: process.resourceUsage().minorPageFault };
}

/**
 * A fresh batch of the main department: 1,024 receipts recorded (group commit) with no anchorer running, then an
 * anchorer started whose first pass cuts the batch, stores every proof, sends the anchor to the
 * stand-in chain and marks it anchored. Its later passes come every 250 ms: the CPU measured is the pass's work, not a
 * loop polling while the machine makes it wait.
 */
async function measureAnchoring(gateway: GatewayUnderTest, recorded: number) {
  const { store } = gateway;
  const recorder = new ReceiptRecorder(store);
  const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  const recordCpu = process.cpuUsage();
  const recordStarted = performance.now();
  await Promise.all(
    Array.from({ length: BATCH }, (_, k) => {
      const { draft, envelope } = receiptOf(recorded + k * 10);
      return recorder.record({ ...draft, department: MAIN.id }, envelope);
    }),
  );
  const recordMs = performance.now() - recordStarted;
  const recordCpuMs = ms(process.cpuUsage(recordCpu));
  const anchorCpu = process.cpuUsage();
  const anchorStarted = performance.now();
  const anchorer = gateway.anchorer();
  anchorer.start();
  while (store.oldestUnanchored(MAIN.id) !== null) await sleep(2);
  const anchorCpuMs = ms(process.cpuUsage(anchorCpu));
  const anchorMs = performance.now() - anchorStarted;
  await anchorer.stop();
  return {
    record_batch_cpu_ms: round(recordCpuMs, 1),
    record_batch_ms: round(recordMs, 1),
    anchor_batch_cpu_ms: round(anchorCpuMs, 1),
    anchor_batch_ms: round(anchorMs, 1),
  };
}
