import type Database from "better-sqlite3";
import type { IndexedEvent } from "../common/indexed-event";
import { toEvent, type EventRecord } from "./indexer";

/**
 * The indexed events of some contracts up to a block time, in chain order: what a computation over the whole
 * history reads, rather than keeping its own copy of every event.
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

/**
 * The same events one at a time, for a fold over a long history (the supervision scorecard): memory for one event,
 * not for all of them. Read in the primary key's order (`+contract` keeps SQLite off the contract index, which would
 * sort every matching row, payloads included, before returning the first): a walk of the whole table, nearly all of
 * it the scorecard's contracts anyway.
 */
export function* iterateIndexedEventsUntil(
  db: Database.Database,
  contracts: readonly string[],
  untilTime: number,
): Generator<IndexedEvent> {
  const rows = db
    .prepare(
      `SELECT * FROM events WHERE +contract IN (${contracts.map(() => "?").join(", ")}) AND block_time <= ?
       ORDER BY block_number, log_index`,
    )
    .iterate(...contracts, untilTime) as IterableIterator<EventRecord>;
  for (const record of rows) yield toEvent(record);
}
