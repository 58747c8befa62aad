import type { ExchangeRequest, ExchangeResponse } from "../../../core/exchange";
import { buildBatch, type Receipt } from "../../../core/receipt";
import type { Db } from "../common/db";
import { migrate } from "../common/db";
import { packReceiptJson, packReceiptRecord, unpackReceiptRecord } from "./receipt-record";

/** Which side of a federated exchange wrote the receipt (docs/FEDERATION.md §1). */
type ExchangeRole = "consumer" | "provider";

/** Both signed messages of an exchange as one side kept them: the evidence beside a federated receipt. */
interface ExchangeEvidence {
  request: ExchangeRequest;
  requestSignature: string;
  response?: ExchangeResponse;
  responseSignature?: string;
}

/**
 * What a federated receipt carries beside its frozen leaf fields: the exchange's `requestId`, the writer's role and the
 * signed messages. Absent on pre-federation receipts.
 */
export interface ReceiptEnvelope {
  requestId: string;
  role: ExchangeRole;
  exchange: ExchangeEvidence;
}

/** A receipt as stored: the receipt itself (its JSON is the evidence), its leaf and where it stands in anchoring. */
export interface StoredReceipt {
  receipt: Receipt;
  leaf: string;
  /** The exchange envelope of a federated receipt; null on a pre-federation one. */
  envelope: ReceiptEnvelope | null;
  /** Wall-clock milliseconds when the gateway committed it (the anchoring lag is measured from here). */
  createdMs: number;
  batchSequence: number | null;
  /** Its Merkle proof once in a batch; null before, and in a listing (only `get` reads it). */
  proof: string[] | null;
}

type BatchStatus = "pending" | "anchored";

/**
 * A batch AccessLedger anchored for a department this gateway anchors, which this database does not hold (`localRoot`
 * null) or holds with another root. New receipts of the department would take sequence numbers the chain has already
 * anchored, so its fetches and exchanges fail closed while one is recorded (docs/RELIABILITY.md, "Backups").
 */
export interface ReceiptDivergence {
  department: string;
  batchSequence: number;
  chainRoot: string;
  localRoot: string | null;
  txHash: string;
  blockNumber: number;
  detectedMs: number;
}

/**
 * A loss the department's admin declared on chain (AccessLedger `ReceiptsDeclaredLost`): its batches `firstBatch`
 * through `lastBatch` (receipts `firstSequence` through `lastSequence`) are gone from this database for good. Numbering
 * goes on after `lastSequence`, the next receipt with a zero prevHash, and the next batch names `lastRoot`.
 */
export interface ReceiptLoss {
  department: string;
  firstBatch: number;
  lastBatch: number;
  firstSequence: number;
  lastSequence: number;
  /** The root of batch `lastBatch`, as the chain anchored it. */
  lastRoot: string;
  reasonHash: string;
  admin: string;
  txHash: string;
  blockNumber: number;
}

interface LossRecord {
  department: string;
  first_batch: number;
  last_batch: number;
  first_sequence: number;
  last_sequence: number;
  last_root: string;
  reason_hash: string;
  admin: string;
  tx_hash: string;
  block_number: number;
}

/** Where a department's next batch goes on from: its last batch, held here or declared lost. */
export interface BatchTail {
  sequence: number;
  root: string;
  lastSequence: number;
}

const ZERO_ROOT = "0x" + "00".repeat(32);

/** The batch sequence of a receipt whose batch its department declared lost: it is kept, and can no longer be proved. */
export const LOST_BATCH = 0;

interface DivergenceRecord {
  department: string;
  batch_sequence: number;
  chain_root: string;
  local_root: string | null;
  tx_hash: string;
  block_number: number;
  detected_ms: number;
}

export interface StoredBatch {
  department: string;
  sequence: number;
  root: string;
  receiptCount: number;
  firstSequence: number;
  lastSequence: number;
  previousRoot: string;
  status: BatchStatus;
  /** How many anchoring transactions were tried (a reverted one is retried under a new outbox dedupe key). */
  attempts: number;
  txHash: string | null;
  blockNumber: number | null;
  createdMs: number;
  anchoredMs: number | null;
  lastError: string | null;
}

export interface NewBatch {
  department: string;
  sequence: number;
  root: string;
  previousRoot: string;
  firstSequence: number;
  lastSequence: number;
  /** The Merkle proof of each receipt of the batch, in sequence order from `firstSequence`. */
  proofs: ReadonlyArray<readonly string[]>;
  createdMs: number;
}

/** Where a listing stopped: the last receipt of a page, in the listing's order (time, department, sequence). */
export interface ReceiptCursor {
  time: number;
  department: string;
  sequence: number;
}

export interface ReceiptQuery {
  /** Only receipts where this department is the requester or the provider; all when null (auditors). */
  visibleTo: string | null;
  subjectRef?: string;
  agreementId?: string;
  /** Unix seconds: receipts at or after it. */
  since?: number;
  /** Only receipts after this one (the next page): a seek in the index, however deep the page. */
  after?: ReceiptCursor;
  limit: number;
}

export interface DeliveredCount {
  grantId: string;
  agreementId: string;
  time: number;
}

/** A 32-byte id as a key column holds it (`keyOf`), or a value no receipt has, as it was given (a query's). */
type Key = Buffer | string;

interface ReceiptRecord {
  /** The row's 32-byte keys and its record end to end (`ROW_KEYS`). */
  row: Buffer;
  role: ExchangeRole | null;
  created_ms: number;
  batch_sequence: number | null;
}

