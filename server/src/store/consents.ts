import { CONSENT_STATE_AFTER, type CurrentConsent } from "../../../core/folds/consents";
import type { ConsentId } from "../../../core/ids";
import type { Db } from "../common/db";
import { migrate } from "../common/db";

/**
 * The consents of data subjects as the indexer has seen them (ConsentRegistry events), keyed by consent id with the
 * consent key `(subjectRef, recipient, resourceId, purpose)` the registry's functions take. Holds no identity number
 * and no consent document: only the subject reference and the hashes and addresses the events carry.
 *
 * Read API for other features (the data fetch checks consent here, from indexed state, with no chain call):
 * - `activeConsent(subjectRef, recipient, resourceId, purpose, atSeconds)` → `{consentId, status: "active"}` when the
 *   key's current consent is in effect at that time, else null;
 * - `currentConsent(subjectRef, recipient, resourceId, purpose, atSeconds)` → the key's latest consent with its status
 *   at that time (`active`, `withdrawn`, `revoked`, `expired`) and whether it is in effect, or null when none was
 *   ever recorded: `consent_missing` (null, or active but not yet in effect) vs `consent_withdrawn` (withdrawn or
 *   revoked) vs `consent_expired` (expired).
 */

/** Status of a consent at a time: `superseded` when a later consent for its key replaced it while in force. */
export type ConsentState = "active" | "withdrawn" | "revoked" | "expired" | "superseded";
type ConsentEvidenceKind = "record" | "signature";

export interface ConsentKey {
  subjectRef: string;
  recipient: string;
  resourceId: string;
  /** bytes32: the purpose code as a short string. */
  purpose: string;
}

export interface ConsentRow extends ConsentKey {
  consentId: string;
  separate: boolean;
  validFrom: number;
  validUntil: number;
  evidenceKind: ConsentEvidenceKind;
  /** The record's hash, or the signing address left-padded (as the event carries it). */
  evidence: string;
  /** The subject's signing address (lower case) when given by signature. */
  signer: string | null;
  /** The recording department. */
  recorder: string;
  /** How it ended by an event (never `expired`, which is computed from the time). */
  ended: "superseded" | "withdrawn" | "revoked" | null;
  supersededBy: string | null;
  recordedBlock: number;
  recordedLog: number;
  recordedAt: number;
  recordedTx: string;
}

type ConsentEventKind = "recorded" | "superseded" | "withdrawn" | "revoked";

/** Who caused an event: a department, the subject by signature, or the council. */
export interface ConsentActor {
  kind: "department" | "subject" | "council";
  departmentId?: string;
  signer?: string;
}

export interface ConsentEventRow {
  consentId: string;
  subjectRef: string;
  event: ConsentEventKind;
  blockNumber: number;
  logIndex: number;
  txHash: string;
  blockTime: number;
  actor: ConsentActor;
  /** Withdrawal: the hash of the subject's request (or the signer, padded). Recorded: the evidence. */
  evidence?: string;
  supersededBy?: string;
}

export interface ConsentStanding {
  consentId: string;
  /** Never `superseded` for a key's current consent (superseding makes the new one current). */
  status: ConsentState;
  /** Active and `validFrom <= at < validUntil`. */
  inEffect: boolean;
  validFrom: number;
  validUntil: number;
}

interface Event {
  name: string;
  contract: string;
  args: Record<string, unknown>;
  blockNumber: number;
  logIndex: number;
  txHash: string;
  blockTime: number;
}

