import type { Statement } from "better-sqlite3";
import type { CurrentConsent } from "../../../core/folds/consents";
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

const ZERO = `0x${"0".repeat(64)}`;
const EVIDENCE_KINDS: Record<string, ConsentEvidenceKind> = { "1": "signature", "2": "record" };

function paddedAddress(word: string): string {
  return `0x${word.slice(26)}`.toLowerCase();
}

/** The projection of ConsentRegistry events; SQL lives only here. */
export class ConsentStore {
  /** True when the tables were created now and the indexed history must be replayed into them. */
  readonly fresh: boolean;
  private currentStatement: Statement | undefined;

  constructor(private readonly db: Db) {
    this.fresh =
      migrate(db, "consents", [
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
      ]) > 0;
  }

  /** Applies ConsentRegistry events (and notes the latest block time); runs inside the indexer's transaction. */
  apply(events: readonly Event[]): void {
    let latest = 0;
    for (const e of events) {
      latest = Math.max(latest, e.blockTime);
      if (e.contract !== "ConsentRegistry") continue;
      switch (e.name) {
        case "ConsentRecorded":
          this.applyRecorded(e);
          break;
        case "ConsentSuperseded":
          this.applySuperseded(e);
          break;
        case "ConsentWithdrawn":
          this.applyWithdrawn(e);
          break;
        case "ConsentRevoked":
          this.applyRevoked(e);
          break;
      }
    }
    if (latest > 0) {
      this.db
        .prepare(
          `INSERT INTO consent_chain_time (id, block_time) VALUES (1, ?)
           ON CONFLICT (id) DO UPDATE SET block_time = MAX(block_time, excluded.block_time)`,
        )
        .run(latest);
    }
  }

  reset(): void {
    this.db.exec(
      `DELETE FROM consents; DELETE FROM consent_events; DELETE FROM consent_signer_nonces;
       DELETE FROM consent_chain_time;`,
    );
  }

  /** The time of the latest indexed block that had any Kuajie event (seconds), or null before any. */
  latestBlockTime(): number | null {
    const row = this.db.prepare(`SELECT block_time FROM consent_chain_time WHERE id = 1`).get() as
      { block_time: number } | undefined;
    return row?.block_time ?? null;
  }

  /** The next EIP-712 nonce of a subject's signing key: one per consent recorded or withdrawn by its signature. */
  signerNonce(signer: string): number {
    const row = this.db.prepare(`SELECT used FROM consent_signer_nonces WHERE signer = ?`).get(signer.toLowerCase()) as
      { used: number } | undefined;
    return row?.used ?? 0;
  }

  get(consentId: string): ConsentRow | null {
    const row = this.db.prepare(`SELECT * FROM consents WHERE consent_id = ?`).get(consentId.toLowerCase()) as
      RawConsent | undefined;
    return row ? fromRaw(row) : null;
  }

