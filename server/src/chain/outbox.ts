import type Database from "better-sqlite3";
import type { JsonObject, JsonValue } from "../common/indexed-event";
import type { DecodedRevert } from "./revert";

export type OutboxStatus = "queued" | "signed" | "sent" | "mined" | "reverted" | "failed";

/** Statuses of a row that still has work to do (the rest are final). */
const PENDING_STATUSES: readonly OutboxStatus[] = ["queued", "signed", "sent"];

export interface ReceiptLog {
  address: string;
  topics: string[];
  data: string;
  logIndex: number;
}

/** One transaction intent and everything known about its fate. */
export interface OutboxRow {
  id: number;
  key: string;
  sender: string;
  /** Genesis hash of the chain the row was accepted for. */
  genesis: string;
  /** Null only when the row was refused before it consumed a nonce. */
  nonce: number | null;
  to: string;
  data: string;
  gasLimit: bigint | null;
  dedupeKey: string | null;
  meta: JsonObject;
  status: OutboxStatus;
  txHash: string | null;
  attempts: number;
  blockNumber: number | null;
  blockHash: string | null;
  gasUsed: bigint | null;
  logs: ReceiptLog[];
  revertData: string | null;
  revert: DecodedRevert | null;
  /** Why the row failed or what last went wrong while sending it (stable code first, e.g. `insufficient_funds: …`). */
  error: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
}

export interface StoredRow extends OutboxRow {
  rawTx: string | null;
}

/**
 * A row without its payloads: what the sender follows a sent row by (nonce, hash, status). Read on every receipt
 * poll, where a consents batch's ~300 kB of calldata and signed bytes would be read and decoded for nothing.
 */
export type RowHead = Omit<StoredRow, "data" | "rawTx">;

export interface Finalization {
  status: "mined" | "reverted";
  blockNumber: number;
  blockHash: string;
  gasUsed: bigint;
  logs: ReceiptLog[];
  revertData: string | null;
  revert: DecodedRevert | null;
}