/**
 * The schema, append only (statement i is version i + 1). Versions 1–7 were the first layout, which kept the key's
 * four bytes32 as hex text twice (the consent and its recorded event) besides the indexer's JSON copy of each event:
 * about 2.6 KB a consent. From version 8 each event's payload is stored once, here, in typed columns: bytes32 as
 * 32-byte blobs, the few departments, resources and purposes a province has interned in `consent_words`, a
 * ConsentRecorded only as its `consent_records` row (its trail entry is read from it) and the indexer no longer
 * copies these events into its `events` table (chain/adapter.ts). Versions 15 and 16 clear what the replay of the
 * indexed history into the new tables counts again.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE consents (
     consent_id TEXT PRIMARY KEY,
     subject_ref TEXT NOT NULL, recipient TEXT NOT NULL, resource_id TEXT NOT NULL, purpose TEXT NOT NULL,
     separate INTEGER NOT NULL, valid_from INTEGER NOT NULL, valid_until INTEGER NOT NULL,
     evidence_kind TEXT NOT NULL, evidence TEXT NOT NULL, signer TEXT, recorder TEXT NOT NULL,
     ended TEXT CHECK (ended IN ('superseded', 'withdrawn', 'revoked')), superseded_by TEXT,
     recorded_block INTEGER NOT NULL, recorded_log INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
     recorded_tx TEXT NOT NULL)`,
  `CREATE INDEX consents_by_key ON consents
     (subject_ref, recipient, resource_id, purpose, recorded_block DESC, recorded_log DESC)`,
  `CREATE TABLE consent_events (
     block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, consent_id TEXT NOT NULL,
     subject_ref TEXT NOT NULL, event TEXT NOT NULL, tx_hash TEXT NOT NULL, block_time INTEGER NOT NULL,
     actor_json TEXT NOT NULL, evidence TEXT, superseded_by TEXT,
     PRIMARY KEY (block_number, log_index))`,
  `CREATE INDEX consent_events_by_consent ON consent_events (consent_id, block_number, log_index)`,
  `CREATE INDEX consent_events_by_subject ON consent_events (subject_ref, block_number, log_index)`,
  `CREATE TABLE consent_signer_nonces (signer TEXT PRIMARY KEY, used INTEGER NOT NULL)`,
  `CREATE TABLE consent_chain_time (id INTEGER PRIMARY KEY CHECK (id = 1), block_time INTEGER NOT NULL)`,
  `DROP TABLE consent_events`,
  `DROP TABLE consents`,
  `CREATE TABLE consent_words (id INTEGER PRIMARY KEY, word BLOB NOT NULL UNIQUE)`,
  `CREATE TABLE consent_records (
     id INTEGER PRIMARY KEY,
     consent_id BLOB NOT NULL UNIQUE,
     subject_ref BLOB NOT NULL,
     recipient INTEGER NOT NULL REFERENCES consent_words (id),
     resource_id INTEGER NOT NULL REFERENCES consent_words (id),
     purpose INTEGER NOT NULL REFERENCES consent_words (id),
     recorder INTEGER NOT NULL REFERENCES consent_words (id),
     separate INTEGER NOT NULL, valid_from INTEGER NOT NULL, valid_until INTEGER NOT NULL,
     evidence_kind INTEGER NOT NULL, evidence BLOB NOT NULL,
     ended TEXT CHECK (ended IN ('superseded', 'withdrawn', 'revoked')), superseded_by BLOB,
     recorded_block INTEGER NOT NULL, recorded_log INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
     recorded_tx BLOB NOT NULL)`,
  `CREATE INDEX consent_records_by_key ON consent_records
     (subject_ref, recipient, resource_id, purpose, recorded_block, recorded_log)`,
  `CREATE TABLE consent_changes (
     block_number INTEGER NOT NULL, log_index INTEGER NOT NULL,
     consent INTEGER NOT NULL REFERENCES consent_records (id),
     event TEXT NOT NULL CHECK (event IN ('superseded', 'withdrawn', 'revoked')),
     tx_hash BLOB NOT NULL, block_time INTEGER NOT NULL,
     actor INTEGER REFERENCES consent_words (id), evidence BLOB, superseded_by BLOB,
     PRIMARY KEY (block_number, log_index)) WITHOUT ROWID`,
  `CREATE INDEX consent_changes_by_consent ON consent_changes (consent)`,
  `DELETE FROM consent_signer_nonces`,
  `DELETE FROM consent_chain_time`,
];

/** The version that created the compact tables: a database below it has them filled by replaying the index. */
const COMPACT_SCHEMA_VERSION = 16;

const ZERO = `0x${"0".repeat(64)}`;
const EVIDENCE_KINDS: Record<string, ConsentEvidenceKind> = { "1": "signature", "2": "record" };
const EVIDENCE_KIND_CODE: Record<ConsentEvidenceKind, number> = { signature: 1, record: 2 };

function paddedAddress(word: string): string {
  return `0x${word.slice(26)}`.toLowerCase();
}

/** A bytes32 (or any 0x-hex) as the blob it is stored as. */
function blob(hex: unknown): Buffer {
  return Buffer.from(String(hex).replace(/^0x/i, ""), "hex");
}

