import Database from "better-sqlite3";

/**
 * Opens (or creates) the gateway's SQLite database with the settings every component relies on: WAL so readers never
 * block the writer, FULL sync so that a committed row survives a power cut, and enforced foreign keys.
 */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  return db;
}

/**
 * Applies `statements` of `component` that have not been applied yet, in order, in one transaction. A statement's
 * version is its 1-based position in the list, so components only ever append to their list.
 */
export function migrate(db: Database.Database, component: string, statements: readonly string[]): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, " +
      "PRIMARY KEY (component, version))",
  );
  const apply = db.transaction(() => {
    const row = db
      .prepare("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations WHERE component = ?")
      .get(component) as { version: number };
    const record = db.prepare("INSERT INTO schema_migrations (component, version) VALUES (?, ?)");
    for (let version = row.version + 1; version <= statements.length; version += 1) {
      db.exec(statements[version - 1]);
      record.run(component, version);
    }
  });
  apply.immediate();
}