interface HeadRecord {
  id: number;
  genesis: string;
  key: string;
  sender: string;
  nonce: number | null;
  to_address: string;
  gas_limit: string | null;
  dedupe_key: string | null;
  meta_json: string;
  status: OutboxStatus;
  tx_hash: string | null;
  attempts: number;
  block_number: number | null;
  block_hash: string | null;
  gas_used: string | null;
  logs_json: string | null;
  revert_data: string | null;
  error_name: string | null;
  error_args_json: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

interface RowRecord extends HeadRecord {
  data: Buffer;
  raw_tx: Buffer | null;
}

export interface NewIntent {
  genesis: string;
  key: string;
  sender: string;
  to: string;
  data: string;
  gasLimit: bigint | null;
  dedupeKey: string | null;
  meta: Record<string, JsonValue>;
}

const PENDING_SQL = "('queued', 'signed', 'sent')";

/**
 * A row with its payloads. The payloads live in tables of their own (schema.ts), written once each, so that a status
 * update rewrites only the small `outbox` row.
 */
const SELECT_ROW = `SELECT outbox.*, outbox_calldata.data AS data, outbox_signed.raw_tx AS raw_tx FROM outbox
  JOIN outbox_calldata ON outbox_calldata.outbox_id = outbox.id
  LEFT JOIN outbox_signed ON outbox_signed.outbox_id = outbox.id`;

/**
 * The outbox tables (`outbox`, its payloads `outbox_calldata` and `outbox_signed`, `outbox_nonces`, `chain_meta`).
 * Every method is one synchronous SQLite step.
 */
export class OutboxStore {
  /** Statements prepared once: the sender runs the same few on every batch. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  getMeta(name: string): string | null {
    const row = this.sql("SELECT value FROM chain_meta WHERE name = ?").get(name) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setMeta(name: string, value: string | null): void {
    if (value === null) {
      this.sql("DELETE FROM chain_meta WHERE name = ?").run(name);
    } else {
      this.sql(
        "INSERT INTO chain_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      ).run(name, value);
    }
  }

  nextNonce(genesis: string, sender: string): number | null {
    const row = this.sql("SELECT next_nonce FROM outbox_nonces WHERE genesis = ? AND sender = ?").get(
      genesis,
      sender,
    ) as { next_nonce: number } | undefined;
    return row?.next_nonce ?? null;
  }

  /**
   * Persists an intent with the sender's next nonce and advances the counter, atomically. Returns null when the
   * sender's nonce is not known yet (never synchronised with this chain).
   */
  insert(intent: NewIntent, now: number): number | null {
    const run = this.db.transaction((): number | null => {
      const nonce = this.nextNonce(intent.genesis, intent.sender);
      if (nonce === null) {
        return null;
      }
      const result = this.sql(
        `INSERT INTO outbox (genesis, key, sender, nonce, to_address, gas_limit, dedupe_key, meta_json, status,
           created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
      ).run(
        intent.genesis,
        intent.key,
        intent.sender,
        nonce,
        intent.to,
        intent.gasLimit === null ? null : intent.gasLimit.toString(),
        intent.dedupeKey,
        JSON.stringify(intent.meta),
        now,
        now,
      );
      const id = Number(result.lastInsertRowid);
      this.sql("INSERT INTO outbox_calldata (outbox_id, data) VALUES (?, ?)").run(id, bytesOf(intent.data, "calldata"));
      this.setNextNonce(intent.genesis, intent.sender, nonce + 1);
      return id;
    });
    return run.immediate();
  }

  get(id: number): StoredRow | undefined {
    const record = this.sql(`${SELECT_ROW} WHERE outbox.id = ?`).get(id) as RowRecord | undefined;
    return record && toRow(record);
  }

  findByDedupeKey(dedupeKey: string): StoredRow | undefined {
    const record = this.sql(`${SELECT_ROW} WHERE outbox.dedupe_key = ?`).get(dedupeKey) as RowRecord | undefined;
    return record && toRow(record);
  }

  pendingCount(key?: string): number {
    const row = (
      key === undefined
        ? this.sql(`SELECT COUNT(*) AS n FROM outbox WHERE status IN ${PENDING_SQL}`).get()
        : this.sql(`SELECT COUNT(*) AS n FROM outbox WHERE status IN ${PENDING_SQL} AND key = ?`).get(key)
    ) as { n: number };
    return row.n;
  }

  /** Pending rows of one sender on one chain, in nonce order, without their payloads. */
  pendingRows(genesis: string, sender: string, statuses: readonly OutboxStatus[] = PENDING_STATUSES): RowHead[] {
    const placeholders = statuses.map(() => "?").join(", ");
    const records = this.sql(
      `SELECT * FROM outbox WHERE genesis = ? AND sender = ? AND status IN (${placeholders}) ORDER BY nonce LIMIT 1000`,
    ).all(genesis, sender, ...statuses) as HeadRecord[];
    return records.map(toHead);
  }

  /** A row's calldata (to replay a reverted call), or null for an unknown row. */
  calldata(id: number): string | null {
    const bytes = this.sql("SELECT data FROM outbox_calldata WHERE outbox_id = ?").get(id) as
      { data: Buffer } | undefined;
    return bytes === undefined ? null : hexOf(bytes.data);
  }

  /** Ids of every pending row, whatever its chain. */
  pendingIds(): number[] {
    return (this.sql(`SELECT id FROM outbox WHERE status IN ${PENDING_SQL}`).all() as { id: number }[]).map(
      (r) => r.id,
    );
  }

  /** True when the sender has rows not yet accepted by the node (whatever their chain). */
  hasUnsent(sender: string): boolean {
    return (
      this.sql("SELECT 1 FROM outbox WHERE sender = ? AND status IN ('queued', 'signed') LIMIT 1").get(sender) !==
      undefined
    );
  }

  /** The row to sign or (re)broadcast next: the lowest nonce not yet accepted by the node. */
  nextToSend(genesis: string, sender: string): StoredRow | undefined {
    const record = this.sql(
      `${SELECT_ROW} WHERE outbox.genesis = ? AND outbox.sender = ? AND outbox.status IN ('queued', 'signed')
         ORDER BY outbox.nonce LIMIT 1`,
    ).get(genesis, sender) as RowRecord | undefined;
    return record && toRow(record);
  }

  /** Stores the signed transaction (once, in `outbox_signed`) and marks the row signed, in one transaction. */
  markSigned(id: number, rawTx: string, txHash: string, now: number): void {
    this.db.transaction(() => {
      const { changes } = this.sql(
        `UPDATE outbox SET status = 'signed', tx_hash = ?, attempts = attempts + 1, updated_at = ?
         WHERE id = ? AND status = 'queued'`,
      ).run(txHash, now, id);
      if (changes === 1) {
        this.sql("INSERT OR REPLACE INTO outbox_signed (outbox_id, raw_tx) VALUES (?, ?)").run(
          id,
          bytesOf(rawTx, "signed transaction"),
        );
      }
    })();
  }

  markSent(id: number, now: number): void {
    this.sql(
      `UPDATE outbox SET status = 'sent', sent_at = ?, updated_at = ?, error = NULL WHERE id = ? AND status = 'signed'`,
    ).run(now, now, id);
  }

  /** Sent rows go back to `signed` so that they are broadcast again, in nonce order, with the same signed bytes. */
  markForRebroadcast(ids: readonly number[], now: number): void {
    const update = this.sql(`UPDATE outbox SET status = 'signed', updated_at = ? WHERE id = ? AND status = 'sent'`);
    this.db.transaction(() => ids.forEach((id) => update.run(now, id)))();
  }

  noteError(id: number, error: string, now: number): void {
    this.sql("UPDATE outbox SET error = ?, updated_at = ? WHERE id = ?").run(error, now, id);
  }

  /** Records the receipt; the signed transaction is no longer needed (a final row is never sent again). */
  finalize(id: number, outcome: Finalization, now: number): void {
    this.db.transaction(() => {
      const { changes } = this.sql(
        `UPDATE outbox SET status = ?, block_number = ?, block_hash = ?, gas_used = ?, logs_json = ?, revert_data = ?,
           error_name = ?, error_args_json = ?, error = NULL, updated_at = ?
         WHERE id = ? AND status IN ${PENDING_SQL}`,
      ).run(
        outcome.status,
        outcome.blockNumber,
        outcome.blockHash,
        outcome.gasUsed.toString(),
        JSON.stringify(outcome.logs),
        outcome.revertData,
        outcome.revert?.errorName ?? null,
        outcome.revert ? JSON.stringify(outcome.revert) : null,
        now,
        id,
      );
      if (changes === 1) this.forgetSigned(id);
    })();
  }

  /** Deletes a row's signed transaction: the row is final, or its nonce was given up and it will be signed afresh. */
  private forgetSigned(id: number): void {
    this.sql("DELETE FROM outbox_signed WHERE outbox_id = ?").run(id);
  }

  /**
   * Ends a row that never consumed its nonce (refused before or by the node) and gives its nonce to the queued rows
   * behind it, so the sender's sequence stays gapless. Only for a row with no accepted row above it.
   */
  releaseNonce(
    id: number,
    outcome: {
      status: "reverted" | "failed";
      revertData: string | null;
      revert: DecodedRevert | null;
      error: string | null;
    },
    now: number,
  ): void {
    this.db.transaction(() => {
      const row = this.get(id);
      if (!row || row.nonce === null) {
        return;
      }
      this.sql(
        `UPDATE outbox SET status = ?, nonce = NULL, revert_data = ?, error_name = ?, error_args_json = ?,
             error = ?, updated_at = ? WHERE id = ?`,
      ).run(
        outcome.status,
        outcome.revertData,
        outcome.revert?.errorName ?? null,
        outcome.revert ? JSON.stringify(outcome.revert) : null,
        outcome.error,
        now,
        id,
      );
      this.forgetSigned(id);
      this.renumberQueued(row.genesis, row.sender, row.nonce, now);
    })();
  }

  /** True when some row of the sender at or above `nonce` may already be known to the node. */
  hasAcceptedAtOrAbove(genesis: string, sender: string, nonce: number, exceptId: number): boolean {
    const row = this.sql(
      `SELECT COUNT(*) AS n FROM outbox WHERE genesis = ? AND sender = ? AND status IN ('signed', 'sent')
           AND nonce >= ? AND id != ?`,
    ).get(genesis, sender, nonce, exceptId) as { n: number };
    return row.n > 0;
  }

  /**
   * A signed row whose nonce the chain consumed with another transaction can never be mined: it becomes queued again
   * and will get a fresh nonce from `renumberQueued`.
   */
  requeue(id: number, reason: string, now: number): void {
    this.db.transaction(() => {
      const { changes } = this.sql(
        `UPDATE outbox SET status = 'queued', nonce = -id, tx_hash = NULL, sent_at = NULL, error = ?,
           updated_at = ? WHERE id = ? AND status IN ('signed', 'sent')`,
      ).run(reason, now, id);
      if (changes === 1) this.forgetSigned(id);
    })();
  }

  /**
   * Gives the sender's queued (never signed) rows consecutive nonces from `floor`, oldest nonce first, and sets the
   * counter after them. Callers guarantee that no signed or sent row holds a nonce >= floor.
   */
  renumberQueued(genesis: string, sender: string, floor: number, now: number): void {
    this.db.transaction(() => {
      const queued = this.sql(
        `SELECT id FROM outbox WHERE genesis = ? AND sender = ? AND status = 'queued' ORDER BY nonce, id`,
      ).all(genesis, sender) as { id: number }[];
      // Two passes so that the unique (genesis, sender, nonce) index never sees two rows with one nonce.
      const park = this.sql("UPDATE outbox SET nonce = -id WHERE id = ?");
      const assign = this.sql("UPDATE outbox SET nonce = ?, updated_at = ? WHERE id = ? AND nonce != ?");
      queued.forEach(({ id }) => park.run(id));
      queued.forEach(({ id }, i) => assign.run(floor + i, now, id, floor + i));
      this.setNextNonce(genesis, sender, floor + queued.length);
    })();
  }

  /** Ends every pending row of a chain that is no longer served (after an operator adopted a new chain). */
  abandonChain(genesis: string, reason: string, now: number): number[] {
    return this.db.transaction(() => {
      const ids = (
        this.sql(`SELECT id FROM outbox WHERE genesis = ? AND status IN ${PENDING_SQL}`).all(genesis) as {
          id: number;
        }[]
      ).map((r) => r.id);
      this.sql(
        `UPDATE outbox SET status = 'failed', error = ?, updated_at = ? WHERE genesis = ? AND status IN ${PENDING_SQL}`,
      ).run(reason, now, genesis);
      ids.forEach((id) => this.forgetSigned(id));
      return ids;
    })();
  }

  private setNextNonce(genesis: string, sender: string, nextNonce: number): void {
    this.sql(
      `INSERT INTO outbox_nonces (genesis, sender, next_nonce) VALUES (?, ?, ?)
         ON CONFLICT (genesis, sender) DO UPDATE SET next_nonce = excluded.next_nonce`,
    ).run(genesis, sender, nextNonce);
  }

  /** Sets the counter to at least `nonce` (used when the sender is first synchronised with a chain). */
  raiseNextNonce(genesis: string, sender: string, nonce: number): void {
    const current = this.nextNonce(genesis, sender);
    if (current === null || current < nonce) {
      this.setNextNonce(genesis, sender, nonce);
    }
  }
}

function toRow(r: RowRecord): StoredRow {
  return { ...toHead(r), data: hexOf(r.data), rawTx: r.raw_tx === null ? null : hexOf(r.raw_tx) };
}

function toHead(r: HeadRecord): RowHead {
  const revert = r.error_args_json === null ? null : (JSON.parse(r.error_args_json) as DecodedRevert);
  return {
    id: r.id,
    key: r.key,
    sender: r.sender,
    genesis: r.genesis,
    nonce: r.nonce,
    to: r.to_address,
    gasLimit: r.gas_limit === null ? null : BigInt(r.gas_limit),
    dedupeKey: r.dedupe_key,
    meta: JSON.parse(r.meta_json) as JsonObject,
    status: r.status,
    txHash: r.tx_hash,
    attempts: r.attempts,
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    gasUsed: r.gas_used === null ? null : BigInt(r.gas_used),
    logs: r.logs_json === null ? [] : (JSON.parse(r.logs_json) as ReceiptLog[]),
    revertData: r.revert_data,
    revert,
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    sentAt: r.sent_at,
  };
}

/** The payloads are stored as bytes; a value that is not whole bytes of hex could never be signed or sent. */
function bytesOf(hex: string, what: string): Buffer {
  // Buffer.from stops at the first pair that is not hex: a shorter result means the text was not all hex.
  const bytes = hex.startsWith("0x") && hex.length % 2 === 0 ? Buffer.from(hex.slice(2), "hex") : null;
  if (bytes === null || bytes.length * 2 !== hex.length - 2) {
    throw new TypeError(`${what} must be 0x-prefixed hex of whole bytes`);
  }
  return bytes;
}

/** Lower-case `0x` hex, as the payloads were written (calldata lower-cased on submit, signed bytes as serialised). */
function hexOf(bytes: Buffer): string {
  return `0x${bytes.toString("hex")}`;
}
