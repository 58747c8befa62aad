import type Database from "better-sqlite3";
import type { IndexedEvent, JsonObject } from "../common/indexed-event";

interface EventRow {
  block_number: number;
  log_index: number;
  tx_hash: string;
  address: string;
  contract: string;
  name: string;
  args_json: string;
  block_time: number;
}

/**
 * The indexed events of some contracts up to a block time, in chain order: what a computation over the whole
 * history (the supervision scorecard) reads, rather than keeping its own copy of every event.
 */
export function indexedEventsUntil(
  db: Database.Database,
  contracts: readonly string[],
  untilTime: number,
): IndexedEvent[] {
  const rows = db
    .prepare(
      `SELECT * FROM events WHERE contract IN (${contracts.map(() => "?").join(", ")}) AND block_time <= ?
       ORDER BY block_number, log_index`,
    )
    .all(...contracts, untilTime) as EventRow[];
  return rows.map((row) => ({
    blockNumber: row.block_number,
    logIndex: row.log_index,
    txHash: row.tx_hash,
    address: row.address,
    contract: row.contract,
    name: row.name,
    args: JSON.parse(row.args_json) as JsonObject,
    blockTime: row.block_time,
  }));
}
