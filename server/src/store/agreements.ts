import {
  agreementEventActor,
  agreementEventOf,
  applyAgreementEvent,
  effectiveStatus,
  type AgreementState,
  type Quota,
} from "../../../core/folds/agreements";
import type { AgreementStatus, LegalBasis } from "../../../core/codes/enumerations";
import type { AgreementId, DepartmentId, ResourceId } from "../../../core/ids";
import { AGREEMENT_STATUS, LEGAL_BASIS, QUOTA_PERIOD } from "../../../core/codes/enumerations";
import { bytes32ToCode } from "../common/short-codes";
import type { IndexedEvent } from "../common/indexed-event";
import {
  counterId,
  policyEventFields,
  policyEventRow,
  type PolicyEventFields,
  type RawPolicyEvent,
} from "./policy-event-row";
import type { Db } from "../common/db";
import { migrate } from "../common/db";

export type { AgreementStatus } from "../../../core/codes/enumerations";
export type { Quota } from "../../../core/folds/agreements";

/**
 * A sharing agreement as the chain says it is (SharingAgreements events), plus what the gateway keeps beside it
 * (the purpose text, the terms document and rejection reasons, whose hashes are on chain).
 * Stable interface: the fetch feature reads it through `AgreementStore.get` and `effectiveAgreementStatus`.
 */
export interface AgreementRecord {
  agreementId: number;
  resourceId: string;
  /** Department ids (bytes32, lower-case hex). */
  provider: string;
  consumer: string;
  coConsumers: string[];
  /** Bit i = the resource's field i. */
  fieldMask: bigint;
  /** The purpose code as stored on chain (bytes32) and decoded. */
  purpose: string;
  purposeCode: string;
  purposeText: string | null;
  legalBasis: LegalBasis;
  /** Unix seconds; the window is [validFrom, validUntil). */
  validFrom: number;
  validUntil: number;
  /** Unix seconds; 0 when no provider answer is needed (unconditional resource). */
  replyDeadline: number;
  requiresConsent: boolean;
  providerApproved: boolean;
  /** Bit i set while coConsumers[i] has not sealed. */
  pendingSeals: number;
  quota: Quota;
  termsHash: string;
  /** The terms document whose canonical JSON hashes to termsHash, when this gateway has it. */
  terms: Record<string, unknown> | null;
  /** The stored status (never `expired`); see `effectiveAgreementStatus`. */
  storedStatus: AgreementStatus;
  rejection: { reasonHash: string; reason: string | null; byCouncil: boolean } | null;
  councilDecision: { approved: boolean; reasonHash: string; reason: string | null } | null;
  requestedBlock: number;
  requestedAt: number;
  requestedTx: string;
  updatedBlock: number;
}

/** One event in an agreement's life (SharingAgreements events and the grants issued under it). */
export interface AgreementEventRow extends PolicyEventFields {
  agreementId: number;
  /** The acting department's id; null for the council and for automatic steps (activation). */
  actor: string | null;
}

export interface AgreementFilter {
  /** Agreements where this department is the provider. */
  provider?: string;
  /** Agreements where this department is the lead consumer or a co-consumer. */
  consumer?: string;
  resourceId?: string;
}

/** The status the contract reports now: a stored status other than rejected/terminated is `expired` past validUntil. */
export function effectiveAgreementStatus(a: AgreementRecord, now: number): AgreementStatus {
  return effectiveStatus(a, now);
}

interface RawAgreement {
  id: number;
  resource_id: string;
  provider: string;
  consumer: string;
  co_consumers: string;
  field_mask: string;
  purpose: string;
  legal_basis: number;
  valid_from: number;
  valid_until: number;
  reply_deadline: number;
  requires_consent: number;
  provider_approved: number;
  pending_seals: number;
  quota_calls: number;
  quota_per: number;
  terms_hash: string;
  status: number;
  rejection_hash: string | null;
  rejected_by_council: number | null;
  council_approved: number | null;
  council_reason_hash: string | null;
  requested_block: number;
  requested_at: number;
  requested_tx: string;
  updated_block: number;
  purpose_text: string | null;
  terms_json: string | null;
  rejection_text: string | null;
  council_reason_text: string | null;
}

