/**
 * Part receipts-scale (issue 17, "receipts: listing, proof lookup and anchoring with 10^7 receipts in the database"):
 * a gateway's receipt store filled to 10^4, 10^5, 10^6 and, when the disk and the fill rate allow it, 10^7 receipts
 * by ReceiptFiller (bench/lib/receipt-filler.ts: the gateway's recorder numbers, chains and checks every receipt and
 * the store's own statements insert it; every batch of 1,024 is built by `buildBatch`, stored by `saveBatch` and
 * marked anchored, in large transactions). The receipts are a federated consumer's, each with its exchange envelope.
 *
 * At each size, medians of repeated calls of the services behind the routes: listing (first page as a department
 * and as an auditor, a page deep in through the `after` cursor and through `since`, filtered by subject and by
 * agreement), a receipt with its proof by id (`GET /v1/receipts/:id`); then 1,024 receipts recorded through the
 * gateway's recorder (group commit) and one pass of the gateway's anchorer, which cuts, stores and anchors their batch
 * against a stand-in chain that mines at once (the chain's time does not grow with the gateway's database). The
 * gateway serves two departments, one with a tenth of the receipts, as a gateway of several departments does.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { ZeroHash, encodeBytes32String, id as keccakText } from "ethers";
import { useFastKeccak } from "../../core/crypto/keccak";
import { receiptId } from "../../core/receipt";
import { exchangeDomain, requestDigest, type ExchangeRequest, type ExchangeResponse } from "../../core/exchange";
import { openDatabase } from "../../server/src/common/db";
import { createMetrics } from "../../server/src/common/metrics";
import type { AuthContext } from "../../server/src/common/request-context";
import { Anchorer } from "../../server/src/modules/receipts/anchorer";
import { ReceiptRecorder } from "../../server/src/modules/receipts/recorder";
import { ReceiptService } from "../../server/src/modules/receipts/service";
import { ReceiptStore } from "../../server/src/store/receipts";
import type { KuajieChain } from "../../server/src/chain/adapter";
import { percentile, round, type BenchContext } from "../lib/context";
import { sleep } from "../lib/procs";
import { ReceiptFiller, type FilledReceipt } from "../lib/receipt-filler";

const MAIN = { key: "main", id: keccakText("receipts-scale main department").toLowerCase() };
const SMALL = { key: "small", id: keccakText("receipts-scale small department").toLowerCase() };
const PROVIDERS = [0, 1, 2].map((i) => keccakText(`receipts-scale provider ${i}`).toLowerCase());
const SUBJECTS = Array.from({ length: 50 }, (_, i) => keccakText(`receipts-scale subject ${i}`));
const AGREEMENTS = 20;
const PURPOSE = encodeBytes32String("minimum-living-allowance");
const DOMAIN = exchangeDomain(31_337, "0x" + "22".repeat(20));
/**
 * Values that are as long as real ones but whose uniqueness the store never looks at, drawn from pools (hashing them
 * afresh for each of 10^7 receipts would be most of the filling's time): signatures, consents, parameters.
 */
const POOL = 4_096;
const poolOf = (label: string) => Array.from({ length: POOL }, (_, i) => keccakText(`${label} ${i}`));
const CONSENTS = poolOf("consent");
const PARAMS = poolOf("params");
const REQUEST_SIGNATURES = poolOf("request signature").map((r, i) => signatureLike(r, i));
const RESPONSE_SIGNATURES = poolOf("response signature").map((r, i) => signatureLike(r, i));
/** Receipts per second of the filled history (their `time`). */
const PER_SECOND = 50;
const BATCH = 1_024;
/** A step's filling may take this long (10^7: ~30 min of a free core, ~5,800 receipts a CPU-second, more when shared). */
const FILL_LIMIT_S = 75 * 60;
const GiB = 1024 ** 3;