interface BatchRecord {
  department: string;
  sequence: number;
  root: string;
  receipt_count: number;
  first_sequence: number;
  last_sequence: number;
  previous_root: string;
  status: BatchStatus;
  attempts: number;
  tx_hash: string | null;
  block_number: number | null;
  created_ms: number;
  anchored_ms: number | null;
  last_error: string | null;
}

interface AnchorEvent {
  contract: string;
  name: string;
  args: Record<string, unknown>;
  txHash: string;
  blockNumber: number;
}

const MIGRATIONS = [
  `CREATE TABLE receipts (
     department TEXT NOT NULL, sequence INTEGER NOT NULL, id TEXT NOT NULL UNIQUE,
     time INTEGER NOT NULL, created_ms INTEGER NOT NULL,
     grant_id TEXT NOT NULL, agreement_id TEXT NOT NULL, provider TEXT NOT NULL, subject_ref TEXT NOT NULL,
     result TEXT NOT NULL, leaf TEXT NOT NULL, body TEXT NOT NULL,
     batch_sequence INTEGER, proof TEXT,
     PRIMARY KEY (department, sequence)) WITHOUT ROWID`,
  `CREATE INDEX receipts_unbatched ON receipts (department, sequence) WHERE batch_sequence IS NULL`,
  `CREATE INDEX receipts_subject ON receipts (subject_ref, time)`,
  `CREATE INDEX receipts_agreement ON receipts (agreement_id, time)`,
  `CREATE INDEX receipts_provider ON receipts (provider, time)`,
  `CREATE INDEX receipts_time ON receipts (time)`,
  `CREATE TABLE receipt_batches (
     department TEXT NOT NULL, sequence INTEGER NOT NULL, root TEXT NOT NULL, receipt_count INTEGER NOT NULL,
     first_sequence INTEGER NOT NULL, last_sequence INTEGER NOT NULL, previous_root TEXT NOT NULL,
     status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, tx_hash TEXT, block_number INTEGER,
     created_ms INTEGER NOT NULL, anchored_ms INTEGER, last_error TEXT,
     PRIMARY KEY (department, sequence))`,
  // Federation: the exchange envelope, kept beside the frozen receipt body (NULL on pre-federation receipts).
  `ALTER TABLE receipts ADD COLUMN request_id TEXT`,
  `ALTER TABLE receipts ADD COLUMN role TEXT`,
  `ALTER TABLE receipts ADD COLUMN exchange TEXT`,
  `CREATE INDEX receipts_request_id ON receipts (request_id) WHERE request_id IS NOT NULL`,
  // The anchorer asks for a department's first pending batch on every pass: without it, a walk over every batch
  // ever anchored (ten thousand at 10^7 receipts), several times a second.
  `CREATE INDEX receipt_batches_pending ON receipt_batches (department, sequence) WHERE status = 'pending'`,
  // Each receipt's proof as its 32-byte nodes end to end (~320 bytes) instead of JSON (~700): set when its batch is
  // cut. Receipts batched before keep their JSON proof. (One tree per batch would be smaller still, but a lookup then
  // reads a 64 KiB blob, which SQLite reads from the file an overflow page at a time, past its cache: 90 µs more.)
  `ALTER TABLE receipts ADD COLUMN proof_nodes BLOB`,
  // The table rebuilt with rowids. Without them, the table is a B-tree keyed by (department, sequence) whose inner
  // pages hold whole rows (~3 KB with the envelope: five to a 16 KiB page), so it was seven pages deep at 10^5 receipts
  // and every lookup by id, by index or by key walked them all; with rowids its inner pages hold 8-byte keys (three
  // deep at 10^7) and the key (department, sequence) becomes a small index of its own. Every index of the table is
  // built again with it; the listing's carry the key, which an index of a table without rowid held implicitly, so a
  // page is still read in the listing's order (time, department, sequence). docs/BENCHMARKS.md, the receipt store at
  // 10^4–10^7.
  `CREATE TABLE receipts_with_rowid (
     department TEXT NOT NULL, sequence INTEGER NOT NULL, id TEXT NOT NULL UNIQUE,
     time INTEGER NOT NULL, created_ms INTEGER NOT NULL,
     grant_id TEXT NOT NULL, agreement_id TEXT NOT NULL, provider TEXT NOT NULL, subject_ref TEXT NOT NULL,
     result TEXT NOT NULL, leaf TEXT NOT NULL, body TEXT NOT NULL,
     batch_sequence INTEGER, proof TEXT, request_id TEXT, role TEXT, exchange TEXT, proof_nodes BLOB,
     PRIMARY KEY (department, sequence));
   INSERT INTO receipts_with_rowid (department, sequence, id, time, created_ms, grant_id, agreement_id, provider,
       subject_ref, result, leaf, body, batch_sequence, proof, request_id, role, exchange, proof_nodes)
     SELECT department, sequence, id, time, created_ms, grant_id, agreement_id, provider, subject_ref, result, leaf,
       body, batch_sequence, proof, request_id, role, exchange, proof_nodes
     FROM receipts ORDER BY department, sequence;
   DROP TABLE receipts;
   ALTER TABLE receipts_with_rowid RENAME TO receipts;
   CREATE INDEX receipts_unbatched ON receipts (department, sequence) WHERE batch_sequence IS NULL;
   CREATE INDEX receipts_subject ON receipts (subject_ref, time, department, sequence);
   CREATE INDEX receipts_agreement ON receipts (agreement_id, time, department, sequence);
   CREATE INDEX receipts_provider ON receipts (provider, time, department, sequence);
   CREATE INDEX receipts_time ON receipts (time, department, sequence);
   CREATE INDEX receipts_request_id ON receipts (request_id) WHERE request_id IS NOT NULL`,
  // Compact rows (issue 17): 4.2 KB a receipt at 10^5, so 40 GiB at 10^7, more than the page cache holds, and a proof
  // lookup went to the disk. The receipt's JSON and its envelope's become one packed record (./receipt-record.ts:
  // 2,241 bytes to about 500), the key columns hold 32-byte ids as their bytes instead of 66 characters of hex, and
  // what no query asks for goes: the index by provider (the listing reads `+provider` so as to walk its time index in
  // order) and the request id's column and index (its value is in the record). A row is read as its keys and record
  // end to end, one value (`ROW_KEYS`): better-sqlite3 makes a Buffer of every BLOB it returns, which cost more than
  // the JSON parsing this saves. `receipt_key` and `receipt_record` are the store's own functions (registered on the
  // connection before it migrates), so an old row is packed exactly as a new one. Old receipts keep their JSON proof.
  // Bytes a receipt at 10^5, before → after: docs/BENCHMARKS.md, the receipt store.
  `CREATE TABLE receipts_compact (
     department BLOB NOT NULL, sequence INTEGER NOT NULL, id BLOB NOT NULL UNIQUE,
     time INTEGER NOT NULL, created_ms INTEGER NOT NULL,
     grant_id TEXT NOT NULL, agreement_id TEXT NOT NULL, provider BLOB NOT NULL, subject_ref BLOB NOT NULL,
     result TEXT NOT NULL, leaf BLOB NOT NULL, batch_sequence INTEGER, role TEXT,
     record BLOB NOT NULL, proof_nodes BLOB, proof TEXT,
     PRIMARY KEY (department, sequence));
   INSERT INTO receipts_compact (department, sequence, id, time, created_ms, grant_id, agreement_id, provider,
       subject_ref, result, leaf, batch_sequence, role, record, proof_nodes, proof)
     SELECT receipt_key(department), sequence, receipt_key(id), time, created_ms, grant_id, agreement_id,
       receipt_key(provider), receipt_key(subject_ref), result, receipt_key(leaf), batch_sequence, role,
       receipt_record(body, exchange, request_id, department, id, provider, subject_ref), proof_nodes, proof
     FROM receipts ORDER BY rowid;
   DROP TABLE receipts;
   ALTER TABLE receipts_compact RENAME TO receipts;
   CREATE INDEX receipts_unbatched ON receipts (department, sequence) WHERE batch_sequence IS NULL;
   CREATE INDEX receipts_subject ON receipts (subject_ref, time, department, sequence);
   CREATE INDEX receipts_agreement ON receipts (agreement_id, time, department, sequence);
   CREATE INDEX receipts_time ON receipts (time, department, sequence)`,
  // A batch of a department this gateway anchors that AccessLedger holds and this database does not (or holds with
  // another root): the database is older than the chain, or another gateway anchors for the department.
  `CREATE TABLE receipt_divergences (
     department TEXT NOT NULL, batch_sequence INTEGER NOT NULL, chain_root TEXT NOT NULL, local_root TEXT,
     tx_hash TEXT NOT NULL, block_number INTEGER NOT NULL, detected_ms INTEGER NOT NULL,
     PRIMARY KEY (department, batch_sequence))`,
  // A loss of anchored receipts the department's admin declared on chain (ReceiptsDeclaredLost): numbering goes on
  // after it. Receipts of the lost range that this database still holds keep batch_sequence 0 (LOST_BATCH).
  `CREATE TABLE receipt_losses (
     department TEXT NOT NULL, first_batch INTEGER NOT NULL, last_batch INTEGER NOT NULL,
     first_sequence INTEGER NOT NULL, last_sequence INTEGER NOT NULL, last_root TEXT NOT NULL,
     reason_hash TEXT NOT NULL, admin TEXT NOT NULL, tx_hash TEXT NOT NULL, block_number INTEGER NOT NULL,
     PRIMARY KEY (department, first_batch))`,
] as const;

