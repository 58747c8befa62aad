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

/** The bearer tokens table: only SHA-256 hashes of tokens, never the tokens. */
export class TokenStore {
  /** Every authenticated request looks its token up: prepared once. */
  private readonly byHash;

  constructor(private readonly db: Db) {
    migrate(db, "tokens", MIGRATIONS);
    this.byHash = db.prepare("SELECT * FROM tokens WHERE token_hash = ?");
  }

  insert(row: Omit<TokenRow, "id" | "revokedAt">): number {
    const result = this.db
      .prepare("INSERT INTO tokens (token_hash, department_key, role, created_at, label) VALUES (?, ?, ?, ?, ?)")
      .run(row.tokenHash, row.departmentKey, row.role, row.createdAt, row.label);
    return Number(result.lastInsertRowid);
  }

  findByHash(tokenHash: Buffer): TokenRow | undefined {
    const row = this.byHash.get(tokenHash) as RawTokenRow | undefined;
    return row && fromRaw(row);
  }

  get(id: number): TokenRow | undefined {
    const row = this.db.prepare("SELECT * FROM tokens WHERE id = ?").get(id) as RawTokenRow | undefined;
    return row && fromRaw(row);
  }

  /** True when the token was active and is now revoked. */
  revoke(id: number, at: string): boolean {
    return (
      this.db.prepare("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id).changes === 1
    );
  }

  list(): TokenRow[] {
    return (this.db.prepare("SELECT * FROM tokens ORDER BY id").all() as RawTokenRow[]).map(fromRaw);
  }
}