export async function receiptsScalePart(ctx: BenchContext): Promise<Record<string, unknown>> {
  await useFastKeccak(); // as the gateway does at its start
  const sizes = ctx.quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000, 10_000_000];
  const dir = path.join(ctx.workDir, "receipts-scale");
  const db = openDatabase(path.join(dir, "gateway.db"));
  const store = new ReceiptStore(db);
  let block = 0;
  const chain: Pick<KuajieChain, "write"> = {
    write: async () => ({
      outboxId: 0,
      txHash: keccakText(`anchor ${++block}`),
      blockNumber: block,
      events: [],
      logs: [],
    }),
  };
  const filler = new ReceiptFiller({
    db,
    store,
    batchSize: BATCH,
    anchorOf: () => ({ txHash: keccakText(`anchor ${++block}`), blockNumber: block }),
  });
  // The measured anchorer: one pass cuts, stores and anchors the fresh batch (its later passes every 250 ms).
  const anchorer = () =>
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
    });
  const service = new ReceiptService(
    store,
    (key) => (key === MAIN.key ? MAIN.id : key === SMALL.key ? SMALL.id : null),
    () => block,
  );
  const asMain: AuthContext = { tokenId: 1, role: "operator", departmentKey: MAIN.key };
  const asAuditor: AuthContext = { tokenId: 2, role: "auditor", departmentKey: null };
  const results: Record<string, unknown>[] = [];
  let recorded = 0;
  let fillSeconds = 0;
  try {
    for (const size of sizes) {
      const projected = recorded === 0 ? 0 : ((size - recorded) / recorded) * fillSeconds;
      const bytesPerReceipt = recorded === 0 ? 0 : databaseBytes(dir) / recorded;
      const free = fs.statfsSync(dir).bavail * fs.statfsSync(dir).bsize;
      if (projected > FILL_LIMIT_S || bytesPerReceipt * (size - recorded) > free - 20 * GiB) {
        results.push({
          receipts: size,
          skipped: `filling would take about ${round(projected / 60, 0)} min (limit ${FILL_LIMIT_S / 60}) and ${round((bytesPerReceipt * (size - recorded)) / GiB, 1)} GiB (free ${round(free / GiB, 1)})`,
        });
        ctx.log(`receipts-scale: ${size} skipped: ${JSON.stringify(results.at(-1))}`);
        continue;
      }
      const started = performance.now();
      await filler.fill(recorded, size, receiptOf);
      recorded = size;
      fillSeconds += (performance.now() - started) / 1000;
      ctx.log(`receipts-scale: ${recorded} receipts recorded and anchored (${round(fillSeconds, 0)} s in all)`);
      const reads = measureReads(store, service, asMain, asAuditor);
      const anchoring = await measureAnchoring(store, new ReceiptRecorder(store), recorded, anchorer);
      results.push({
        receipts: recorded,
        fill_seconds: round(fillSeconds, 0),
        fill_receipts_per_second: round(recorded / fillSeconds, 0),
        database_mib: round(databaseBytes(dir) / 1024 ** 2, 0),
        ...reads,
        ...anchoring,
        load_average: os.loadavg().map((l) => round(l, 2)),
      });
      recorded += BATCH; // the fresh batch the measurement anchored
      ctx.log(`receipts-scale: ${JSON.stringify(results.at(-1))}`);
    }
  } finally {
    db.close();
    // Kept on request, to look into the largest database after the run (tens of GiB at 10^7: delete it then).
    if (process.env.RECEIPTS_SCALE_KEEP_DATABASE === "1") ctx.log(`receipts-scale: database kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  const measured = results.filter((r) => r.skipped === undefined) as Record<string, number>[];
  const first = measured[0];
  const last = measured.at(-1)!;
  const KEYS = [
    "list_first",
    "list_first_auditor",
    "list_deep",
    "list_subject",
    "list_agreement",
    "proof",
    "anchor_batch",
  ];
  return {
    sizes: results,
    // The goal: at the largest size, each at most 10 % slower than at 10^4 (CPU time: the wall clock of a shared
    // machine measures its load more than the work).
    largest: last.receipts,
    cpu_ratios: Object.fromEntries(KEYS.map((k) => [k, round(last[`${k}_cpu_ms`] / first[`${k}_cpu_ms`], 2)])),
    wall_ratios: Object.fromEntries(KEYS.map((k) => [k, round(last[`${k}_ms`] / first[`${k}_ms`], 2)])),
  };
}

/**
 * Receipt number `n` of the filled history, as a consumer gateway writes it (docs/FEDERATION.md §1): the main
 * department's, or one in ten the small one's; six in seven delivered, the others refused by the provider. Its
 * `requestHash` is the EIP-712 digest of the request it carries in its envelope, with the provider's signed response.
 * The two signatures are 65 bytes that look like signatures but sign nothing: the store verifies none, and what is
 * measured is what it keeps and reads.
 */
function receiptOf(n: number): FilledReceipt {
  const delivered = n % 7 !== 0;
  const department = n % 10 === 9 ? SMALL.id : MAIN.id;
  const time = 1_700_000_000 + Math.floor(n / PER_SECOND);
  const agreement = String(1 + (n % AGREEMENTS));
  const provider = PROVIDERS[n % PROVIDERS.length];
  const request: ExchangeRequest = {
    requestId: keccakText(`request id ${n}`),
    consumer: department,
    grantId: agreement,
    purpose: PURPOSE,
    subjectRef: SUBJECTS[n % SUBJECTS.length],
    fieldMask: "0x3",
    paramsHash: PARAMS[n % POOL],
    time,
  };
  const requestHash = requestDigest(DOMAIN, request);
  const responseHash = delivered ? keccakText(`response ${n}`) : ZeroHash;
  const reason = delivered ? "ok" : "consent_missing";
  const response: ExchangeResponse = {
    requestId: request.requestId,
    requestDigest: requestHash,
    provider,
    result: delivered ? "delivered" : "denied",
    reason: encodeBytes32String(reason),
    responseHash,
    time,
  };
  return {
    draft: {
      time,
      department,
      account: "0x" + "11".repeat(20),
      grantId: agreement,
      agreementId: agreement,
      consentId: delivered ? CONSENTS[n % POOL] : ZeroHash,
      provider,
      resourceId: keccakText("receipts-scale resource"),
      resourceVersion: 1,
      fieldMask: delivered ? "0x3" : "0x0",
      subjectRef: request.subjectRef,
      purpose: PURPOSE,
      result: response.result,
      reason,
      requestHash,
      responseHash,
    },
    envelope: {
      requestId: request.requestId,
      role: "consumer",
      exchange: {
        request,
        requestSignature: REQUEST_SIGNATURES[n % POOL],
        response,
        responseSignature: RESPONSE_SIGNATURES[n % POOL],
      },
    },
  };
}

/** 65 bytes shaped like an ECDSA signature (r, s, v = 27 or 28). */
function signatureLike(r: string, i: number): string {
  return r + keccakText(r).slice(2) + (i % 2 === 0 ? "1b" : "1c");
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

/** Listing and proof lookup, the anchorer stopped (nothing else runs in the process meanwhile). */
function measureReads(store: ReceiptStore, service: ReceiptService, asMain: AuthContext, asAuditor: AuthContext) {
  const head = store.head(MAIN.id)!.sequence;
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
    // Receipts spread over the whole history (a fixed stride, the same at every size but for the range).
    proof: median(1001, (i) => {
      const view = service.get(receiptId(MAIN.id, 1 + ((i * 7_919) % (head - BATCH))), asMain);
      if (view.status !== "anchored") throw new Error(`receipt ${view.receipt.id} is not anchored`);
    }),
  };
  const figures = Object.fromEntries(
    Object.entries(timed).flatMap(([name, t]) => [
      [`${name}_cpu_ms`, t.cpu],
      [`${name}_ms`, t.wall],
    ]),
  );
  return figures;
}

/**
 * A fresh batch of the main department: 1,024 receipts recorded (group commit) with no anchorer running, then an
 * anchorer started (`start` makes it) whose first pass cuts the batch, stores every proof, sends the anchor to the
 * stand-in chain and marks it anchored. Its later passes come every 250 ms: the CPU measured is the pass's work, not a
 * loop polling while the machine makes it wait.
 */
async function measureAnchoring(
  store: ReceiptStore,
  recorder: ReceiptRecorder,
  recorded: number,
  start: () => Anchorer,
) {
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
  const anchorer = start();
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

function databaseBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}
