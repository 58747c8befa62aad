import type { ExchangeResponse } from "../../../core/exchange";
import type { Db } from "../common/db";
import { migrate } from "../common/db";

/** The signed answer of an exchange as the provider gave it: what a repeated request gets back unchanged. */
interface ExchangeAnswer {
  httpStatus: number;
  response: ExchangeResponse;
  signature: string;
  /** The delivered data; dropped once no repeat of the request can be fresh any more (see `forgetDataBefore`). */
  data?: unknown;
}

export interface StoredExchange extends ExchangeAnswer {
  consumer: string;
  requestId: string;
  requestDigest: string;
  receiptId: string;
  createdMs: number;
}

interface ExchangeRecord {
  consumer: string;
  request_id: string;
  request_digest: string;
  http_status: number;
  response: string;
  signature: string;
  data: string | null;
  receipt_id: string;
  created_ms: number;
}

const MIGRATIONS = [
  `CREATE TABLE exchanges (
     consumer TEXT NOT NULL, request_id TEXT NOT NULL, request_digest TEXT NOT NULL, http_status INTEGER NOT NULL,
     response TEXT NOT NULL, signature TEXT NOT NULL, data TEXT, receipt_id TEXT NOT NULL, created_ms INTEGER NOT NULL,
     PRIMARY KEY (consumer, request_id)) WITHOUT ROWID`,
  `CREATE INDEX exchanges_with_data ON exchanges (created_ms) WHERE data IS NOT NULL`,
  // Answers are forgotten by their time (`forgetBefore`); the ones an earlier release kept past a day (the
  // exchange service's ANSWER_MEMORY_MS) go here, at the first start, rather than in one answer's transaction.
  `DELETE FROM exchanges WHERE created_ms < strftime('%s', 'now') * 1000 - 86400000;
   CREATE INDEX exchanges_by_time ON exchanges (created_ms)`,
] as const;

/** The schema's statements in order (version i + 1 is statement i): tests build a database of an earlier release. */
export const EXCHANGE_MIGRATIONS: readonly string[] = MIGRATIONS;

/**
 * The provider's answers to exchange requests, keyed by (consumer department, requestId): a repeated request gets
 * the first signed answer unchanged, and a repeated requestId with another request digest is told apart (SQL only
 * here). A row is written in the same transaction as its provider receipt, so there is never one without the other.
 * The receipt keeps the signed response as evidence; a row is only needed while a repeat of its request could be
 * fresh, so the table is pruned by time (`forgetBefore`) and holds the recent answers, not the whole history (a kept
 * answer was ~1 KB, with a random key).
 */
export class ExchangeStore {
  private readonly byKey;
  private readonly insertStatement;
  private readonly forgetStatement;
  private readonly forgetAnswersStatement;

  constructor(db: Db) {
    migrate(db, "exchanges", MIGRATIONS);
    this.byKey = db.prepare(`SELECT * FROM exchanges WHERE consumer = ? AND request_id = ?`);
    this.insertStatement = db.prepare(
      `INSERT INTO exchanges (consumer, request_id, request_digest, http_status, response, signature, data,
         receipt_id, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.forgetStatement = db.prepare(`UPDATE exchanges SET data = NULL WHERE data IS NOT NULL AND created_ms < ?`);
    this.forgetAnswersStatement = db.prepare(`DELETE FROM exchanges WHERE created_ms < ?`);
  }

  get(consumer: string, requestId: string): StoredExchange | null {
    const row = this.byKey.get(consumer.toLowerCase(), requestId.toLowerCase()) as ExchangeRecord | undefined;
    return row ? fromRecord(row) : null;
  }

  /** Stores the first answer to a request; throws when the (consumer, requestId) already has one. */
  insert(exchange: StoredExchange): void {
    this.insertStatement.run(
      exchange.consumer.toLowerCase(),
      exchange.requestId.toLowerCase(),
      exchange.requestDigest.toLowerCase(),
      exchange.httpStatus,
      JSON.stringify(exchange.response),
      exchange.signature,
      exchange.data === undefined ? null : JSON.stringify(exchange.data),
      exchange.receiptId,
      exchange.createdMs,
    );
  }

  /**
   * Drops the delivered data of answers stored before `ms`: personal data is kept only as long as a repeat of its
   * request could still be fresh. The signed response (and its hash of the data) stays until `forgetBefore`.
   */
  forgetDataBefore(ms: number): number {
    return this.forgetStatement.run(ms).changes;
  }

  /** Drops the answers stored before `ms` whole (their receipts keep the signed responses); how many went. */
  forgetBefore(ms: number): number {
    return this.forgetAnswersStatement.run(ms).changes;
  }
}

function fromRecord(r: ExchangeRecord): StoredExchange {
  return {
    consumer: r.consumer,
    requestId: r.request_id,
    requestDigest: r.request_digest,
    httpStatus: r.http_status,
    response: JSON.parse(r.response) as ExchangeResponse,
    signature: r.signature,
    ...(r.data === null ? {} : { data: JSON.parse(r.data) as unknown }),
    receiptId: r.receipt_id,
    createdMs: r.created_ms,
  };
}
