import type Database from "better-sqlite3";
import type { IndexedEvent } from "../common/indexed-event";
import { toEvent, type EventRecord } from "./indexer";

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
    .all(...contracts, untilTime) as EventRecord[];
  return rows.map(toEvent);
}
