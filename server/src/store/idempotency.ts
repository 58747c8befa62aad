import type Database from "better-sqlite3";
import type { Db } from "../common/db";
import { migrate } from "../common/db";

export interface IdempotencyScope {
  /** The caller's token id (0 for a route without authentication). */
  tokenId: number;
  key: string;
}

export interface IdempotencyRequest extends IdempotencyScope {
  method: string;
  path: string;
  requestHash: string;
  /** Milliseconds since the epoch. */
  now: number;
  /** Records older than this many milliseconds are forgotten. */
  ttlMs: number;
}

export interface StoredResponse {
  status: number;
  contentType: string | null;
  body: string;
}

export type BeginResult =
  { kind: "started" } | { kind: "in_flight" } | { kind: "mismatch" } | ({ kind: "completed" } & StoredResponse);

interface Row {
  method: string;
  path: string;
  request_hash: string;
  status: number | null;
  content_type: string | null;
  response_body: string | null;
  created_at: number;
}

const MIGRATIONS = [
  `CREATE TABLE idempotency_keys (
    token_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    response_body TEXT,
    created_at INTEGER NOT NULL,
    completed_at INTEGER,
    PRIMARY KEY (token_id, key)
  )`,
  "CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)",
];

/** Remembers the first response to each (token, Idempotency-Key); a row without status is a request in flight. */
export class IdempotencyStore {
  private readonly beginTx: Database.Transaction<(request: IdempotencyRequest) => BeginResult>;

  constructor(private readonly db: Db) {
    migrate(db, "idempotency", MIGRATIONS);
    this.beginTx = db.transaction((request: IdempotencyRequest): BeginResult => {
      const existing = db
        .prepare(
          "SELECT method, path, request_hash, status, content_type, response_body, created_at FROM idempotency_keys WHERE token_id = ? AND key = ?",
        )
        .get(request.tokenId, request.key) as Row | undefined;
      if (existing && existing.created_at >= request.now - request.ttlMs) {
        if (
          existing.method !== request.method ||
          existing.path !== request.path ||
          existing.request_hash !== request.requestHash
        ) {
          return { kind: "mismatch" };
        }
        if (existing.status === null) return { kind: "in_flight" };
        return {
          kind: "completed",
          status: existing.status,
          contentType: existing.content_type,
          body: existing.response_body ?? "",
        };
      }
      db.prepare(
        `INSERT OR REPLACE INTO idempotency_keys (token_id, key, method, path, request_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(request.tokenId, request.key, request.method, request.path, request.requestHash, request.now);
      return { kind: "started" };
    });
  }

  /** Claims the key for this request, or says why it cannot: a replay, a request in flight, or a different request. */
  begin(request: IdempotencyRequest): BeginResult {
    return this.beginTx.immediate(request);
  }

  complete(scope: IdempotencyScope, response: StoredResponse, now: number): void {
    this.db
      .prepare(
        "UPDATE idempotency_keys SET status = ?, content_type = ?, response_body = ?, completed_at = ? WHERE token_id = ? AND key = ?",
      )
      .run(response.status, response.contentType, response.body, now, scope.tokenId, scope.key);
  }

  /** Forgets a claim whose request failed (5xx, aborted), so that a retry runs it again. */
  release(scope: IdempotencyScope): void {
    this.db
      .prepare("DELETE FROM idempotency_keys WHERE token_id = ? AND key = ? AND status IS NULL")
      .run(scope.tokenId, scope.key);
  }

  /** At boot: claims left by a process that died mid-request belong to nobody now. */
  abandonInFlight(): number {
    return this.db.prepare("DELETE FROM idempotency_keys WHERE status IS NULL").run().changes;
  }

  purgeOlderThan(cutoff: number): number {
    return this.db.prepare("DELETE FROM idempotency_keys WHERE created_at < ? AND status IS NOT NULL").run(cutoff)
      .changes;
  }
}
