import { GRANT_STATUS, QUOTA_PERIOD } from "../../../core/codes/enumerations";
import { applyGrantEvent, type GrantState } from "../../../core/folds/grants";
import type { AgreementId, DepartmentId, GrantId } from "../../../core/ids";
import type { IndexedEvent } from "../common/indexed-event";
import {
  counterId,
  policyEventFields,
  policyEventRow,
  type PolicyEventFields,
  type RawPolicyEvent,
} from "./policy-event-row";
import type { Quota } from "./agreements";
import type { Db } from "../common/db";
import { migrate } from "../common/db";

type GrantStatus = (typeof GRANT_STATUS.values)[number];

/**
 * A grant as the chain says it is (Grants events). Stable interface: the fetch feature reads it through
 * `GrantStore.get` (who may fetch: `grantee`; what: `fieldMask`; until: `expiresAt`; how often: `quota`).
 */
export interface GrantRecord {
  grantId: number;
  agreementId: number;
  /** The issuing consumer department's id (the agreement's lead consumer or a co-consumer). */
  consumer: string;
  /** The account that may fetch with it (checksummed, as emitted). */
  grantee: string;
  /** A subset of the agreement's mask; bit i = the resource's field i. */
  fieldMask: bigint;
  /** Unix seconds, exclusive. */
  expiresAt: number;
  /** The stored status; expiry is by time (`grantExpired`). */
  status: GrantStatus;
  quota: Quota;
  issuedBlock: number;
  issuedAt: number;
  issuedTx: string;
  updatedBlock: number;
}

export interface GrantEventRow extends PolicyEventFields {
  grantId: number;
  /** The acting department's id; null when the council acted. */
  actor: string | null;
}

export interface GrantFilter {
  agreementId?: number;
  consumer?: string;
  grantee?: string;
}

/** Whether the grant's own expiry has passed at `now` (unix seconds). */
export function grantExpired(g: GrantRecord, now: number): boolean {
  return now >= g.expiresAt;
}

interface RawGrant {
  id: number;
  agreement_id: number;
  consumer: string;
  grantee: string;
  field_mask: string;
  expires_at: number;
  status: number;
  quota_calls: number;
  quota_per: number;
  issued_block: number;
  issued_at: number;
  issued_tx: string;
  updated_block: number;
}

interface RawEvent extends RawPolicyEvent {
  grant_id: number;
}

/** The events that change an issued grant's status (the core's fold says to which). */
const STATUS_EVENTS: ReadonlySet<string> = new Set(["GrantPaused", "GrantResumed", "GrantRevoked"]);

/**
 * The grants projection (Grants events) with each grant's history. Applying the same event twice changes nothing.
 */
export class GrantStore {
  readonly fresh: boolean;
  private readonly sql;

