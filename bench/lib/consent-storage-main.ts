/**
 * `npx ts-node --transpile-only bench/lib/consent-storage-main.ts [consents] [--in-memory-book]` (run node with
 * `--expose-gc` through NODE_OPTIONS for the heap figure): what one consent costs a gateway, in database bytes and
 * in heap, with no chain. A scripted node answers the indexer's JSON-RPC calls with the replay node's ConsentRecorded
 * logs (laid out as the registry's ABI encodes them, 525 to a block), so the real EventIndexer stores
 * them and the real projections (the consent store and the access policy) fold them, exactly as in a gateway.
 *
 * `--in-memory-book` also folds every event into the core's in-memory ConsentBook, the way the access policy kept
 * consents before issue 17, to measure that heap for comparison.
 *
 * `--cache-kib 2000,65536,2000,65536`: the lookups once more with each SQLite page cache size in turn (KiB; the
 * gateway runs SQLite's default, 2,000 KiB), after one pass to fill it, a second and CPU µs a lookup: what a larger
 * cache would change for the access decision.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAddress, id as keccakText, toQuantity, zeroPadValue } from "ethers";
import type { JsonRpcApiProvider } from "ethers";
import { ConsentBook } from "../../core/folds/consents";
import { CONSENT_EVENTS_STORED_BY_PROJECTION } from "../../server/src/chain/adapter";
import { EventIndexer } from "../../server/src/chain/indexer";
import { openDatabase } from "../../server/src/common/db";
import { PolicyStore } from "../../server/src/store/access-policy";
import { ConsentStore } from "../../server/src/store/consents";
import { ConsentRegistry__factory } from "../../typechain-types";
import { ReplayChain } from "./replay-chain";

const REGISTRY = getAddress(`0x${"c0".repeat(20)}`);
const GENESIS_TIME = 1_900_000_000;

const iface = ConsentRegistry__factory.createInterface();

/** The replay node's consents (bench/lib/replay-chain.ts), 525 a block, no grants: only ConsentRecorded logs. */
const chain = new ReplayChain({
  consentRegistry: REGISTRY,
  grants: `0x${"9a".repeat(20)}`,
  realHead: 0,
  realHeadTime: GENESIS_TIME,
  departments: Array.from({ length: 5 }, (_, i) => keccakText(`department ${i}`)),
  resourceId: keccakText("resource 0"),
  purpose: zeroPadValue("0x6d696e696d756d2d6c6976696e67", 32),
  agreementId: "1",
  grantConsumer: keccakText("department 0"),
  grantsPerConsent: 0,
  firstGrantId: 1n,
});

/** Just the calls the indexer makes, answered from the scripted chain of `consents` recorded consents. */
function scriptedNode(consents: number): JsonRpcApiProvider {
  const blocks = chain.blocksFor(consents);
  const send = (method: string, params: unknown[]): Promise<unknown> => {
    switch (method) {
      case "eth_blockNumber":
        return Promise.resolve(toQuantity(blocks));
      case "eth_getCode":
        return Promise.resolve("0x6001");
      case "eth_getBlockByNumber":
        return Promise.resolve(chain.block(Number(BigInt(params[0] as string))));
      case "eth_getLogs": {
        const { fromBlock, toBlock } = params[0] as { fromBlock: string; toBlock: string };
        const logs = [];
        for (let b = Math.max(1, Number(BigInt(fromBlock))); b <= Number(BigInt(toBlock)); b++) {
          logs.push(...chain.logsOf(b));
        }
        return Promise.resolve(logs);
      }
      default:
        return Promise.reject(new Error(`scripted node: ${method} not scripted`));
    }
  };
  return { send } as unknown as JsonRpcApiProvider;
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

const LOOKUPS = 100_000;

/**
 * The consent half of the access decision as a fetch makes it (ConsentStore.currentOfKey, one indexed lookup by the
 * key), over consents spread across the whole table, after indexing: lookups a second.
 */
function lookupsPerSecond(store: ConsentStore, consents: number): number {
  return lookupCost(store, consents).perSecond;
}

/** Lookups a second of wall time, and CPU µs a lookup (what a loaded machine changes least). */
function lookupCost(store: ConsentStore, consents: number): { perSecond: number; cpuUs: number } {
  const { departments, resourceId, purpose } = chain.spec;
  const keys = Array.from({ length: 1_000 }, (_, j) => {
    const i = (j * 7_919) % consents;
    return [chain.consentTopicsAndData(i).topics[1], departments[i % departments.length]];
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let n = 0; n < LOOKUPS; n++) {
    const [subjectRef, recipient] = keys[n % keys.length];
    if (!store.currentOfKey(subjectRef, recipient, resourceId, purpose))
      throw new Error("a recorded consent was not found");
  }
  const used = process.cpuUsage(cpu);
  return {
    perSecond: Math.round(LOOKUPS / ((performance.now() - started) / 1000)),
    cpuUs: Math.round(((used.user + used.system) / LOOKUPS) * 100) / 100,
  };
}

async function main(): Promise<void> {
  const consents = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 10_000);
  const withBook = process.argv.includes("--in-memory-book");
  const cacheArg = process.argv.indexOf("--cache-kib");
  const cacheSizes = cacheArg < 0 ? [] : process.argv[cacheArg + 1].split(",").map(Number);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-consent-storage-"));
  const file = path.join(dir, "gateway.sqlite");
  const db = openDatabase(file);
  try {
    const consentStore = new ConsentStore(db);
    const policy = new PolicyStore(db);
    const book = new ConsentBook();
    const indexer = new EventIndexer({
      db,
      provider: scriptedNode(consents),
      contracts: [{ name: "ConsentRegistry", address: REGISTRY, iface }],
      fromBlock: 1,
      maxBlockRange: 4,
      storedByProjections: CONSENT_EVENTS_STORED_BY_PROJECTION,
    });
    let applyMs = 0;
    indexer.onEvents((events) => {
      const applying = performance.now();
      consentStore.apply(events);
      policy.apply(events);
      if (withBook) for (const e of events) book.apply(e.name, e.args);
      applyMs += performance.now() - applying;
    });
    const heapBefore = heapUsed();
    const started = performance.now();
    await indexer.catchUp();
    const seconds = (performance.now() - started) / 1000;
    const heapAfter = heapUsed();
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.exec("VACUUM");
    const bytes = fs.statSync(file).size;
    const lookups = lookupsPerSecond(consentStore, consents);
    const byCacheSize = cacheSizes.map((kib) => {
      db.pragma(`cache_size = -${kib}`);
      lookupCost(consentStore, consents);
      const { perSecond, cpuUs } = lookupCost(consentStore, consents);
      return { cache_kib: kib, lookups_per_second: perSecond, cpu_us_per_lookup: cpuUs };
    });
    const tables = db
      .prepare(`SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name HAVING bytes > 8192 ORDER BY bytes DESC`)
      .all() as { name: string; bytes: number }[];
    const result = {
      consents,
      database_bytes_per_consent: Math.round(bytes / consents),
      heap_bytes_per_consent: Math.round((heapAfter - heapBefore) / consents),
      heap_measured: typeof (globalThis as { gc?: unknown }).gc === "function",
      in_memory_book: withBook,
      indexing_events_per_second: Math.round(consents / seconds),
      projections_events_per_second: Math.round(consents / (applyMs / 1000)),
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
      consent_lookups_per_second: lookups,
      ...(byCacheSize.length ? { consent_lookups_by_cache_size: byCacheSize } : {}),
      bytes_per_consent_by_table: Object.fromEntries(tables.map((t) => [t.name, Math.round(t.bytes / consents)])),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