/** The schema's statements in order (version i + 1 is statement i): tests build a database of an earlier release. */
export const RECEIPT_MIGRATIONS: readonly string[] = MIGRATIONS;

/** The 32-byte keys a row's record refers to, then its leaf, then the record (`ReceiptRecord.row`). */
const ROW_KEYS = ["department", "id", "provider", "subject_ref", "leaf"] as const;
// `||` joins the BLOBs' bytes as they are (the database is UTF-8, so nothing is converted) into a TEXT value, which CAST
// makes a BLOB again.
const RECEIPT_COLUMNS = `CAST(${ROW_KEYS.join(" || ")} || record AS BLOB) AS row, role, created_ms, batch_sequence`;

/**
 * Access receipts and their anchoring batches (SQL only here). Receipts are inserted in groups, one transaction per
 * group, before any response that depends on them is sent; a batch is persisted together with its receipts' proofs
 * before its anchoring transaction is submitted, so a restart resumes it instead of building another.
 *
 * It is also a projection of AccessLedger's `BatchAnchored` events: a batch whose anchor was mined but not yet
 * recorded as such (a crash between the two) is marked anchored when the indexer sees the event.
 */
export class ReceiptStore {
  readonly fresh: boolean;
  private readonly insertReceipt;
  private readonly byId;
  private readonly markAnchoredStatement;
  private readonly batchRoot;
  private readonly insertDivergence;
  /** The departments whose batches this gateway anchors: only theirs can diverge. */
  private watched = new Set<string>();
  /** The first divergence of each department that has one (read at start, then kept with the table). */
  private readonly divergences = new Map<string, ReceiptDivergence>();
  /** The last declared loss of each department that has one (read at start, then kept with the table). */
  private readonly losses = new Map<string, ReceiptLoss>();