  /** Every consent of a subject, oldest first. */
  bySubject(subjectRef: string): ConsentRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM consents WHERE subject_ref = ? ORDER BY recorded_block, recorded_log`)
        .all(subjectRef.toLowerCase()) as RawConsent[]
    ).map(fromRaw);
  }

  /** The events of one consent, in chain order. */
  history(consentId: string): ConsentEventRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM consent_events WHERE consent_id = ? ORDER BY block_number, log_index`)
        .all(consentId.toLowerCase()) as RawEvent[]
    ).map(eventFromRaw);
  }

  /** Every event of a subject's consents, in chain order. */
  historyOfSubject(subjectRef: string): ConsentEventRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM consent_events WHERE subject_ref = ? ORDER BY block_number, log_index`)
        .all(subjectRef.toLowerCase()) as RawEvent[]
    ).map(eventFromRaw);
  }

  /** The latest consent recorded for a key (the registry's current consent of the key), or null. */
  current(key: ConsentKey): ConsentRow | null {
    const row = this.db
      .prepare(
        `SELECT * FROM consents WHERE subject_ref = ? AND recipient = ? AND resource_id = ? AND purpose = ?
         ORDER BY recorded_block DESC, recorded_log DESC LIMIT 1`,
      )
      .get(
        key.subjectRef.toLowerCase(),
        key.recipient.toLowerCase(),
        key.resourceId.toLowerCase(),
        key.purpose.toLowerCase(),
      ) as RawConsent | undefined;
    return row ? fromRaw(row) : null;
  }

  /**
   * The key's current consent as the core's fold defines it (the last recorded, in the state its events left it), for
   * the access decision of a fetch: one indexed lookup by a statement prepared once.
   */
  currentOfKey(subjectRef: string, recipient: string, resourceId: string, purpose: string): CurrentConsent | undefined {
    this.currentStatement ??= this.db.prepare(
      `SELECT consent_id, valid_from, valid_until, ended FROM consents
       WHERE subject_ref = ? AND recipient = ? AND resource_id = ? AND purpose = ?
       ORDER BY recorded_block DESC, recorded_log DESC LIMIT 1`,
    );
    const row = this.currentStatement.get(
      subjectRef.toLowerCase(),
      recipient.toLowerCase(),
      resourceId.toLowerCase(),
      purpose.toLowerCase(),
    ) as Pick<RawConsent, "consent_id" | "valid_from" | "valid_until" | "ended"> | undefined;
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

  private insertEvent(e: Event, row: Omit<ConsentEventRow, "blockNumber" | "logIndex" | "txHash" | "blockTime">) {
    // Applying the same log twice (a replay meeting live events) changes nothing.
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO consent_events
             (block_number, log_index, consent_id, subject_ref, event, tx_hash, block_time, actor_json, evidence,
              superseded_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          e.blockNumber,
          e.logIndex,
          row.consentId,
          row.subjectRef,
          row.event,
          e.txHash,
          e.blockTime,
          JSON.stringify(row.actor),
          row.evidence ?? null,
          row.supersededBy ?? null,
        ).changes === 1
    );
  }

  private useNonce(signer: string): void {
    this.db
      .prepare(
        `INSERT INTO consent_signer_nonces (signer, used) VALUES (?, 1)
         ON CONFLICT (signer) DO UPDATE SET used = used + 1`,
      )
      .run(signer);
  }

  private applyRecorded(e: Event): void {
    const a = e.args;
    const consentId = String(a.consentId).toLowerCase();
    const subjectRef = String(a.subjectRef).toLowerCase();
    const evidenceKind = EVIDENCE_KINDS[String(a.evidenceKind)] ?? "record";
    const evidence = String(a.evidence).toLowerCase();
    const signer = evidenceKind === "signature" ? paddedAddress(evidence) : null;
    const recorder = String(a.recorder).toLowerCase();
    const fresh = this.insertEvent(e, {
      consentId,
      subjectRef,
      event: "recorded",
      actor: signer
        ? { kind: "department", departmentId: recorder, signer }
        : { kind: "department", departmentId: recorder },
      evidence,
    });
    if (!fresh) return;
    if (signer) this.useNonce(signer);
    this.db
      .prepare(
        `INSERT OR REPLACE INTO consents
           (consent_id, subject_ref, recipient, resource_id, purpose, separate, valid_from, valid_until,
            evidence_kind, evidence, signer, recorder, ended, superseded_by, recorded_block, recorded_log,
            recorded_at, recorded_tx)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)`,
      )
      .run(
        consentId,
        subjectRef,
        String(a.recipient).toLowerCase(),
        String(a.resourceId).toLowerCase(),
        String(a.purpose).toLowerCase(),
        a.separate ? 1 : 0,
        Number(a.validFrom),
        Number(a.validUntil),
        evidenceKind,
        evidence,
        signer,
        recorder,
        e.blockNumber,
        e.logIndex,
        e.blockTime,
        e.txHash,
      );
  }

  private applySuperseded(e: Event): void {
    const consentId = String(e.args.consentId).toLowerCase();
    const supersededBy = String(e.args.supersededBy).toLowerCase();
    const fresh = this.insertEvent(e, {
      consentId,
      subjectRef: String(e.args.subjectRef).toLowerCase(),
      event: "superseded",
      actor: this.recorderActor(supersededBy),
      supersededBy,
    });
    if (!fresh) return;
    this.db
      .prepare(`UPDATE consents SET ended = 'superseded', superseded_by = ? WHERE consent_id = ?`)
      .run(supersededBy, consentId);
  }

  private applyWithdrawn(e: Event): void {
    const consentId = String(e.args.consentId).toLowerCase();
    const department = String(e.args.department).toLowerCase();
    const evidence = String(e.args.evidence).toLowerCase();
    const bySubject = department === ZERO;
    const fresh = this.insertEvent(e, {
      consentId,
      subjectRef: String(e.args.subjectRef).toLowerCase(),
      event: "withdrawn",
      actor: bySubject
        ? { kind: "subject", signer: paddedAddress(evidence) }
        : { kind: "department", departmentId: department },
      evidence,
    });
    if (!fresh) return;
    if (bySubject) this.useNonce(paddedAddress(evidence));
    this.db.prepare(`UPDATE consents SET ended = 'withdrawn' WHERE consent_id = ?`).run(consentId);
  }

  private applyRevoked(e: Event): void {
    const consentId = String(e.args.consentId).toLowerCase();
    const fresh = this.insertEvent(e, {
      consentId,
      subjectRef: String(e.args.subjectRef).toLowerCase(),
      event: "revoked",
      actor: e.args.byCouncil
        ? { kind: "council" }
        : { kind: "department", departmentId: String(e.args.revoker).toLowerCase() },
    });
    if (!fresh) return;
    this.db.prepare(`UPDATE consents SET ended = 'revoked' WHERE consent_id = ?`).run(consentId);
  }

  /** The department that recorded the superseding consent (it acted in the same transaction). */
  private recorderActor(consentId: string): ConsentActor {
    const row = this.db.prepare(`SELECT recorder FROM consents WHERE consent_id = ?`).get(consentId) as
      { recorder: string } | undefined;
    return row ? { kind: "department", departmentId: row.recorder } : { kind: "department" };
  }
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
  evidence_kind: ConsentEvidenceKind;
  evidence: string;
  signer: string | null;
  recorder: string;
  ended: ConsentRow["ended"];
  superseded_by: string | null;
  recorded_block: number;
  recorded_log: number;
  recorded_at: number;
  recorded_tx: string;
}

interface RawEvent {
  block_number: number;
  log_index: number;
  consent_id: string;
  subject_ref: string;
  event: ConsentEventKind;
  tx_hash: string;
  block_time: number;
  actor_json: string;
  evidence: string | null;
  superseded_by: string | null;
}

function fromRaw(r: RawConsent): ConsentRow {
  return {
    consentId: r.consent_id,
    subjectRef: r.subject_ref,
    recipient: r.recipient,
    resourceId: r.resource_id,
    purpose: r.purpose,
    separate: r.separate === 1,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    evidenceKind: r.evidence_kind,
    evidence: r.evidence,
    signer: r.signer,
    recorder: r.recorder,
    ended: r.ended,
    supersededBy: r.superseded_by,
    recordedBlock: r.recorded_block,
    recordedAt: r.recorded_at,
    recordedTx: r.recorded_tx,
  };
}

function eventFromRaw(r: RawEvent): ConsentEventRow {
  return {
    consentId: r.consent_id,
    subjectRef: r.subject_ref,
    event: r.event,
    blockNumber: r.block_number,
    logIndex: r.log_index,
    txHash: r.tx_hash,
    blockTime: r.block_time,
    actor: JSON.parse(r.actor_json) as ConsentActor,
    ...(r.evidence === null ? {} : { evidence: r.evidence }),
    ...(r.superseded_by === null ? {} : { supersededBy: r.superseded_by }),
  };
}
