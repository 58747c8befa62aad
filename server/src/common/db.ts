import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

/**
 * Opens (and creates) the gateway's SQLite database. WAL lets the indexer read while the outbox writes;
 * synchronous=FULL because an acknowledged write must survive a power cut (the outbox promises it); the receipts'
 * group commit gets the same durability with its fsync off the event loop (`DeferredWalSync`).
 */
export function openDatabase(file: string): Database.Database {
  if (file !== ":memory:" && !file.startsWith("file:")) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  const db = new Database(file);
  // Only a new database takes it (an existing one keeps its pages until VACUUM): a receipt with its exchange envelope
  // is a row of ~2.7 KB, which 4 KiB pages keep in an overflow page of its own (~4.7 KB a receipt, 10^7 receipts
  // ~47 GB); 16 KiB pages hold five of them (~2.8 KB a receipt). docs/BENCHMARKS.md, the receipt store at 10^7.
  db.pragma("page_size = 16384");
  // 64 MiB of page cache (the build's default is 16 MB): it holds the inner pages of the receipts' B-trees at 10^7
  // receipts (~26 MB for the table and its id index alone), which 16 or 32 MB let the leaves evict: a lookup read 3.6
  // pages from the OS at 10^7 with 16 MB, 2.0 with 64 MiB, as at 10^6. At most 48 MiB more resident memory than before,
  // within the gateway's 512 MB (216–306 MiB measured with 10^6 consents). docs/BENCHMARKS.md, the receipt store.
  db.pragma("cache_size = -65536");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  return db;
}

/**
 * Applies, once and in order, the statements of one component's schema. Statement i (0-based) is version i + 1;
 * a component only ever appends statements, never edits an applied one. All pending statements run in one
 * transaction, so a failing migration leaves the schema as it was. Returns how many statements were applied.
 */
export function migrate(db: Database.Database, component: string, statements: readonly string[]): number {
  if (component.trim() === "") {
    throw new Error("migrate: component name is empty");
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (component, version)
  )`);
  const apply = db.transaction((): number => {
    const row = db
      .prepare("SELECT MAX(version) AS version FROM schema_migrations WHERE component = ?")
      .get(component) as { version: number | null };
    const current = row.version ?? 0;
    if (current > statements.length) {
      throw new Error(
        `migrate: database has ${component} schema version ${current} but this code knows only ${statements.length}`,
      );
    }
    const record = db.prepare("INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)");
    for (let version = current + 1; version <= statements.length; version++) {
      db.exec(statements[version - 1]);
      record.run(component, version, new Date().toISOString());
    }
    return statements.length - current;
  });
  // IMMEDIATE: two processes migrating the same file must not both read the same current version.
  return apply.immediate();
}
