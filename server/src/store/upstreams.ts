import type { Db } from "../common/db";
import { migrate } from "../common/db";

const MIGRATIONS = [
  `CREATE TABLE resource_upstreams (
     resource_id TEXT PRIMARY KEY, url TEXT NOT NULL, updated_ms INTEGER NOT NULL) WITHOUT ROWID`,
] as const;

/**
 * Which backend serves which resource: the provider gateway's private configuration (docs/FEDERATION.md §3), kept
 * only in this gateway's database and never on chain, so that no member can point another department's gateway at
 * an address of its choosing. Not a projection: a replaced chain does not erase it (SQL only here).
 */
export class UpstreamStore {
  private readonly byId;
  private readonly upsert;

  constructor(db: Db) {
    migrate(db, "upstreams", MIGRATIONS);
    this.byId = db.prepare(`SELECT url FROM resource_upstreams WHERE resource_id = ?`);
    this.upsert = db.prepare(
      `INSERT INTO resource_upstreams (resource_id, url, updated_ms) VALUES (?, ?, ?)
       ON CONFLICT (resource_id) DO UPDATE SET url = excluded.url, updated_ms = excluded.updated_ms`,
    );
  }

  /** The backend URL of a resource this gateway provides, or null. */
  get(resourceId: string): string | null {
    const row = this.byId.get(resourceId.toLowerCase()) as { url: string } | undefined;
    return row?.url ?? null;
  }

  set(resourceId: string, url: string): void {
    this.upsert.run(resourceId.toLowerCase(), url, Date.now());
  }
}
