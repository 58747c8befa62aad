import type Database from "better-sqlite3";
import type { IndexedEvent } from "../common/indexed-event";
import { toEvent, type EventRecord } from "./indexer";

function untilStatement(db: Database.Database, contracts: readonly string[]) {
  return db.prepare(
    `SELECT * FROM events WHERE contract IN (${contracts.map(() => "?").join(", ")}) AND block_time <= ?
     ORDER BY block_number, log_index`,
  );
}

/**
 * The indexed events of some contracts up to a block time, in chain order: what a computation over the whole
 * history reads, rather than keeping its own copy of every event.
 */
export function indexedEventsUntil(
  db: Database.Database,
  contracts: readonly string[],
  untilTime: number,
): IndexedEvent[] {
  return (untilStatement(db, contracts).all(...contracts, untilTime) as EventRecord[]).map(toEvent);
}

/**
 * The same events one at a time, for a fold over a long history (the supervision scorecard): memory for one event,
 * not for all of them.
 */
export function* iterateIndexedEventsUntil(
  db: Database.Database,
  contracts: readonly string[],
  untilTime: number,
): Generator<IndexedEvent> {
  for (const record of untilStatement(db, contracts).iterate(...contracts, untilTime) as IterableIterator<EventRecord>)
    yield toEvent(record);
}