  constructor(private readonly db: Db) {
    this.fresh =
      migrate(db, "grants", [
        `CREATE TABLE grants (
           id INTEGER PRIMARY KEY, agreement_id INTEGER NOT NULL, consumer TEXT NOT NULL, grantee TEXT NOT NULL,
           field_mask TEXT NOT NULL, expires_at INTEGER NOT NULL, status INTEGER NOT NULL,
           quota_calls INTEGER NOT NULL, quota_per INTEGER NOT NULL,
           issued_block INTEGER NOT NULL, issued_at INTEGER NOT NULL, issued_tx TEXT NOT NULL,
           updated_block INTEGER NOT NULL)`,
        `CREATE INDEX grants_agreement ON grants (agreement_id)`,
        `CREATE INDEX grants_grantee ON grants (grantee COLLATE NOCASE)`,
        `CREATE TABLE grant_events (
           block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL,
           block_time INTEGER NOT NULL, grant_id INTEGER NOT NULL, name TEXT NOT NULL, actor TEXT,
           by_council INTEGER NOT NULL, args_json TEXT NOT NULL, PRIMARY KEY (block_number, log_index))`,
        `CREATE INDEX grant_events_grant ON grant_events (grant_id)`,
      ]) > 0;
    this.sql = {
      get: db.prepare(`SELECT * FROM grants WHERE id = ?`),
      seen: db.prepare(`SELECT 1 FROM grant_events WHERE block_number = ? AND log_index = ?`),
      insert: db.prepare(`INSERT OR REPLACE INTO grants VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      setStatus: db.prepare(`UPDATE grants SET status = ?, updated_block = ? WHERE id = ?`),
      addEvent: db.prepare(`INSERT OR IGNORE INTO grant_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  /** Applies Grants events (folded by the core's `applyGrantEvent`); runs inside the indexer's transaction. */
  apply(events: readonly IndexedEvent[]): void {
    for (const e of events) {
      if (e.contract !== "Grants") continue;
      if (e.name !== "GrantIssued" && !STATUS_EVENTS.has(e.name)) continue;
      if (this.sql.seen.get(e.blockNumber, e.logIndex)) continue;
      const a = e.args;
      const id = Number(a.grantId);
      const byCouncil = a.byCouncil === true;
      const before = this.state(id);
      const after = applyGrantEvent(before, e.name, a);
      let actor: string | null;
      if (e.name === "GrantIssued" && after !== undefined) {
        this.sql.insert.run(
          id,
          Number(after.agreementId),
          after.consumer,
          // As emitted (checksummed): the API shows it so; the fold's state has it in lower case.
          String(a.grantee),
          after.fieldMask.toString(),
          after.expiresAt,
          GRANT_STATUS.toIndex(after.status),
          after.quota.calls,
          QUOTA_PERIOD.toIndex(after.quota.per),
          e.blockNumber,
          e.blockTime,
          e.txHash,
          e.blockNumber,
        );
        actor = after.consumer;
      } else {
        if (after !== undefined && after !== before) {
          this.sql.setStatus.run(GRANT_STATUS.toIndex(after.status), e.blockNumber, id);
        }
        actor = byCouncil ? null : String(a.actor).toLowerCase();
      }
      this.sql.addEvent.run(...policyEventRow(e, id, actor, byCouncil));
    }
  }

  /**
   * A grant as the core's fold leaves it (what the access decision reads, through its cache: see
   * modules/fetch/policy.ts); undefined for a grant never issued.
   */
  state(grantId: number | string): GrantState | undefined {
    const id = counterId(grantId);
    const r = id === undefined ? undefined : (this.sql.get.get(id) as RawGrant | undefined);
    if (!r) return undefined;
    return {
      id: String(r.id) as GrantId,
      agreementId: String(r.agreement_id) as AgreementId,
      consumer: r.consumer as DepartmentId,
      grantee: r.grantee.toLowerCase(),
      fieldMask: BigInt(r.field_mask),
      expiresAt: r.expires_at,
      quota: { calls: r.quota_calls, per: QUOTA_PERIOD.fromIndex(r.quota_per) },
      status: GRANT_STATUS.fromIndex(r.status),
    };
  }

  reset(): void {
    this.db.exec(`DELETE FROM grants; DELETE FROM grant_events;`);
  }

  get(grantId: number): GrantRecord | null {
    const row = this.sql.get.get(grantId) as RawGrant | undefined;
    return row ? fromRaw(row) : null;
  }

  /** Grants matching every criterion given, in id order. */
  list(filter: GrantFilter = {}): GrantRecord[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.agreementId !== undefined) {
      where.push(`agreement_id = ?`);
      args.push(filter.agreementId);
    }
    if (filter.consumer !== undefined) {
      where.push(`consumer = ?`);
      args.push(filter.consumer.toLowerCase());
    }
    if (filter.grantee !== undefined) {
      where.push(`grantee = ? COLLATE NOCASE`);
      args.push(filter.grantee);
    }
    const sql = `SELECT * FROM grants${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id`;
    return (this.db.prepare(sql).all(...args) as RawGrant[]).map(fromRaw);
  }

  /** The grant's events in chain order. */
  history(grantId: number): GrantEventRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM grant_events WHERE grant_id = ? ORDER BY block_number, log_index`)
        .all(grantId) as RawEvent[]
    ).map((r) => ({ grantId: r.grant_id, ...policyEventFields(r) }));
  }
}

function fromRaw(r: RawGrant): GrantRecord {
  return {
    grantId: r.id,
    agreementId: r.agreement_id,
    consumer: r.consumer,
    grantee: r.grantee,
    fieldMask: BigInt(r.field_mask),
    expiresAt: r.expires_at,
    status: GRANT_STATUS.fromIndex(r.status),
    quota: { calls: r.quota_calls, per: QUOTA_PERIOD.fromIndex(r.quota_per) },
    issuedBlock: r.issued_block,
    issuedAt: r.issued_at,
    issuedTx: r.issued_tx,
    updatedBlock: r.updated_block,
  };
}
