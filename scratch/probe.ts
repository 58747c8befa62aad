import path from "node:path";
import fs from "node:fs";
import { id as keccakText } from "ethers";
import { useFastKeccak } from "../core/crypto/keccak";
import { openDatabase } from "../server/src/common/db";
import { ReceiptStore } from "../server/src/store/receipts";
import { ReceiptFiller } from "../bench/lib/receipt-filler";
import { receiptOf } from "../bench/parts/receipts-scale";

async function main() {
  await useFastKeccak();
  const file = process.argv[2];
  const target = Number(process.argv[3]);
  const db = openDatabase(file);
  const store = new ReceiptStore(db);
  let block = 0;
  const filler = new ReceiptFiller({ db, store, batchSize: 1024, anchorOf: () => ({ txHash: keccakText(`a ${++block}`), blockNumber: block }) });
  const have = (db.prepare("SELECT COUNT(*) AS n FROM receipts").get() as { n: number }).n;
  const t = performance.now(); const c = process.cpuUsage();
  if (target > have) await filler.fill(have, target, receiptOf);
  const u = process.cpuUsage(c);
  console.log(`filled ${have}..${target} in ${((performance.now() - t) / 1000).toFixed(1)} s wall, ${((u.user + u.system) / 1e6).toFixed(1)} s CPU`);
  db.pragma("wal_checkpoint(TRUNCATE)");
  const rows = db.prepare(`SELECT name, MAX(length(path) - length(replace(path, '/', ''))) + 1 AS depth,
     SUM(pagetype = 'internal') AS internal, SUM(pagetype = 'leaf') AS leaf, SUM(pagetype = 'overflow') AS overflow,
     SUM(ncell) FILTER (WHERE pagetype='internal') AS internal_cells
     FROM dbstat GROUP BY name ORDER BY name`).all();
  console.table(rows);
  db.close();
}
main().catch((e) => { console.error(e); process.exit(1); });
