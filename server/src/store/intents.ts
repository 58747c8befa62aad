import type { Db } from "../common/db";
import { migrate } from "../common/db";

/**
 * The consumer side's write-ahead log of exchanges (issue 16): the signed request is stored here, committed, BEFORE
 * the provider's gateway is called, and the intent is closed before any data reaches the caller: deleted in the
 * transaction that commits the consumer receipt settling it, which carries the request, its signature and everything
 * the intent held but the params. So the table holds only the exchanges in flight (an intent was ~1.8 KB, more than
 * three times the receipt, and its random key's index grew with every fetch). An intent still open at start is an
 * exchange a crash interrupted: the gateway completes it then. The identity number of the subject is never stored:
 * only what was signed, and the params, kept no longer than the exchange.
 */
export interface OpenIntent {
  requestId: string;
  /** The department key the request was made for (the signer of this gateway that signed it). */
  departmentKey: string;
  /** The signed ExchangeRequest, as JSON. */
  request: unknown;
  signature: string;
  /** The provider department the request was sent to. */
  provider: string;
  /** Everything needed to write the closing receipt without the original call (grant, agreement, resource, …). */
  context: unknown;
  params: unknown;
  createdMs: number;
}

interface Row {
  request_id: string;
  department_key: string;
  request_json: string;
  signature: string;
  provider: string;
  context_json: string;
  params_json: string;
  created_ms: number;
}

const MIGRATIONS = [
  `CREATE TABLE exchange_intents (
     request_id TEXT PRIMARY KEY,
     department_key TEXT NOT NULL,
     request_json TEXT NOT NULL,
     signature TEXT NOT NULL,
     provider TEXT NOT NULL,
     context_json TEXT NOT NULL,
     params_json TEXT NOT NULL,
     created_ms INTEGER NOT NULL,
     closed_ms INTEGER,
     receipt_id TEXT)`,
  `CREATE INDEX exchange_intents_open ON exchange_intents (closed_ms) WHERE closed_ms IS NULL`,
  // Closed intents are no longer kept (their receipts hold what they did): the ones left by earlier releases go.
  `DELETE FROM exchange_intents WHERE closed_ms IS NOT NULL;
   DROP INDEX exchange_intents_open;
   ALTER TABLE exchange_intents DROP COLUMN closed_ms;
   ALTER TABLE exchange_intents DROP COLUMN receipt_id`,
];

/** The schema's statements in order (version i + 1 is statement i): tests build a database of an earlier release. */
export const INTENT_MIGRATIONS: readonly string[] = MIGRATIONS;

export class IntentStore {
  private readonly insertStatement;
  private readonly closeStatement;

  constructor(private readonly db: Db) {
    migrate(db, "exchange_intents", MIGRATIONS);
    this.insertStatement = db.prepare(
      `INSERT INTO exchange_intents
         (request_id, department_key, request_json, signature, provider, context_json, params_json, created_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.closeStatement = db.prepare(`DELETE FROM exchange_intents WHERE request_id = ?`);
  }

  /**
   * Stores the intent: durable when this returns outside a transaction; inside one (the receipts' group commit),
   * when that commits.
   */
  open(intent: OpenIntent): void {
    this.insertStatement.run(
      intent.requestId,
      intent.departmentKey,
      JSON.stringify(intent.request),
      intent.signature,
      intent.provider,
      JSON.stringify(intent.context),
      JSON.stringify(intent.params ?? null),
      intent.createdMs,
    );
  }

  /**
   * Closes the intent: call it in the transaction of the consumer receipt that settles it (never one without the
   * other). False when it was not open.
   */
  close(requestId: string): boolean {
    return this.closeStatement.run(requestId).changes === 1;
  }

  /** Every open intent (every one stored), oldest first. */
  listOpen(): OpenIntent[] {
    return (this.db.prepare(`SELECT * FROM exchange_intents ORDER BY created_ms, request_id`).all() as Row[]).map(
      (r) => ({
        requestId: r.request_id,
        departmentKey: r.department_key,
        request: JSON.parse(r.request_json) as unknown,
        signature: r.signature,
        provider: r.provider,
        context: JSON.parse(r.context_json) as unknown,
        params: JSON.parse(r.params_json) as unknown,
        createdMs: r.created_ms,
      }),
    );
  }
}
