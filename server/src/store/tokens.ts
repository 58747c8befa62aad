import type { Db } from "../common/db";
import { migrate } from "../common/db";
import type { Role } from "../common/request-context";

export interface TokenRow {
  id: number;
  tokenHash: Buffer;
  departmentKey: string | null;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
  label: string;
}

interface RawTokenRow {
  id: number;
  token_hash: Buffer;
  department_key: string | null;
  role: Role;
  created_at: string;
  revoked_at: string | null;
  label: string;
}

function fromRaw(row: RawTokenRow): TokenRow {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    departmentKey: row.department_key,
    role: row.role,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    label: row.label,
  };
}

const MIGRATIONS = [
  `CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash BLOB NOT NULL UNIQUE,
    department_key TEXT,
    role TEXT NOT NULL CHECK (role IN ('operator', 'council', 'auditor')),
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    label TEXT NOT NULL DEFAULT ''
  )`,
];

/** Rows looked up by hash, most recently used last, and the connection's data_version they were read at. */
interface RowCache {
  rows: Map<string, Readonly<TokenRow>>;
  dataVersion: number | null;
}

/**
 * One cache per database connection, so that every TokenStore on it (the app's, the console's, a test's) sees a
 * revocation made through any other at once.
 */
const CACHES = new WeakMap<Db, RowCache>();

/** Tokens kept verified in memory; a department has a handful, the consortium's auditors one each. */
const DEFAULT_CACHE_ROWS = 1024;

interface TokenStoreOptions {
  /** How many rows found by hash are kept in memory (least recently used dropped first). */
  cacheRows?: number;
}

/**
 * The bearer tokens table: only SHA-256 hashes of tokens, never the tokens. Every authenticated request looks its
 * token up by hash; the rows found are kept in a small bounded cache keyed by that hash (never the token), because the
 * SELECT was a few per cent of a loaded gateway's CPU. The cache cannot serve a revoked token: a revocation through
 * this connection (the gateway is one process with one connection) empties it in the same call, and one by another
 * connection or process (`npm run tokens -- revoke`, which opens the database itself) changes SQLite's
 * `PRAGMA data_version`, which every lookup reads first (a fraction of the SELECT's cost) and which empties the cache
 * when it moved. Tokens have no expiry and no role change; any other write to the table by another connection moves
 * data_version too. So every write to `tokens` on the gateway's own connection must go through this class.
 */
export class TokenStore {
  private readonly byHash;
  private readonly dataVersion;
  private readonly cache: RowCache;
  private readonly cacheRows: number;

  constructor(
    private readonly db: Db,
    options: TokenStoreOptions = {},
  ) {
    migrate(db, "tokens", MIGRATIONS);
    this.byHash = db.prepare("SELECT * FROM tokens WHERE token_hash = ?");
    this.dataVersion = db.prepare("PRAGMA data_version").pluck();
    this.cacheRows = options.cacheRows ?? DEFAULT_CACHE_ROWS;
    let cache = CACHES.get(db);
    if (cache === undefined) {
      cache = { rows: new Map(), dataVersion: null };
      CACHES.set(db, cache);
    }
    this.cache = cache;
  }

  /** Rows held in this connection's cache now. */
  get cachedRows(): number {
    return this.cache.rows.size;
  }

  insert(row: Omit<TokenRow, "id" | "revokedAt">): number {
    const result = this.db
      .prepare("INSERT INTO tokens (token_hash, department_key, role, created_at, label) VALUES (?, ?, ?, ?, ?)")
      .run(row.tokenHash, row.departmentKey, row.role, row.createdAt, row.label);
    return Number(result.lastInsertRowid);
  }

  /** The row of a token hash; unknown hashes are not cached (each is looked up again). */
  findByHash(tokenHash: Buffer): Readonly<TokenRow> | undefined {
    const { rows } = this.cache;
    const version = this.dataVersion.get() as number;
    if (version !== this.cache.dataVersion) {
      rows.clear();
      this.cache.dataVersion = version;
    }
    const key = tokenHash.toString("base64");
    const cached = rows.get(key);
    if (cached !== undefined) {
      rows.delete(key);
      rows.set(key, cached);
      return cached;
    }
    const raw = this.byHash.get(tokenHash) as RawTokenRow | undefined;
    if (raw === undefined) return undefined;
    const row = Object.freeze(fromRaw(raw));
    rows.set(key, row);
    if (rows.size > this.cacheRows) rows.delete(rows.keys().next().value!);
    return row;
  }

  get(id: number): TokenRow | undefined {
    const row = this.db.prepare("SELECT * FROM tokens WHERE id = ?").get(id) as RawTokenRow | undefined;
    return row && fromRaw(row);
  }

  /** True when the token was active and is now revoked; no cached row outlives the call. */
  revoke(id: number, at: string): boolean {
    try {
      return (
        this.db.prepare("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id).changes ===
        1
      );
    } finally {
      this.cache.rows.clear();
    }
  }

  list(): TokenRow[] {
    return (this.db.prepare("SELECT * FROM tokens ORDER BY id").all() as RawTokenRow[]).map(fromRaw);
  }
}