  constructor(private readonly db: Db) {
    // The migration to compact rows calls them on every row of the release before.
    db.function("receipt_key", { deterministic: true }, (value: unknown) => keyBytes(String(value)));
    db.function(
      "receipt_record",
      { deterministic: true, varargs: true },
      (body: unknown, exchange: unknown, requestId: unknown, ...keys: unknown[]) =>
        packReceiptJson(
          String(body),
          typeof exchange === "string" ? exchange : null,
          typeof requestId === "string" ? requestId : null,
          keys.map((key) => textOf(keyBytes(String(key)))),
        ),
    );
    this.fresh = migrate(db, "receipts", MIGRATIONS) > 0;
    this.insertReceipt = db.prepare(
      `INSERT INTO receipts (department, sequence, id, time, created_ms, grant_id, agreement_id, provider,
         subject_ref, result, leaf, record, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // The proof's nodes go in the same value, before the record (`proof_bytes` long).
    this.byId = db.prepare(
      `SELECT CAST(${ROW_KEYS.join(" || ")} || COALESCE(proof_nodes, x'') || record AS BLOB) AS row,
         length(proof_nodes) AS proof_bytes, proof, role, created_ms, batch_sequence FROM receipts WHERE id = ?`,
    );
    this.markAnchoredStatement = db.prepare(
      `UPDATE receipt_batches SET status = 'anchored', tx_hash = ?, block_number = ?, anchored_ms = ?, last_error = NULL
       WHERE department = ? AND sequence = ? AND root = ? AND status = 'pending'`,
    );
    this.batchRoot = db
      .prepare<[string, number], string>(`SELECT root FROM receipt_batches WHERE department = ? AND sequence = ?`)
      .pluck();
    this.insertDivergence = db.prepare(
      `INSERT OR IGNORE INTO receipt_divergences (department, batch_sequence, chain_root, local_root, tx_hash,
         block_number, detected_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const recorded = db
      .prepare<[], DivergenceRecord>(`SELECT * FROM receipt_divergences ORDER BY department, batch_sequence DESC`)
      .all();
    for (const row of recorded) this.divergences.set(row.department, divergenceFromRecord(row));
    const declared = db.prepare<[], LossRecord>(`SELECT * FROM receipt_losses ORDER BY department, last_batch`).all();
    for (const row of declared) this.losses.set(row.department, lossFromRecord(row));
  }

  /**
   * The departments whose receipts this gateway records and anchors (lower-case ids): an anchored batch of theirs that
   * this database does not hold is recorded as a divergence (`divergence`).
   */
  watch(departments: readonly string[]): void {
    this.watched = new Set(departments.map((d) => d.toLowerCase()));
  }

  /** The department's first recorded divergence from the chain, or null (read on every fetch: from memory). */
  divergence(department: string): ReceiptDivergence | null {
    return this.divergences.get(department.toLowerCase()) ?? null;
  }

  /** The department's last declared loss of anchored receipts, or null (read on every receipt: from memory). */
  loss(department: string): ReceiptLoss | null {
    return this.losses.get(department.toLowerCase()) ?? null;
  }

  /**
   * Inserts receipts in one transaction: all of them or none. `changes` (other stores' writes that must be durable
   * as soon as the receipts are: the intents of exchanges about to be sent) are written in the same transaction, each
   * inside its own savepoint: a change that throws is undone alone and its error is returned in its place (null for
   * the ones written), while the receipts and the other changes commit. Throws when the transaction cannot commit.
   */
  insertMany(
    rows: ReadonlyArray<{
      receipt: Receipt;
      leaf: string;
      createdMs: number;
      envelope?: ReceiptEnvelope | null;
      /** Written in the same transaction as the receipt (the provider's stored answer to an exchange). */
      alongside?: (() => void) | null;
    }>,
    changes: ReadonlyArray<() => void> = [],
  ): (unknown | null)[] {
    return this.db.transaction(() => {
      for (const { receipt: r, leaf, createdMs, envelope, alongside } of rows) {
        const department = keyBytes(r.department);
        const id = keyBytes(r.id);
        const provider = keyBytes(r.provider);
        const subjectRef = keyBytes(r.subjectRef);
        const exchange = envelope ? envelope.exchange : null;
        const record = packReceiptRecord(
          { receipt: r, exchange, requestId: envelope ? envelope.requestId.toLowerCase() : null },
          JSON.stringify(r),
          exchange === null ? null : JSON.stringify(exchange),
          // As `unpackRow` reads them back from the key columns (`keyBytes` has checked they are hex).
          [r.department, r.id, r.provider, r.subjectRef].map((key) => key.toLowerCase()),
        );
        this.insertReceipt.run(
          department,
          r.sequence,
          id,
          r.time,
          createdMs,
          r.grantId,
          r.agreementId,
          provider,
          subjectRef,
          r.result,
          keyBytes(leaf),
          record,
          envelope ? envelope.role : null,
        );
        alongside?.();
      }
      return changes.map((change) => {
        try {
          // Nested in the transaction, better-sqlite3 makes this a savepoint: rolled back alone when it throws.
          this.db.transaction(change)();
          return null;
        } catch (error) {
          return error;
        }
      });
    })();
  }

  /** The last receipt of a department: its sequence and leaf (the next receipt's prevHash), or null. */
  head(department: string): { sequence: number; leaf: string } | null {
    const row = this.db
      .prepare(`SELECT sequence, leaf FROM receipts WHERE department = ? ORDER BY sequence DESC LIMIT 1`)
      .get(keyOf(department)) as { sequence: number; leaf: Key } | undefined;
    return row === undefined ? null : { sequence: row.sequence, leaf: textOf(row.leaf as Buffer) };
  }

  /** A receipt with its proof (JSON for a receipt batched before the proofs were stored as bytes). */
  get(id: string): StoredReceipt | null {
    const row = this.byId.get(keyOf(id.toLowerCase())) as
      (ReceiptRecord & { proof: string | null; proof_bytes: number | null }) | undefined;
    if (row === undefined) return null;
    const nodesAt = ROW_KEYS.length * KEY_BYTES;
    const proof =
      row.proof_bytes !== null
        ? nodesOf(row.row, nodesAt, row.proof_bytes)
        : row.proof !== null
          ? (JSON.parse(row.proof) as string[])
          : null;
    return { ...fromRecord(row, row.proof_bytes ?? 0), proof };
  }

  list(query: ReceiptQuery): StoredReceipt[] {
    const where: string[] = [];
    const values: Array<Key | number> = [];
    if (query.visibleTo !== null) {
      // `+` keeps SQLite from answering the OR with two index searches merged and sorted (every receipt of the
      // department, sorted, for one page): the time index is walked in the listing's order instead, or the
      // subject's or agreement's index when the list is filtered by one.
      where.push(`(+department = ? OR +provider = ?)`);
      const visibleTo = keyOf(query.visibleTo);
      values.push(visibleTo, visibleTo);
    }
    if (query.subjectRef !== undefined) {
      where.push(`subject_ref = ?`);
      values.push(keyOf(query.subjectRef));
    }
    if (query.agreementId !== undefined) {
      where.push(`agreement_id = ?`);
      values.push(query.agreementId);
    }
    if (query.since !== undefined) {
      where.push(`time >= ?`);
      values.push(query.since);
    }
    if (query.after !== undefined) {
      where.push(`(time, department, sequence) > (?, ?, ?)`);
      values.push(query.after.time, keyOf(query.after.department), query.after.sequence);
    }
    const sql =
      `SELECT ${RECEIPT_COLUMNS} FROM receipts` +
      (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
      ` ORDER BY time, department, sequence LIMIT ?`;
    return (this.db.prepare(sql).all(...values, query.limit) as ReceiptRecord[]).map((r) => fromRecord(r));
  }

  /**
   * Delivered receipts at or after `since` (unix seconds), oldest first: what the quota counters are rebuilt from.
   * The consumer side's counters (`requester`) count this gateway's own fetches, never the provider receipts it wrote
   * answering other gateways; the provider's (`provider`) count exactly those.
   */
  deliveredSince(since: number, side: "requester" | "provider" = "requester"): DeliveredCount[] {
    const role = side === "provider" ? `role = 'provider'` : `role IS NOT 'provider'`;
    return (
      this.db
        .prepare(
          `SELECT grant_id, agreement_id, time FROM receipts WHERE result = 'delivered' AND time >= ? AND ${role}
           ORDER BY time`,
        )
        .all(since) as Array<{ grant_id: string; agreement_id: string; time: number }>
    ).map((r) => ({ grantId: r.grant_id, agreementId: r.agreement_id, time: r.time }));
  }

  /** Departments that have receipts. */
  departments(): string[] {
    return (this.db.prepare(`SELECT DISTINCT department FROM receipts`).all() as Array<{ department: Key }>).map((r) =>
      textOf(r.department),
    );
  }

  /**
   * The oldest receipts of a department not yet in a batch, in sequence order. Here and in `unbatchedSummary`, SQLite
   * left to itself searches the primary key by department and reads every receipt the department ever wrote (the
   * anchorer asks on every pass): `INDEXED BY` holds it to the index of receipts not yet in a batch.
   */
  unbatched(department: string, limit: number): Array<{ receipt: Receipt; createdMs: number }> {
    return (
      this.db
        .prepare(
          `SELECT ${RECEIPT_COLUMNS} FROM receipts INDEXED BY receipts_unbatched
           WHERE department = ? AND batch_sequence IS NULL ORDER BY sequence LIMIT ?`,
        )
        .all(keyOf(department), limit) as ReceiptRecord[]
    ).map((r) => ({ receipt: unpackRow(r).value.receipt as Receipt, createdMs: r.created_ms }));
  }

  /** How many receipts of the department wait for a batch, and since when (wall-clock ms of the oldest). */
  unbatchedSummary(department: string): { count: number; oldestMs: number | null } {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS count, MIN(created_ms) AS oldest FROM receipts INDEXED BY receipts_unbatched
         WHERE department = ? AND batch_sequence IS NULL`,
      )
      .get(keyOf(department)) as { count: number; oldest: number | null };
    return { count: row.count, oldestMs: row.oldest };
  }

  /**
   * The department's oldest receipt not yet anchored: when it was committed (wall-clock ms) and the time it carries
   * (unix seconds); null when all are anchored.
   */
  oldestUnanchored(department: string): { createdMs: number; time: number } | null {
    const through = this.anchoredThrough(department);
    const row = this.db
      .prepare(`SELECT created_ms, time FROM receipts WHERE department = ? AND sequence > ? ORDER BY sequence LIMIT 1`)
      .get(keyOf(department), through) as { created_ms: number; time: number } | undefined;
    return row === undefined ? null : { createdMs: row.created_ms, time: row.time };
  }

  /** The last receipt sequence of the department's anchored batches (0 before the first). */
  anchoredThrough(department: string): number {
    const row = this.db
      .prepare(
        `SELECT last_sequence FROM receipt_batches WHERE department = ? AND status = 'anchored'
         ORDER BY sequence DESC LIMIT 1`,
      )
      .get(department) as { last_sequence: number } | undefined;
    return Math.max(row?.last_sequence ?? 0, this.loss(department)?.lastSequence ?? 0);
  }

  /**
   * Where the department's next batch goes on from: its last batch here, or the last batch it declared lost when that
   * is later (the chain holds its root; this database does not hold the batch). Null before its first batch.
   */
  batchTail(department: string): BatchTail | null {
    const last = this.lastBatch(department);
    const loss = this.loss(department);
    if (loss !== null && (last === null || loss.lastBatch > last.sequence)) {
      return { sequence: loss.lastBatch, root: loss.lastRoot, lastSequence: loss.lastSequence };
    }
    return last === null ? null : { sequence: last.sequence, root: last.root, lastSequence: last.lastSequence };
  }

  /** The department's last batch (pending or anchored), or null before its first. */
  lastBatch(department: string): StoredBatch | null {
    const row = this.db
      .prepare(`SELECT * FROM receipt_batches WHERE department = ? ORDER BY sequence DESC LIMIT 1`)
      .get(department) as BatchRecord | undefined;
    return row ? batchFromRecord(row) : null;
  }

  /** The department's oldest batch still waiting for its anchor, or null. */
  firstPendingBatch(department: string): StoredBatch | null {
    const row = this.db
      .prepare(`SELECT * FROM receipt_batches WHERE department = ? AND status = 'pending' ORDER BY sequence LIMIT 1`)
      .get(department) as BatchRecord | undefined;
    return row ? batchFromRecord(row) : null;
  }

  batch(department: string, sequence: number): StoredBatch | null {
    const row = this.db
      .prepare(`SELECT * FROM receipt_batches WHERE department = ? AND sequence = ?`)
      .get(department, sequence) as BatchRecord | undefined;
    return row ? batchFromRecord(row) : null;
  }

  /**
   * Persists a batch and its receipts' proofs in one transaction, before its anchor is submitted. Throws (storing
   * nothing) unless every receipt of its range is stored and in no batch yet.
   */
  saveBatch(batch: NewBatch): void {
    const count = batch.lastSequence - batch.firstSequence + 1;
    if (batch.proofs.length !== count) {
      throw new Error(`a batch of ${count} receipts with ${batch.proofs.length} proofs`);
    }
    // By the primary key: the receipts of a batch are neighbours there (by id, each would be a seek anywhere).
    const setProof = this.db.prepare(
      `UPDATE receipts SET batch_sequence = ?, proof_nodes = ?
       WHERE department = ? AND sequence = ? AND batch_sequence IS NULL`,
    );
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO receipt_batches (department, sequence, root, receipt_count, first_sequence, last_sequence,
             previous_root, status, attempts, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)`,
        )
        .run(
          batch.department,
          batch.sequence,
          batch.root,
          count,
          batch.firstSequence,
          batch.lastSequence,
          batch.previousRoot,
          batch.createdMs,
        );
      batch.proofs.forEach((proof, i) => {
        const sequence = batch.firstSequence + i;
        if (setProof.run(batch.sequence, nodesBytes(proof), keyOf(batch.department), sequence).changes !== 1) {
          throw new Error(`receipt ${sequence} of ${batch.department} is missing or already in a batch`);
        }
      });
    })();
  }