interface RawEvent extends RawPolicyEvent {
  agreement_id: number;
}

const ZERO = `0x${"0".repeat(64)}`;

const SELECT = `
  SELECT a.*, n.purpose_text AS purpose_text, t.text AS terms_json, r.text AS rejection_text,
         c.text AS council_reason_text
  FROM agreements a
  LEFT JOIN agreement_notes n ON n.agreement_id = a.id
  LEFT JOIN agreement_texts t ON t.hash = a.terms_hash
  LEFT JOIN agreement_texts r ON r.hash = a.rejection_hash
  LEFT JOIN agreement_texts c ON c.hash = a.council_reason_hash`;

/**
 * The agreements projection (SharingAgreements events, plus GrantIssued for the history), and the texts the
 * gateway keeps beside the chain's hashes: purpose texts, terms documents, rejection reasons. Applying the same event
 * twice changes nothing.
 */
export class AgreementStore {
  readonly fresh: boolean;
  private readonly sql;

  constructor(private readonly db: Db) {
    this.fresh =
      migrate(db, "agreements", [
        `CREATE TABLE agreements (
           id INTEGER PRIMARY KEY, resource_id TEXT NOT NULL, provider TEXT NOT NULL, consumer TEXT NOT NULL,
           co_consumers TEXT NOT NULL, field_mask TEXT NOT NULL, purpose TEXT NOT NULL, legal_basis INTEGER NOT NULL,
           valid_from INTEGER NOT NULL, valid_until INTEGER NOT NULL, reply_deadline INTEGER NOT NULL,
           requires_consent INTEGER NOT NULL, provider_approved INTEGER NOT NULL, pending_seals INTEGER NOT NULL,
           quota_calls INTEGER NOT NULL, quota_per INTEGER NOT NULL, terms_hash TEXT NOT NULL,
           status INTEGER NOT NULL, rejection_hash TEXT, rejected_by_council INTEGER,
           council_approved INTEGER, council_reason_hash TEXT,
           requested_block INTEGER NOT NULL, requested_at INTEGER NOT NULL, requested_tx TEXT NOT NULL,
           updated_block INTEGER NOT NULL)`,
        `CREATE INDEX agreements_provider ON agreements (provider)`,
        `CREATE INDEX agreements_consumer ON agreements (consumer)`,
        `CREATE TABLE agreement_events (
           block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL,
           block_time INTEGER NOT NULL, agreement_id INTEGER NOT NULL, name TEXT NOT NULL, actor TEXT,
           by_council INTEGER NOT NULL, args_json TEXT NOT NULL, PRIMARY KEY (block_number, log_index))`,
        `CREATE INDEX agreement_events_agreement ON agreement_events (agreement_id)`,
        // Kept by the gateway (not from the chain): what the request said beside its hashes.
        `CREATE TABLE agreement_notes (agreement_id INTEGER PRIMARY KEY, purpose_text TEXT)`,
        `CREATE TABLE agreement_texts (hash TEXT PRIMARY KEY, text TEXT NOT NULL)`,
      ]) > 0;
    this.sql = {
      state: db.prepare(`SELECT * FROM agreements WHERE id = ?`),
      seen: db.prepare(`SELECT 1 FROM agreement_events WHERE block_number = ? AND log_index = ?`),
      addEvent: db.prepare(`INSERT OR IGNORE INTO agreement_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      update: db.prepare(
        `UPDATE agreements SET provider_approved = ?, pending_seals = ?, status = ?, rejection_hash = ?,
           rejected_by_council = ?, council_approved = ?, council_reason_hash = ?, updated_block = ? WHERE id = ?`,
      ),
      insert: db.prepare(
        `INSERT OR REPLACE INTO agreements VALUES
           (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /**
   * Applies SharingAgreements events (folded by the core's `applyAgreementEvent`) and Grants.GrantIssued (history
   * only); runs inside the indexer's transaction.
   */
  apply(events: readonly IndexedEvent[]): void {
    for (const e of events) {
      const isGrantIssued = e.contract === "Grants" && e.name === "GrantIssued";
      if (e.contract !== "SharingAgreements" && !isGrantIssued) continue;
      const event = isGrantIssued ? undefined : agreementEventOf(e.name, e.args);
      if (!isGrantIssued && event === undefined) continue;
      if (this.sql.seen.get(e.blockNumber, e.logIndex)) continue;
      const id = Number(e.args.agreementId);
      let actor: string | null;
      if (event === undefined) {
        actor = String(e.args.consumer).toLowerCase();
      } else {
        const before = this.state(id);
        const after = applyAgreementEvent(before, event);
        if (after !== undefined && after !== before) this.write(id, after, e, event.name === "AgreementRequested");
        actor = agreementEventActor(event);
      }
      const byCouncil = e.args.byCouncil === true || e.name === "AgreementDecidedByCouncil";
      this.sql.addEvent.run(...policyEventRow(e, id, actor, byCouncil));
    }
  }

  /**
   * The chain's part of an agreement, as the core's fold leaves it (what the access decision reads, through its
   * cache: see modules/fetch/policy.ts); undefined for an agreement never requested.
   */
  state(agreementId: number | string): AgreementState | undefined {
    const id = counterId(agreementId);
    const row = id === undefined ? undefined : (this.sql.state.get(id) as RawAgreement | undefined);
    return row ? stateOf(row) : undefined;
  }

  private write(id: number, a: AgreementState, e: IndexedEvent, requested: boolean): void {
    const status = AGREEMENT_STATUS.toIndex(a.storedStatus);
    const rejection = [a.rejection?.reasonHash ?? null, a.rejection ? (a.rejection.byCouncil ? 1 : 0) : null];
    const council = [
      a.councilDecision ? (a.councilDecision.approved ? 1 : 0) : null,
      a.councilDecision?.reasonHash ?? null,
    ];
    if (!requested) {
      this.sql.update.run(
        a.providerApproved ? 1 : 0,
        a.pendingSeals,
        status,
        ...rejection,
        ...council,
        e.blockNumber,
        id,
      );
      return;
    }
    this.sql.insert.run(
      id,
      a.resourceId,
      a.provider,
      a.consumer,
      JSON.stringify(a.coConsumers),
      a.fieldMask.toString(),
      a.purpose,
      LEGAL_BASIS.toIndex(a.legalBasis),
      a.validFrom,
      a.validUntil,
      a.replyDeadline,
      a.requiresConsent ? 1 : 0,
      a.providerApproved ? 1 : 0,
      a.pendingSeals,
      a.quota.calls,
      QUOTA_PERIOD.toIndex(a.quota.per),
      a.termsHash,
      status,
      ...rejection,
      ...council,
      e.blockNumber,
      e.blockTime,
      e.txHash,
      e.blockNumber,
    );
  }

  /** Clears what came from the chain (texts are kept: they are addressed by their hash). */
  reset(): void {
    this.db.exec(`DELETE FROM agreements; DELETE FROM agreement_events; DELETE FROM agreement_notes;`);
  }

  /** Keeps a text whose keccak256 goes on chain (a terms document's canonical JSON, a rejection reason). */
  saveText(hash: string, text: string): void {
    this.db.prepare(`INSERT OR IGNORE INTO agreement_texts VALUES (?, ?)`).run(hash.toLowerCase(), text);
  }

  /** Keeps the purpose text of an agreement (not on chain). */
  savePurposeText(agreementId: number, text: string): void {
    this.db.prepare(`INSERT OR REPLACE INTO agreement_notes VALUES (?, ?)`).run(agreementId, text);
  }

  get(agreementId: number): AgreementRecord | null {
    const row = this.db.prepare(`${SELECT} WHERE a.id = ?`).get(agreementId) as RawAgreement | undefined;
    return row ? fromRaw(row) : null;
  }

  /** Agreements matching every criterion given, in id order. */
  list(filter: AgreementFilter = {}): AgreementRecord[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.provider !== undefined) {
      where.push(`a.provider = ?`);
      args.push(filter.provider.toLowerCase());
    }
    if (filter.consumer !== undefined) {
      where.push(`(a.consumer = ? OR EXISTS (SELECT 1 FROM json_each(a.co_consumers) WHERE value = ?))`);
      args.push(filter.consumer.toLowerCase(), filter.consumer.toLowerCase());
    }
    if (filter.resourceId !== undefined) {
      where.push(`a.resource_id = ?`);
      args.push(filter.resourceId.toLowerCase());
    }
    const sql = `${SELECT}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY a.id`;
    return (this.db.prepare(sql).all(...args) as RawAgreement[]).map(fromRaw);
  }

  /** The agreement's events in chain order (grants issued under it included). */
  history(agreementId: number): AgreementEventRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM agreement_events WHERE agreement_id = ? ORDER BY block_number, log_index`)
        .all(agreementId) as RawEvent[]
    ).map((r) => ({ agreementId: r.agreement_id, ...policyEventFields(r) }));
  }
}

function parseObject(json: string | null): Record<string, unknown> | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The chain's part of a row, as the core fold's state. */
function stateOf(r: RawAgreement): AgreementState {
  return {
    id: String(r.id) as AgreementId,
    resourceId: r.resource_id as ResourceId,
    provider: r.provider as DepartmentId,
    consumer: r.consumer as DepartmentId,
    coConsumers: JSON.parse(r.co_consumers) as DepartmentId[],
    fieldMask: BigInt(r.field_mask),
    purpose: r.purpose,
    legalBasis: LEGAL_BASIS.fromIndex(r.legal_basis),
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    replyDeadline: r.reply_deadline,
    requiresConsent: r.requires_consent === 1,
    providerApproved: r.provider_approved === 1,
    pendingSeals: r.pending_seals,
    quota: { calls: r.quota_calls, per: QUOTA_PERIOD.fromIndex(r.quota_per) },
    termsHash: r.terms_hash,
    storedStatus: AGREEMENT_STATUS.fromIndex(r.status),
    rejection:
      r.rejection_hash === null ? null : { reasonHash: r.rejection_hash, byCouncil: r.rejected_by_council === 1 },
    councilDecision:
      r.council_approved === null
        ? null
        : { approved: r.council_approved === 1, reasonHash: r.council_reason_hash ?? ZERO },
  };
}

function fromRaw(r: RawAgreement): AgreementRecord {
  const state = stateOf(r);
  return {
    agreementId: r.id,
    resourceId: state.resourceId,
    provider: state.provider,
    consumer: state.consumer,
    coConsumers: state.coConsumers,
    fieldMask: state.fieldMask,
    purpose: state.purpose,
    purposeCode: bytes32ToCode(r.purpose),
    purposeText: r.purpose_text,
    legalBasis: state.legalBasis,
    validFrom: state.validFrom,
    validUntil: state.validUntil,
    replyDeadline: state.replyDeadline,
    requiresConsent: state.requiresConsent,
    providerApproved: state.providerApproved,
    pendingSeals: state.pendingSeals,
    quota: state.quota,
    termsHash: state.termsHash,
    terms: parseObject(r.terms_json),
    storedStatus: state.storedStatus,
    rejection: state.rejection && {
      reasonHash: state.rejection.reasonHash,
      reason: r.rejection_text,
      byCouncil: state.rejection.byCouncil,
    },
    councilDecision: state.councilDecision && { ...state.councilDecision, reason: r.council_reason_text },
    requestedBlock: r.requested_block,
    requestedAt: r.requested_at,
    requestedTx: r.requested_tx,
    updatedBlock: r.updated_block,
  };
}
