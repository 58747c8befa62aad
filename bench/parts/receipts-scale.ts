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
 *
 * Each size is measured twice (bench/lib/receipts-scale-measure.ts): in the filling process, and in a fresh process
 * on the same file, as a gateway restarted on that store. The second is the goal's figure (`cpu_ratios`); the first is
 * kept beside it (`in_filling_process`, `cpu_ratios_in_filling_process`). Both first fill SQLite's page cache with
 * lookups of other receipts and anchor a batch that is not timed, so that neither times a cold cache or cold code.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { id as keccakText } from "ethers";
import { useFastKeccak } from "../../core/crypto/keccak";
import { openDatabase } from "../../server/src/common/db";
import { ReceiptStore } from "../../server/src/store/receipts";
import { round, type BenchContext } from "../lib/context";
import { ReceiptFiller } from "../lib/receipt-filler";
import { BATCH, receiptOf } from "../lib/receipts-scale-history";
import {
  RECORDED_BY_MEASURING,
  gatewayUnderTest,
  measureGateway,
  measureInFreshProcess,
} from "../lib/receipts-scale-measure";

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
  const blocks = { next: () => ++block, current: () => block };
  const filler = new ReceiptFiller({
    db,
    store,
    batchSize: BATCH,
    anchorOf: () => ({ txHash: keccakText(`anchor ${blocks.next()}`), blockNumber: block }),
  });
  const gateway = gatewayUnderTest(store, blocks);
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
      const inFillingProcess = await measureGateway(gateway, recorded);
      recorded += RECORDED_BY_MEASURING; // the fresh batches the measurement anchored
      const fresh = measureInFreshProcess(path.join(dir, "gateway.db"), recorded, block);
      recorded += RECORDED_BY_MEASURING;
      block += 1_000; // past the fresh process's anchors
      results.push({
        receipts: size,
        fill_seconds: round(fillSeconds, 0),
        fill_receipts_per_second: round(size / fillSeconds, 0),
        database_mib: round(databaseBytes(dir) / 1024 ** 2, 0),
        ...fresh,
        in_filling_process: inFillingProcess,
        load_average: os.loadavg().map((l) => round(l, 2)),
      });
      ctx.log(`receipts-scale: ${JSON.stringify(results.at(-1))}`);
    }
  } finally {
    db.close();
    // Kept on request, to look into the largest database after the run (tens of GiB at 10^7: delete it then).
    if (process.env.RECEIPTS_SCALE_KEEP_DATABASE === "1") ctx.log(`receipts-scale: database kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  const measured = results.filter((r) => r.skipped === undefined) as (Record<string, number> & {
    in_filling_process: Record<string, number>;
  })[];
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
  const ratios = (a: Record<string, number>, b: Record<string, number>, unit: string) =>
    Object.fromEntries(KEYS.map((k) => [k, round(b[`${k}${unit}`] / a[`${k}${unit}`], 2)]));
  return {
    sizes: results,
    // The goal: at the largest size, each at most 10 % slower than at 10^4 (CPU time: the wall clock of a shared
    // machine measures its load more than the work), measured in a fresh process on the store at each size.
    largest: last.receipts,
    cpu_ratios: ratios(first, last, "_cpu_ms"),
    wall_ratios: ratios(first, last, "_ms"),
    cpu_ratios_in_filling_process: ratios(first.in_filling_process, last.in_filling_process, "_cpu_ms"),
  };
}

function databaseBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}