/** A blob column read back as 0x and lower-case hex, in SQL. */
const hexOf = (column: string) => `'0x' || lower(hex(${column}))`;
const nullableHexOf = (column: string) => `iif(${column} IS NULL, NULL, ${hexOf(column)})`;
const WORD_ID = `(SELECT id FROM consent_words WHERE word = ?)`;

const RECORD_SELECT = `SELECT ${hexOf("c.consent_id")} AS consent_id, ${hexOf("c.subject_ref")} AS subject_ref,
    ${hexOf("r.word")} AS recipient, ${hexOf("s.word")} AS resource_id, ${hexOf("p.word")} AS purpose,
    c.separate, c.valid_from, c.valid_until, c.evidence_kind, ${hexOf("c.evidence")} AS evidence,
    ${hexOf("d.word")} AS recorder, c.ended, ${nullableHexOf("c.superseded_by")} AS superseded_by,
    c.recorded_block, c.recorded_log, c.recorded_at, ${hexOf("c.recorded_tx")} AS recorded_tx
  FROM consent_records c
  JOIN consent_words r ON r.id = c.recipient JOIN consent_words s ON s.id = c.resource_id
  JOIN consent_words p ON p.id = c.purpose JOIN consent_words d ON d.id = c.recorder`;

const CHANGE_SELECT = `SELECT ch.block_number, ch.log_index, ${hexOf("c.consent_id")} AS consent_id,
    ${hexOf("c.subject_ref")} AS subject_ref, ch.event, ${hexOf("ch.tx_hash")} AS tx_hash, ch.block_time,
    ${nullableHexOf("a.word")} AS actor, ${nullableHexOf("ch.evidence")} AS evidence,
    ${nullableHexOf("ch.superseded_by")} AS superseded_by, ${nullableHexOf("sw.word")} AS superseder_recorder
  FROM consent_changes ch JOIN consent_records c ON c.id = ch.consent
  LEFT JOIN consent_words a ON a.id = ch.actor
  LEFT JOIN consent_records sc ON sc.consent_id = ch.superseded_by LEFT JOIN consent_words sw ON sw.id = sc.recorder`;

const KEY_MATCH = `c.subject_ref = ? AND c.recipient = ${WORD_ID} AND c.resource_id = ${WORD_ID} AND c.purpose = ${WORD_ID}`;

/** The projection of ConsentRegistry events; SQL lives only here. */
export class ConsentStore {
  /** True when the tables were created now and the indexed history must be replayed into them. */
  readonly fresh: boolean;
  private readonly sql;
  /** Word ids looked up during one `apply` (one transaction), so a rolled-back id is never reused from here. */
  private readonly wordIds = new Map<string, number>();

