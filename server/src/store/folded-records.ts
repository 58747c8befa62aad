import type { IndexedEvent, JsonObject } from "../common/indexed-event";
import type { Db } from "../common/db";
import { migrate } from "../common/db";

/** One event of a record, in chain order, as the API shows a record's history. */
export interface RecordEventRow {
  name: string;
  blockNumber: number;
  logIndex: number;
  blockTime: number;
  txHash: string;
  args: JsonObject;
}

/** How a kind of record is folded from its contract's events (a pure fold of core/folds) and stored. */
export interface FoldSpec<S> {
  /** Names the tables (`<table>` and `<table>_events`) and the migration component. */
  table: string;
  contract: string;
  /** The event argument that holds the record's sequential id. */
  idArg: string;
  fold(state: S | undefined, name: string, args: JsonObject, time: number): S | undefined;
  /** The two parties a record is listed by (e.g. requester and responsible), lower-case ids or null. */
  partiesOf(state: S): [string, string | null];
  /** The status column, for filtering. */
  statusOf(state: S): string;
  toJson(state: S): string;
  fromJson(json: string): S;
}

interface RawRecord {
  state_json: string;
}

interface RawEvent {
  block_number: number;
  log_index: number;
  tx_hash: string;
  block_time: number;
  name: string;
  args_json: string;
}

export interface RecordFilter {
  status?: string;
  /** Either party. */
  party?: string;
  first?: string;
  second?: string;
}

/**
 * A projection of sequentially numbered records (demands, objections) whose state is the core's fold of their
 * events: each record's folded state as JSON, its two parties and status for filtering, and its events. Applying the
 * same event twice changes nothing.
 */
export class FoldedRecords<S> {
  readonly fresh: boolean;

  constructor(
    private readonly db: Db,
    private readonly spec: FoldSpec<S>,
  ) {
    const t = spec.table;
    this.fresh =
      migrate(db, t, [
        `CREATE TABLE ${t} (
           id INTEGER PRIMARY KEY, first_party TEXT NOT NULL, second_party TEXT, status TEXT NOT NULL,
           state_json TEXT NOT NULL, updated_block INTEGER NOT NULL)`,
        `CREATE INDEX ${t}_first ON ${t} (first_party)`,
        `CREATE INDEX ${t}_second ON ${t} (second_party)`,
        `CREATE TABLE ${t}_events (
           block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL,
           block_time INTEGER NOT NULL, record_id INTEGER NOT NULL, name TEXT NOT NULL, args_json TEXT NOT NULL,
           PRIMARY KEY (block_number, log_index))`,
        `CREATE INDEX ${t}_events_record ON ${t}_events (record_id)`,
      ]) > 0;
  }

  /** Applies the contract's events; runs inside the indexer's transaction. */
  apply(events: readonly IndexedEvent[]): void {
    const t = this.spec.table;
    for (const e of events) {
      if (e.contract !== this.spec.contract) continue;
      const seen = this.db
        .prepare(`SELECT 1 FROM ${t}_events WHERE block_number = ? AND log_index = ?`)
        .get(e.blockNumber, e.logIndex);
      if (seen) continue;
      const id = Number(e.args[this.spec.idArg]);
      const before = this.get(id) ?? undefined;
      const after = this.spec.fold(before, e.name, e.args, e.blockTime);
      if (after === undefined || after === before) continue;
      const [first, second] = this.spec.partiesOf(after);
      this.db
        .prepare(`INSERT OR REPLACE INTO ${t} VALUES (?, ?, ?, ?, ?, ?)`)
        .run(id, first, second, this.spec.statusOf(after), this.spec.toJson(after), e.blockNumber);
      this.db
        .prepare(`INSERT OR IGNORE INTO ${t}_events VALUES (?, ?, ?, ?, ?, ?, ?)`)
        .run(e.blockNumber, e.logIndex, e.txHash, e.blockTime, id, e.name, JSON.stringify(e.args));
    }
  }

  reset(): void {
    this.db.exec(`DELETE FROM ${this.spec.table}; DELETE FROM ${this.spec.table}_events;`);
  }

  get(id: number): S | null {
    const row = this.db.prepare(`SELECT state_json FROM ${this.spec.table} WHERE id = ?`).get(id) as
      RawRecord | undefined;
    return row ? this.spec.fromJson(row.state_json) : null;
  }

  /** Records matching every criterion given, in id order. */
  list(filter: RecordFilter = {}): S[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.status !== undefined) {
      where.push(`status = ?`);
      args.push(filter.status);
    }
    if (filter.party !== undefined) {
      where.push(`(first_party = ? OR second_party = ?)`);
      args.push(filter.party.toLowerCase(), filter.party.toLowerCase());
    }
    if (filter.first !== undefined) {
      where.push(`first_party = ?`);
      args.push(filter.first.toLowerCase());
    }
    if (filter.second !== undefined) {
      where.push(`second_party = ?`);
      args.push(filter.second.toLowerCase());
    }
    const sql = `SELECT state_json FROM ${this.spec.table}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id`;
    return (this.db.prepare(sql).all(...args) as RawRecord[]).map((r) => this.spec.fromJson(r.state_json));
  }

  /** The record's events in chain order. */
  history(id: number): RecordEventRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM ${this.spec.table}_events WHERE record_id = ? ORDER BY block_number, log_index`)
        .all(id) as RawEvent[]
    ).map((r) => ({
      name: r.name,
      blockNumber: r.block_number,
      logIndex: r.log_index,
      blockTime: r.block_time,
      txHash: r.tx_hash,
      args: JSON.parse(r.args_json) as JsonObject,
    }));
  }
}
