import type { Db } from "../common/db";
import { migrate } from "../common/db";

/** A console session: only the SHA-256 of its id is kept, beside the bearer token it was opened with. */
export interface SessionRow {
  sessionHash: Buffer;
  tokenId: number;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

interface RawSessionRow {
  session_hash: Buffer;
  token_id: number;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

const MIGRATIONS = [
  `CREATE TABLE console_sessions (
    session_hash BLOB PRIMARY KEY,
    token_id INTEGER NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  )`,
  "CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)",
];

/** The console's sign-in sessions (times in unix milliseconds). */
export class SessionStore {
  constructor(private readonly db: Db) {
    migrate(db, "console_sessions", MIGRATIONS);
  }

  insert(row: SessionRow): void {
    this.db
      .prepare(
        "INSERT INTO console_sessions (session_hash, token_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      )
      .run(row.sessionHash, row.tokenId, row.csrfToken, row.createdAt, row.expiresAt);
  }

  find(sessionHash: Buffer): SessionRow | undefined {
    const row = this.db.prepare("SELECT * FROM console_sessions WHERE session_hash = ?").get(sessionHash) as
      RawSessionRow | undefined;
    return (
      row && {
        sessionHash: row.session_hash,
        tokenId: row.token_id,
        csrfToken: row.csrf_token,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      }
    );
  }

  delete(sessionHash: Buffer): void {
    this.db.prepare("DELETE FROM console_sessions WHERE session_hash = ?").run(sessionHash);
  }

  /** Removes the sessions expired at `now`; returns how many. */
  deleteExpired(now: number): number {
    return this.db.prepare("DELETE FROM console_sessions WHERE expires_at <= ?").run(now).changes;
  }
}