  constructor(private readonly db: Db) {
    const applied = migrate(db, "consents", MIGRATIONS);
    this.fresh = MIGRATIONS.length - applied < COMPACT_SCHEMA_VERSION;
    this.sql = {
      wordId: db.prepare(`SELECT id FROM consent_words WHERE word = ?`).pluck(),
      insertWord: db.prepare(`INSERT INTO consent_words (word) VALUES (?)`),
      insertRecord: db.prepare(
        `INSERT OR IGNORE INTO consent_records
           (consent_id, subject_ref, recipient, resource_id, purpose, recorder, separate, valid_from, valid_until,
            evidence_kind, evidence, recorded_block, recorded_log, recorded_at, recorded_tx)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      recordId: db.prepare(`SELECT id FROM consent_records WHERE consent_id = ?`).pluck(),
      insertChange: db.prepare(
        `INSERT OR IGNORE INTO consent_changes
           (block_number, log_index, consent, event, tx_hash, block_time, actor, evidence, superseded_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      end: db.prepare(`UPDATE consent_records SET ended = ?, superseded_by = coalesce(?, superseded_by) WHERE id = ?`),
      useNonce: db.prepare(
        `INSERT INTO consent_signer_nonces (signer, used) VALUES (?, 1)
         ON CONFLICT (signer) DO UPDATE SET used = used + 1`,
      ),
      advanceTime: db.prepare(
        `INSERT INTO consent_chain_time (id, block_time) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET block_time = MAX(block_time, excluded.block_time)`,
      ),
      latestTime: db.prepare(`SELECT block_time FROM consent_chain_time WHERE id = 1`).pluck(),
      signerNonce: db.prepare(`SELECT used FROM consent_signer_nonces WHERE signer = ?`).pluck(),
      get: db.prepare(`${RECORD_SELECT} WHERE c.consent_id = ?`),
      bySubject: db.prepare(`${RECORD_SELECT} WHERE c.subject_ref = ? ORDER BY c.recorded_block, c.recorded_log`),
      current: db.prepare(
        `${RECORD_SELECT} WHERE ${KEY_MATCH} ORDER BY c.recorded_block DESC, c.recorded_log DESC LIMIT 1`,
      ),
      currentOfKey: db.prepare(
        `SELECT ${hexOf("c.consent_id")} AS consent_id, c.valid_from, c.valid_until, c.ended FROM consent_records c
         WHERE ${KEY_MATCH} ORDER BY c.recorded_block DESC, c.recorded_log DESC LIMIT 1`,
      ),
      changes: db.prepare(`${CHANGE_SELECT} WHERE c.consent_id = ? ORDER BY ch.block_number, ch.log_index`),
      changesOfSubject: db.prepare(`${CHANGE_SELECT} WHERE c.subject_ref = ? ORDER BY ch.block_number, ch.log_index`),
    };
  }

  /** Applies ConsentRegistry events (and notes the latest block time); runs inside the indexer's transaction. */
  apply(events: readonly Event[]): void {
    this.wordIds.clear();
    let latest = 0;
    for (const e of events) {
      latest = Math.max(latest, e.blockTime);
      if (e.contract !== "ConsentRegistry") continue;
      switch (e.name) {
        case "ConsentRecorded":
          this.applyRecorded(e);
          break;
        case "ConsentSuperseded":
          this.applyChange(e, null, null, String(e.args.supersededBy));
          break;
        case "ConsentWithdrawn": {
          const department = String(e.args.department).toLowerCase();
          const evidence = String(e.args.evidence).toLowerCase();
          // Withdrawn by the subject's own signature: no department acted, and the signer's nonce is used.
          const bySubject = department === ZERO;
          if (this.applyChange(e, bySubject ? null : department, evidence, null) && bySubject) {
            this.sql.useNonce.run(paddedAddress(evidence));
          }
          break;
        }
        case "ConsentRevoked":
          this.applyChange(e, e.args.byCouncil ? null : String(e.args.revoker), null, null);
          break;
      }
    }
    if (latest > 0) this.sql.advanceTime.run(latest);
  }

  reset(): void {
    this.db.exec(
      `DELETE FROM consent_changes; DELETE FROM consent_records; DELETE FROM consent_words;
       DELETE FROM consent_signer_nonces; DELETE FROM consent_chain_time;`,
    );
  }

  /** The time of the latest indexed block that had any Kuajie event (seconds), or null before any. */
  latestBlockTime(): number | null {
    return (this.sql.latestTime.get() as number | undefined) ?? null;
  }

  /** The next EIP-712 nonce of a subject's signing key: one per consent recorded or withdrawn by its signature. */
  signerNonce(signer: string): number {
    return (this.sql.signerNonce.get(signer.toLowerCase()) as number | undefined) ?? 0;
  }

  get(consentId: string): ConsentRow | null {
    const row = this.sql.get.get(blob(consentId)) as RawConsent | undefined;
    return row ? fromRaw(row) : null;
  }

  /** Every consent of a subject, oldest first. */
  bySubject(subjectRef: string): ConsentRow[] {
    return (this.sql.bySubject.all(blob(subjectRef)) as RawConsent[]).map(fromRaw);
  }

  /** The events of one consent, in chain order. */
  history(consentId: string): ConsentEventRow[] {
    const row = this.get(consentId);
    return row ? this.historyOf(row) : [];
  }

  /** The events of a consent already read (its record is the first; one SELECT fewer than `history`). */
  historyOf(row: ConsentRow): ConsentEventRow[] {
    return [recordedEventOf(row), ...(this.sql.changes.all(blob(row.consentId)) as RawChange[]).map(changeFromRaw)];
  }

  /** Every event of a subject's consents, in chain order. */
  historyOfSubject(subjectRef: string): ConsentEventRow[] {
    const recorded = this.bySubject(subjectRef).map(recordedEventOf);
    const changes = (this.sql.changesOfSubject.all(blob(subjectRef)) as RawChange[]).map(changeFromRaw);
    return [...recorded, ...changes].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  }

  /** The latest consent recorded for a key (the registry's current consent of the key), or null. */
  current(key: ConsentKey): ConsentRow | null {
    const row = this.sql.current.get(...keyParams(key.subjectRef, key.recipient, key.resourceId, key.purpose)) as
      RawConsent | undefined;
    return row ? fromRaw(row) : null;
  }

  /**
   * The key's current consent as the core's fold defines it (the last recorded, in the state its events left it), for
   * the access decision of a fetch: one indexed lookup by a statement prepared once.
   */
  currentOfKey(subjectRef: string, recipient: string, resourceId: string, purpose: string): CurrentConsent | undefined {
    const row = this.sql.currentOfKey.get(...keyParams(subjectRef, recipient, resourceId, purpose)) as
      Pick<RawConsent, "consent_id" | "valid_from" | "valid_until" | "ended"> | undefined;
    if (!row) return undefined;
    return {
      id: row.consent_id as ConsentId,
      validFrom: row.valid_from,
      validUntil: row.valid_until,
      state: row.ended ?? "active",
    };
  }

  /**
   * The key's current consent with its status at `atSeconds`, or null when none was ever recorded for the key.
   * For the data fetch: null → `consent_missing`; `withdrawn` / `revoked` → `consent_withdrawn`; `expired` →
   * `consent_expired`; `active` but not `inEffect` (its validFrom is later) → `consent_missing`.
   */
  currentConsent(
    subjectRef: string,
    recipient: string,
    resourceId: string,
    purpose: string,
    atSeconds: number,
  ): ConsentStanding | null {
    const row = this.current({ subjectRef, recipient, resourceId, purpose });
    if (!row) return null;
    const status = statusAt(row, atSeconds);
    return {
      consentId: row.consentId,
      status,
      inEffect: status === "active" && row.validFrom <= atSeconds,
      validFrom: row.validFrom,
      validUntil: row.validUntil,
    };
  }

  /** The key's consent in effect at `atSeconds` (active and within its validity), or null. */
  activeConsent(
    subjectRef: string,
    recipient: string,
    resourceId: string,
    purpose: string,
    atSeconds: number,
  ): { consentId: string; status: "active" } | null {
    const standing = this.currentConsent(subjectRef, recipient, resourceId, purpose, atSeconds);
    return standing?.inEffect ? { consentId: standing.consentId, status: "active" } : null;
  }

  private wordId(word: string): number {
    const key = word.toLowerCase();
    let id = this.wordIds.get(key);
    if (id === undefined) {
      const bytes = blob(key);
      id = (this.sql.wordId.get(bytes) as number | undefined) ?? Number(this.sql.insertWord.run(bytes).lastInsertRowid);
      this.wordIds.set(key, id);
    }
    return id;
  }

  private applyRecorded(e: Event): void {
    const a = e.args;
    const evidenceKind = EVIDENCE_KINDS[String(a.evidenceKind)] ?? "record";
    const evidence = String(a.evidence).toLowerCase();
    const inserted = this.sql.insertRecord.run(
      blob(a.consentId),
      blob(a.subjectRef),
      this.wordId(String(a.recipient)),
      this.wordId(String(a.resourceId)),
      this.wordId(String(a.purpose)),
      this.wordId(String(a.recorder)),
      a.separate ? 1 : 0,
      Number(a.validFrom),
      Number(a.validUntil),
      EVIDENCE_KIND_CODE[evidenceKind],
      blob(evidence),
      e.blockNumber,
      e.logIndex,
      e.blockTime,
      blob(e.txHash),
    );
    // Applying the same log twice (a replay meeting live events) changes nothing, the signer's nonce included.
    if (inserted.changes === 1 && evidenceKind === "signature") this.sql.useNonce.run(paddedAddress(evidence));
  }

  /**
   * Stores an event that ends a consent (actor: the acting department, null for the subject or the council) and
   * ends it in the state the core's fold gives; false when the event was applied before or its consent is unknown.
   */
  private applyChange(e: Event, actor: string | null, evidence: string | null, supersededBy: string | null): boolean {
    const consent = this.sql.recordId.get(blob(e.args.consentId)) as number | undefined;
    const ended = CONSENT_STATE_AFTER[e.name];
    if (consent === undefined || ended === undefined) return false;
    const inserted = this.sql.insertChange.run(
      e.blockNumber,
      e.logIndex,
      consent,
      ended,
      blob(e.txHash),
      e.blockTime,
      actor === null ? null : this.wordId(actor),
      evidence === null ? null : blob(evidence),
      supersededBy === null ? null : blob(supersededBy),
    );
    if (inserted.changes !== 1) return false;
    this.sql.end.run(ended, supersededBy === null ? null : blob(supersededBy), consent);
    return true;
  }
}

function keyParams(subjectRef: string, recipient: string, resourceId: string, purpose: string): Buffer[] {
  return [blob(subjectRef), blob(recipient), blob(resourceId), blob(purpose)];
}

/** A consent's status at a time: how it ended, else expired once `validUntil` has passed, else active. */
export function statusAt(row: Pick<ConsentRow, "ended" | "validUntil">, atSeconds: number): ConsentState {
  if (row.ended !== null) return row.ended;
  return atSeconds >= row.validUntil ? "expired" : "active";
}

interface RawConsent {
  consent_id: string;
  subject_ref: string;
  recipient: string;
  resource_id: string;
  purpose: string;
  separate: number;
  valid_from: number;
  valid_until: number;
  evidence_kind: number;
  evidence: string;
  recorder: string;
  ended: ConsentRow["ended"];
  superseded_by: string | null;
  recorded_block: number;
  recorded_log: number;
  recorded_at: number;
  recorded_tx: string;
}

interface RawChange {
  block_number: number;
  log_index: number;
  consent_id: string;
  subject_ref: string;
  event: "superseded" | "withdrawn" | "revoked";
  tx_hash: string;
  block_time: number;
  actor: string | null;
  evidence: string | null;
  superseded_by: string | null;
  superseder_recorder: string | null;
}

function fromRaw(r: RawConsent): ConsentRow {
  const evidenceKind = EVIDENCE_KINDS[String(r.evidence_kind)] ?? "record";
  return {
    consentId: r.consent_id,
    subjectRef: r.subject_ref,
    recipient: r.recipient,
    resourceId: r.resource_id,
    purpose: r.purpose,
    separate: r.separate === 1,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    evidenceKind,
    evidence: r.evidence,
    signer: evidenceKind === "signature" ? paddedAddress(r.evidence) : null,
    recorder: r.recorder,
    ended: r.ended,
    supersededBy: r.superseded_by,
    recordedBlock: r.recorded_block,
    recordedLog: r.recorded_log,
    recordedAt: r.recorded_at,
    recordedTx: r.recorded_tx,
  };
}

/** A consent's ConsentRecorded, as its row keeps it (the event is not stored twice). */
function recordedEventOf(row: ConsentRow): ConsentEventRow {
  return {
    consentId: row.consentId,
    subjectRef: row.subjectRef,
    event: "recorded",
    blockNumber: row.recordedBlock,
    logIndex: row.recordedLog,
    txHash: row.recordedTx,
    blockTime: row.recordedAt,
    actor: row.signer
      ? { kind: "department", departmentId: row.recorder, signer: row.signer }
      : { kind: "department", departmentId: row.recorder },
    evidence: row.evidence,
  };
}

function changeActor(r: RawChange): ConsentActor {
  switch (r.event) {
    case "superseded":
      // The department that recorded the superseding consent acted, in the same transaction.
      return r.superseder_recorder === null
        ? { kind: "department" }
        : { kind: "department", departmentId: r.superseder_recorder };
    case "withdrawn":
      return r.actor === null
        ? { kind: "subject", signer: paddedAddress(r.evidence ?? ZERO) }
        : { kind: "department", departmentId: r.actor };
    case "revoked":
      return r.actor === null ? { kind: "council" } : { kind: "department", departmentId: r.actor };
  }
}

function changeFromRaw(r: RawChange): ConsentEventRow {
  return {
    consentId: r.consent_id,
    subjectRef: r.subject_ref,
    event: r.event,
    blockNumber: r.block_number,
    logIndex: r.log_index,
    txHash: r.tx_hash,
    blockTime: r.block_time,
    actor: changeActor(r),
    ...(r.evidence === null ? {} : { evidence: r.evidence }),
    ...(r.superseded_by === null ? {} : { supersededBy: r.superseded_by }),
  };
}