  /** Counts an anchoring attempt that failed for good (a revert), so the next one uses a new dedupe key. */
  recordFailedAttempt(department: string, sequence: number, error: string): void {
    this.db
      .prepare(
        `UPDATE receipt_batches SET attempts = attempts + 1, last_error = ? WHERE department = ? AND sequence = ?`,
      )
      .run(error, department, sequence);
  }

  recordError(department: string, sequence: number, error: string): void {
    this.db
      .prepare(`UPDATE receipt_batches SET last_error = ? WHERE department = ? AND sequence = ?`)
      .run(error, department, sequence);
  }

  /** Marks a pending batch anchored (idempotent: a batch already anchored, or with another root, is left alone). */
  markAnchored(department: string, sequence: number, root: string, txHash: string, blockNumber: number): boolean {
    return (
      this.markAnchoredStatement.run(txHash, blockNumber, Date.now(), department, sequence, root.toLowerCase())
        .changes === 1
    );
  }

  /** Projection of AccessLedger events: a mined anchor marks its batch anchored. Runs in the indexer's transaction. */
  apply(events: readonly AnchorEvent[]): void {
    for (const e of events) {
      if (e.contract === "AccessLedger" && e.name === "ReceiptsDeclaredLost") this.applyLoss(e);
      if (e.contract !== "AccessLedger" || e.name !== "BatchAnchored") continue;
      const a = e.args;
      const department = String(a.departmentId).toLowerCase();
      const sequence = Number(a.batchSequence);
      const root = String(a.root).toLowerCase();
      if (this.markAnchored(department, sequence, root, e.txHash, e.blockNumber)) continue;
      if (!this.watched.has(department)) continue;
      const localRoot = this.batchRoot.get(department, sequence) ?? null;
      if (localRoot === root) continue;
      if (localRoot === null && this.adoptHeldBatch(department, sequence, root, e)) continue;
      const divergence: ReceiptDivergence = {
        department,
        batchSequence: sequence,
        chainRoot: root,
        localRoot,
        txHash: e.txHash,
        blockNumber: e.blockNumber,
        detectedMs: Date.now(),
      };
      this.insertDivergence.run(
        department,
        sequence,
        root,
        localRoot,
        divergence.txHash,
        divergence.blockNumber,
        divergence.detectedMs,
      );
      const known = this.divergences.get(department);
      if (known === undefined || known.batchSequence > sequence) this.divergences.set(department, divergence);
    }
  }

