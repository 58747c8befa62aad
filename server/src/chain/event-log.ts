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
 * not for all of them; the events named in `except` ("Contract.Name") left out. Read in the primary key's order
 * (`+contract` keeps SQLite off the contract index, which would sort every matching row, payloads included, before
 * returning the first): a walk of the whole table, nearly all of it the scorecard's contracts anyway.
 */
export function* iterateIndexedEventsUntil(
  db: Database.Database,
  contracts: readonly string[],
  untilTime: number,
  except: readonly string[] = [],
): Generator<IndexedEvent> {
  const rows = db
    .prepare(
      `SELECT * FROM events WHERE +contract IN (${contracts.map(() => "?").join(", ")}) AND block_time <= ?
         AND contract || '.' || name NOT IN (${except.map(() => "?").join(", ")})
       ORDER BY block_number, log_index`,
    )
    .iterate(...contracts, untilTime, ...except) as IterableIterator<EventRecord>;
  for (const record of rows) yield toEvent(record);
}

/** How many events of one kind, alike in one argument, at one block time. */
export interface IndexedEventCount {
  time: number;
  /** The argument's value, as the indexer's JSON holds it. */
  value: unknown;
  count: number;
}

/**
 * The indexed events of one kind up to a block time, counted by block time and one argument (SQLite reads the
 * argument from the stored JSON): for a computation that only counts them, a row a block and value instead of one
 * parsed payload an event.
 */
export function countIndexedEventsUntil(
  db: Database.Database,
  contract: string,
  name: string,
  argument: string,
  untilTime: number,
): IterableIterator<IndexedEventCount> {
  return db
    .prepare(
      `SELECT block_time AS time, json_extract(args_json, ?) AS value, count(*) AS count FROM events
       WHERE contract = ? AND name = ? AND block_time <= ? GROUP BY block_time, value`,
    )
    .iterate(`$.${argument}`, contract, name, untilTime) as IterableIterator<IndexedEventCount>;
}
