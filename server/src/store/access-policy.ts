import { agreementEventOf } from "../../../core/folds/agreements";
import { applyDepartmentEvent, DEPARTMENT_STATUS_EVENTS } from "../../../core/folds/departments";
import { applyOperatorEvent, OPERATOR_EVENTS } from "../../../core/folds/operators";
import { grantId } from "../../../core/ids";
import type { Db } from "../common/db";
import { migrate } from "../common/db";
import type { IndexedEvent, JsonValue } from "../common/indexed-event";

/**
 * The access policy's persisted state, everything a fetch decision reads but what other projections hold once
 * (consents in the consent store; resources, agreements and grants in the catalog's, the agreements' and the grants'
 * projections, the ones their APIs list): which account acts for which department, which departments are suspended,
 * and the latest block time. It still reports which resources, agreements and grants a page changed, for the
 * decision's cache.
 *
 * A projection applied inside the indexer's page transaction and cleared with it on a reset, so it always reflects
 * exactly the indexed block and survives a restart (no replay at start). Its rows grow with the operators and the
 * suspended departments, never with consents. Statements are prepared once.
 */

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE policy_resources (
     resource_id TEXT PRIMARY KEY, provider TEXT NOT NULL, code TEXT NOT NULL, version INTEGER NOT NULL,
     retired INTEGER NOT NULL, personal INTEGER NOT NULL, fields_json TEXT NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE policy_agreements (
     agreement_id TEXT PRIMARY KEY, resource_id TEXT NOT NULL, provider TEXT NOT NULL, consumer TEXT NOT NULL,
     co_consumers_json TEXT NOT NULL, field_mask TEXT NOT NULL, purpose TEXT NOT NULL, legal_basis INTEGER NOT NULL,
     valid_from INTEGER NOT NULL, valid_until INTEGER NOT NULL, reply_deadline INTEGER NOT NULL,
     requires_consent INTEGER NOT NULL, provider_approved INTEGER NOT NULL, pending_seals INTEGER NOT NULL,
     quota_calls INTEGER NOT NULL, quota_per INTEGER NOT NULL, terms_hash TEXT NOT NULL,
     stored_status INTEGER NOT NULL, rejection_reason TEXT, rejection_by_council INTEGER,
     council_approved INTEGER, council_reason TEXT) WITHOUT ROWID`,
  `CREATE TABLE policy_grants (
     grant_id TEXT PRIMARY KEY, agreement_id TEXT NOT NULL, consumer TEXT NOT NULL, grantee TEXT NOT NULL,
     field_mask TEXT NOT NULL, expires_at INTEGER NOT NULL, quota_calls INTEGER NOT NULL,
     quota_per INTEGER NOT NULL, status INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE policy_operators (account TEXT PRIMARY KEY, department_id TEXT NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE policy_suspended (department_id TEXT PRIMARY KEY) WITHOUT ROWID`,
  `CREATE TABLE policy_clock (id INTEGER PRIMARY KEY CHECK (id = 1), latest_block_time INTEGER NOT NULL)`,
  // Agreements and grants are read from their own projections (store/agreements.ts, store/grants.ts), folded by the
  // same core folds: one projection of each in a gateway's database, not two that could disagree.
  `DROP TABLE policy_agreements`,
  `DROP TABLE policy_grants`,
  // Resources likewise, from the catalog's projection: the fields a fetch delivers are the ones the catalog lists.
  `DROP TABLE policy_resources`,
];

const str = (v: JsonValue | undefined): string => (typeof v === "string" ? v.toLowerCase() : String(v ?? ""));

/** Which cached entries an applied page changed (the access policy's cache drops them). */
export interface PolicyChanges {
  resources: Set<string>;
  agreements: Set<string>;
  grants: Set<string>;
  /** Accounts that became or stopped being an operator of a department (lower case). */
  operators: Set<string>;
  /** Departments suspended or reinstated (lower case). */
  departments: Set<string>;
}

export class PolicyStore {
  /** True when the tables were created now and the indexed history must be replayed into them. */
  readonly fresh: boolean;
  private readonly listeners = new Set<(changes: PolicyChanges | null) => void>();
  private readonly sql;

  constructor(private readonly db: Db) {
    // Fresh when the tables were created now; later migrations alone (dropping the old copies of resources,
    // agreements and grants) are not: those are kept by their own projections, and nothing here needs a replay.
    this.fresh = migrate(db, "access_policy", MIGRATIONS) === MIGRATIONS.length;
    this.sql = {
      operator: db.prepare(`SELECT department_id FROM policy_operators WHERE account = ?`),
      addOperator: db.prepare(`INSERT OR REPLACE INTO policy_operators (account, department_id) VALUES (?, ?)`),
      removeOperator: db.prepare(`DELETE FROM policy_operators WHERE account = ? AND department_id = ?`),
      suspended: db.prepare(`SELECT 1 FROM policy_suspended WHERE department_id = ?`),
      suspend: db.prepare(`INSERT OR IGNORE INTO policy_suspended (department_id) VALUES (?)`),
      reinstate: db.prepare(`DELETE FROM policy_suspended WHERE department_id = ?`),
      clock: db.prepare(`SELECT latest_block_time FROM policy_clock WHERE id = 1`),
      advanceClock: db.prepare(
        `INSERT INTO policy_clock (id, latest_block_time) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET latest_block_time = MAX(latest_block_time, excluded.latest_block_time)`,
      ),
    };
  }

  /** Called after each applied page with what changed, and with null after a reset (everything did). */
  onChange(listener: (changes: PolicyChanges | null) => void): void {
    this.listeners.add(listener);
  }

  apply(events: readonly IndexedEvent[]): void {
    const changes: PolicyChanges = {
      resources: new Set(),
      agreements: new Set(),
      grants: new Set(),
      operators: new Set(),
      departments: new Set(),
    };
    let latest = 0;
    for (const e of events) {
      if (e.blockTime > latest) latest = e.blockTime;
      switch (e.contract) {
        case "Consortium":
          this.applyConsortium(e, changes);
          break;
        case "DataCatalog":
          this.applyCatalog(e, changes);
          break;
        case "SharingAgreements":
          this.applyAgreement(e, changes);
          break;
        case "Grants":
          this.applyGrant(e, changes);
          break;
      }
    }
    if (latest > 0) this.sql.advanceClock.run(latest);
    this.listeners.forEach((listener) => listener(changes));
  }

  reset(): void {
    this.db.exec(`DELETE FROM policy_operators; DELETE FROM policy_suspended; DELETE FROM policy_clock;`);
    this.listeners.forEach((listener) => listener(null));
  }

  /** The time of the latest indexed block with a Kuajie event (seconds), 0 before any. */
  latestBlockTime(): number {
    return (this.sql.clock.get() as { latest_block_time: number } | undefined)?.latest_block_time ?? 0;
  }

  /** The department an operator account acts for, or undefined. */
  departmentOf(account: string): string | undefined {
    return (this.sql.operator.get(account.toLowerCase()) as { department_id: string } | undefined)?.department_id;
  }

  isSuspended(department: string): boolean {
    return this.sql.suspended.get(department.toLowerCase()) !== undefined;
  }

  private applyConsortium(e: IndexedEvent, changes: PolicyChanges): void {
    const department = str(e.args.departmentId);
    if (OPERATOR_EVENTS.includes(e.name)) {
      const account = str(e.args.account);
      const before = new Set(this.departmentOf(account) === department ? [account] : []);
      const after = applyOperatorEvent(before, e.name, account);
      if (after.has(account) && !before.has(account)) this.sql.addOperator.run(account, department);
      if (!after.has(account) && before.has(account)) this.sql.removeOperator.run(account, department);
      changes.operators.add(account);
      return;
    }
    if (!DEPARTMENT_STATUS_EVENTS.includes(e.name)) return;
    // Only suspension matters to a decision: a department never admitted has no agreements to decide on.
    const before = this.isSuspended(department) ? "suspended" : "active";
    if (applyDepartmentEvent(before, e.name) === "suspended") this.sql.suspend.run(department);
    else this.sql.reinstate.run(department);
    changes.departments.add(department);
  }

  /** The catalog's projection folds the event; the cache of the access policy drops the resource it names. */
  private applyCatalog(e: IndexedEvent, changes: PolicyChanges): void {
    if (e.args.resourceId !== undefined) changes.resources.add(str(e.args.resourceId));
  }

  /** The agreements projection folds the event; the cache of the access policy drops the agreement it names. */
  private applyAgreement(e: IndexedEvent, changes: PolicyChanges): void {
    const event = agreementEventOf(e.name, e.args);
    if (event) changes.agreements.add(event.agreementId);
  }

  /** The grants projection folds the event; the cache of the access policy drops the grant it names. */
  private applyGrant(e: IndexedEvent, changes: PolicyChanges): void {
    if (e.args.grantId !== undefined) changes.grants.add(grantId(e.args.grantId as string));
  }
}