  /**
   * A batch of a department this gateway anchors that the chain holds and this database has not cut, although it holds
   * every receipt of it, unbatched (a copy taken after the receipts were committed and before their batch was cut):
   * the batch is cut again from them and kept, anchored, when its root is the chain's and it follows the last batch
   * held here. Then nothing of it was lost. True if adopted; anything else is a divergence.
   */
  private adoptHeldBatch(department: string, sequence: number, root: string, e: AnchorEvent): boolean {
    const first = Number(e.args.firstReceiptSequence);
    const last = Number(e.args.lastReceiptSequence);
    const previousRoot = String(e.args.previousRoot).toLowerCase();
    if (!(first >= 1 && last >= first) || this.divergences.has(department)) return false;
    const previous = this.batchTail(department);
    if ((previous?.sequence ?? 0) !== sequence - 1 || (previous?.lastSequence ?? 0) !== first - 1) return false;
    if ((previous?.root.toLowerCase() ?? ZERO_ROOT) !== previousRoot) return false;
    const held = this.db
      .prepare(
        `SELECT ${RECEIPT_COLUMNS} FROM receipts INDEXED BY receipts_unbatched
         WHERE department = ? AND batch_sequence IS NULL AND sequence BETWEEN ? AND ? ORDER BY sequence`,
      )
      .all(keyOf(department), first, last) as ReceiptRecord[];
    if (held.length !== last - first + 1) return false;
    const receipts = held.map((r) => unpackRow(r).value.receipt as Receipt);
    // Every stored receipt passed ReceiptSchema when it was recorded.
    const built = buildBatch(receipts, { checked: true });
    if (built.root.toLowerCase() !== root) return false;
    try {
      // A savepoint inside the indexer's transaction: undone alone if anything is amiss (then it is a divergence).
      this.db.transaction(() => {
        this.saveBatch({
          department,
          sequence,
          root: built.root,
          previousRoot,
          firstSequence: first,
          lastSequence: last,
          proofs: receipts.map((r) => built.proofs[r.id]),
          createdMs: Date.now(),
        });
        if (!this.markAnchored(department, sequence, root, e.txHash, e.blockNumber)) throw new Error("not adopted");
      })();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A loss the department's admin declared: the divergences it explains are resolved (the department anchors and
   * serves again), the receipts of the lost range still held here are marked as in a lost batch (kept, never batched),
   * and numbering goes on after the range. A loss of a department this gateway does not anchor concerns it not.
   */
  private applyLoss(e: AnchorEvent): void {
    const a = e.args;
    const department = String(a.departmentId).toLowerCase();
    if (!this.watched.has(department)) return;
    const firstBatch = Number(a.firstBatchSequence);
    const lastBatch = Number(a.lastBatchSequence);
    const lastRoot =
      this.batchRoot.get(department, lastBatch) ??
      (this.db
        .prepare(`SELECT chain_root FROM receipt_divergences WHERE department = ? AND batch_sequence = ?`)
        .pluck()
        .get(department, lastBatch) as string | undefined);
    // Every anchored batch of a watched department is held here or recorded as a divergence, with its root.
    if (lastRoot === undefined) return;
    const loss: ReceiptLoss = {
      department,
      firstBatch,
      lastBatch,
      firstSequence: Number(a.firstReceiptSequence),
      lastSequence: Number(a.lastReceiptSequence),
      lastRoot: lastRoot.toLowerCase(),
      reasonHash: String(a.reasonHash).toLowerCase(),
      admin: String(a.admin),
      txHash: e.txHash,
      blockNumber: e.blockNumber,
    };
    this.db
      .prepare(
        `INSERT OR REPLACE INTO receipt_losses (department, first_batch, last_batch, first_sequence, last_sequence,
           last_root, reason_hash, admin, tx_hash, block_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        department,
        firstBatch,
        lastBatch,
        loss.firstSequence,
        loss.lastSequence,
        loss.lastRoot,
        loss.reasonHash,
        loss.admin,
        loss.txHash,
        loss.blockNumber,
      );
    this.db
      .prepare(
        `UPDATE receipts SET batch_sequence = ${LOST_BATCH}
         WHERE department = ? AND sequence BETWEEN ? AND ? AND batch_sequence IS NULL`,
      )
      .run(keyOf(department), loss.firstSequence, loss.lastSequence);
    this.db
      .prepare(`DELETE FROM receipt_divergences WHERE department = ? AND batch_sequence BETWEEN ? AND ?`)
      .run(department, firstBatch, lastBatch);
    const next = this.db
      .prepare<[string], DivergenceRecord>(
        `SELECT * FROM receipt_divergences WHERE department = ? ORDER BY batch_sequence LIMIT 1`,
      )
      .get(department);
    if (next === undefined) this.divergences.delete(department);
    else this.divergences.set(department, divergenceFromRecord(next));
    this.losses.set(department, loss);
  }

  /**
   * A replaced chain does not erase evidence: receipts and batch records stay as they are (the batches anchored on
   * the old chain keep their transaction hashes). The sender refuses to write to the new chain until an operator
   * adopts it, so new receipts stay pending and fetches fail closed meanwhile.
   */
  reset(): void {}
}

function lossFromRecord(r: LossRecord): ReceiptLoss {
  return {
    department: r.department,
    firstBatch: r.first_batch,
    lastBatch: r.last_batch,
    firstSequence: r.first_sequence,
    lastSequence: r.last_sequence,
    lastRoot: r.last_root,
    reasonHash: r.reason_hash,
    admin: r.admin,
    txHash: r.tx_hash,
    blockNumber: r.block_number,
  };
}

function divergenceFromRecord(r: DivergenceRecord): ReceiptDivergence {
  return {
    department: r.department,
    batchSequence: r.batch_sequence,
    chainRoot: r.chain_root,
    localRoot: r.local_root,
    txHash: r.tx_hash,
    blockNumber: r.block_number,
    detectedMs: r.detected_ms,
  };
}

const NODE_BYTES = 32;

/** A proof's 32-byte nodes end to end, as stored. */
function nodesBytes(proof: readonly string[]): Buffer {
  return Buffer.from(proof.map((node) => node.slice(2)).join(""), "hex");
}

function nodesOf(bytes: Buffer, from = 0, length = bytes.length): string[] {
  return Array.from(
    { length: length / NODE_BYTES },
    (_, i) => "0x" + bytes.toString("hex", from + i * NODE_BYTES, from + (i + 1) * NODE_BYTES),
  );
}

const BYTES32_HEX = /^0x[0-9a-fA-F]{64}$/;
const KEY_BYTES = 32;

/**
 * A 32-byte id as its key column holds it: its bytes, half the size of its hex, in the same order (lower-case hex
 * sorts as its bytes do). A value of a query that is no such id stays text, and matches no row.
 */
function keyOf(value: string): Key {
  return BYTES32_HEX.test(value) ? Buffer.from(value.slice(2), "hex") : value;
}

/** A stored receipt's key (the receipt schema makes every one a bytes32). */
function keyBytes(value: string): Buffer {
  if (!BYTES32_HEX.test(value)) throw new Error(`a receipt's key ${JSON.stringify(value)} is not 32 bytes of hex`);
  return Buffer.from(value.slice(2), "hex");
}

function textOf(key: Uint8Array | string): string {
  return typeof key === "string" ? key : "0x" + Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("hex");
}

/**
 * What a reader of the database file beside the gateway (a test, an operator's script) selects and decodes to read a
 * receipt: `SELECT ${RECEIPT_ROW_COLUMNS} FROM receipts ...`, each row through `receiptOfRow`.
 */
export const RECEIPT_ROW_COLUMNS = RECEIPT_COLUMNS;

export function receiptOfRow(row: unknown): { receipt: Receipt; leaf: string; department: string } {
  const { value, keys } = unpackRow(row as ReceiptRecord);
  return { receipt: value.receipt as Receipt, leaf: keys[4], department: keys[0] };
}

/** A row's keys and record; `skipped`: the bytes between them (a proof's nodes). */
function unpackRow(row: ReceiptRecord, skipped = 0) {
  const bytes = row.row;
  const keys = ROW_KEYS.map((_, i) => "0x" + bytes.toString("hex", i * KEY_BYTES, (i + 1) * KEY_BYTES));
  const value = unpackReceiptRecord(bytes.subarray(ROW_KEYS.length * KEY_BYTES + skipped), keys.slice(0, 4));
  return { value, keys };
}

function fromRecord(row: ReceiptRecord, skipped = 0): StoredReceipt {
  const { value, keys } = unpackRow(row, skipped);
  return {
    receipt: value.receipt as Receipt,
    leaf: keys[4],
    envelope:
      value.requestId !== null && row.role !== null && value.exchange !== null
        ? { requestId: value.requestId, role: row.role, exchange: value.exchange as ExchangeEvidence }
        : null,
    createdMs: row.created_ms,
    batchSequence: row.batch_sequence,
    proof: null,
  };
}

function batchFromRecord(r: BatchRecord): StoredBatch {
  return {
    department: r.department,
    sequence: r.sequence,
    root: r.root,
    receiptCount: r.receipt_count,
    firstSequence: r.first_sequence,
    lastSequence: r.last_sequence,
    previousRoot: r.previous_root,
    status: r.status,
    attempts: r.attempts,
    txHash: r.tx_hash,
    blockNumber: r.block_number,
    createdMs: r.created_ms,
    anchoredMs: r.anchored_ms,
    lastError: r.last_error,
  };
}
