import type Database from "better-sqlite3";
import { migrate } from "../common/db";

/**
 * The chain adapter's tables, registered as component "chain". Append only: a statement's position is its version.
 *
 * - `chain_meta`: what the adapter knows about the chain it talks to (genesis hash, chain id, a checkpoint block).
 * - `outbox`: every transaction intent, from the moment it is acknowledged until it is mined, reverted or failed.
 *   `genesis` ties a row to the chain it was meant for, so rows of a chain that was replaced are never sent to the
 *   new one; `nonce` is NULL only for a row that never consumed one (refused before sending).
 * - `outbox_nonces`: the next nonce to assign per (chain, sender), persisted with each assignment.
 * - `outbox_calldata` and `outbox_signed`: a row's calldata (written with the row) and its signed transaction (written
 *   when it is signed, deleted once the row is final or its nonce is given up), each written once. A consents batch
 *   carries ~150 kB of each, and SQLite rewrites a whole row on every UPDATE: kept in the outbox row, they were
 *   written to the WAL again, and synced, on every status change (docs/perf/consents-profile.md). Stored as bytes,
 *   half the size of their hex; a value that is not hex fails the migration (`unhex` gives NULL), which then changes
 *   nothing.
 * - `events` and `indexer_state`: the indexer's copy of the contracts' logs and its cursor.
 */
export const CHAIN_MIGRATIONS: readonly string[] = [
  `CREATE TABLE chain_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     genesis TEXT NOT NULL,
     key TEXT NOT NULL,
     sender TEXT NOT NULL,
     nonce INTEGER,
     to_address TEXT NOT NULL,
     data TEXT NOT NULL,
     gas_limit TEXT,
     dedupe_key TEXT UNIQUE,
     meta_json TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('queued', 'signed', 'sent', 'mined', 'reverted', 'failed')),
     raw_tx TEXT,
     tx_hash TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     block_number INTEGER,
     block_hash TEXT,
     gas_used TEXT,
     logs_json TEXT,
     revert_data TEXT,
     error_name TEXT,
     error_args_json TEXT,
     error TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     sent_at INTEGER
   )`,
  `CREATE UNIQUE INDEX outbox_chain_sender_nonce ON outbox (genesis, sender, nonce)`,
  `CREATE INDEX outbox_pending ON outbox (status, key, nonce)`,
  `CREATE TABLE outbox_nonces (
     genesis TEXT NOT NULL,
     sender TEXT NOT NULL,
     next_nonce INTEGER NOT NULL,
     PRIMARY KEY (genesis, sender)
   )`,
  `CREATE TABLE events (
     block_number INTEGER NOT NULL,
     log_index INTEGER NOT NULL,
     tx_hash TEXT NOT NULL,
     address TEXT NOT NULL,
     contract TEXT NOT NULL,
     name TEXT NOT NULL,
     args_json TEXT NOT NULL,
     block_time INTEGER NOT NULL,
     PRIMARY KEY (block_number, log_index)
   )`,
  `CREATE INDEX events_contract_name ON events (contract, name, block_number)`,
  `CREATE TABLE indexer_state (
     name TEXT PRIMARY KEY,
     genesis_hash TEXT,
     contracts TEXT NOT NULL,
     next_block INTEGER NOT NULL,
     indexed_block INTEGER NOT NULL,
     indexed_block_hash TEXT,
     resets INTEGER NOT NULL DEFAULT 0
   )`,
  `CREATE TABLE outbox_calldata (
     outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id),
     data BLOB NOT NULL
   )`,
  `CREATE TABLE outbox_signed (
     outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id),
     raw_tx BLOB NOT NULL
   )`,
  `INSERT INTO outbox_calldata (outbox_id, data) SELECT id, unhex(substr(data, 3)) FROM outbox`,
  `INSERT INTO outbox_signed (outbox_id, raw_tx) SELECT id, unhex(substr(raw_tx, 3)) FROM outbox WHERE raw_tx IS NOT NULL`,
  `ALTER TABLE outbox DROP COLUMN data`,
  `ALTER TABLE outbox DROP COLUMN raw_tx`,
];

/** Creates or upgrades the chain adapter's tables; safe to call from every component that uses them. */
export function migrateChainSchema(db: Database.Database): void {
  migrate(db, "chain", CHAIN_MIGRATIONS);
}
