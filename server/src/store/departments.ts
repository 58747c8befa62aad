import { LEVEL } from "../../../core/codes/enumerations";
import type { Db } from "../common/db";
import { migrate } from "../common/db";

export interface DepartmentRow {
  id: string;
  code: string;
  name: string;
  level: string;
  regionCode: number;
  parent: string | null;
  status: "active" | "suspended";
  council: boolean;
  admittedBlock: number;
  admittedAt: number;
  /** The exchange endpoint its admin published on chain (`GatewayEndpointSet`), null when none or withdrawn. */
  gateway: string | null;
}

export interface OperatorRow {
  account: string;
  departmentId: string;
  admin: boolean;
}

const ZERO = `0x${"0".repeat(64)}`;

interface Event {
  name: string;
  contract: string;
  args: Record<string, unknown>;
  blockNumber: number;
  blockTime: number;
}

/** The consortium's members and operators as the indexer has seen them (Consortium events). */
export class DepartmentStore {
  /** True when the tables were created now and the indexed history must be replayed into them. */
  readonly fresh: boolean;
  /** Every fetch looks its provider's endpoint up: prepared once. */
  private readonly activeEndpoint;
  /** Every consent recorded looks its recorder and recipient up: prepared once (preparing was 5 % of its CPU). */
  private readonly byId;

  constructor(private readonly db: Db) {
    this.fresh =
      migrate(db, "departments", [
        `CREATE TABLE departments (
           id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, level TEXT NOT NULL,
           region_code INTEGER NOT NULL, parent TEXT, status TEXT NOT NULL, council INTEGER NOT NULL,
           admitted_block INTEGER NOT NULL, admitted_at INTEGER NOT NULL)`,
        `CREATE TABLE department_operators (
           account TEXT PRIMARY KEY, department_id TEXT NOT NULL, admin INTEGER NOT NULL)`,
        `ALTER TABLE departments ADD COLUMN gateway TEXT`,
      ]) > 0;
    this.activeEndpoint = db.prepare(`SELECT gateway FROM departments WHERE id = ? AND status = 'active'`);
    this.byId = db.prepare(`SELECT * FROM departments WHERE id = ?`);
  }

  /** Applies Consortium events; runs inside the indexer's transaction. */
  apply(events: readonly Event[]): void {
    for (const e of events) {
      if (e.contract !== "Consortium") continue;
      const a = e.args;
      switch (e.name) {
        case "DepartmentAdmitted":
          this.db
            .prepare(
              `INSERT OR REPLACE INTO departments
                 (id, code, name, level, region_code, parent, status, council, admitted_block, admitted_at, gateway)
               VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, NULL)`,
            )
            .run(
              a.departmentId,
              a.code,
              a.name,
              LEVEL.values[Number(a.level)] ?? String(a.level),
              Number(a.regionCode),
              a.parent === ZERO ? null : a.parent,
              a.councilSeat ? 1 : 0,
              e.blockNumber,
              e.blockTime,
            );
          break;
        case "DepartmentSuspended":
          this.db.prepare(`UPDATE departments SET status = 'suspended' WHERE id = ?`).run(a.departmentId);
          break;
        case "DepartmentReinstated":
          this.db.prepare(`UPDATE departments SET status = 'active' WHERE id = ?`).run(a.departmentId);
          break;
        case "CouncilSeatChanged":
          this.db.prepare(`UPDATE departments SET council = ? WHERE id = ?`).run(a.councilSeat ? 1 : 0, a.departmentId);
          break;
        case "GatewayEndpointSet":
          // An empty URL is the admin withdrawing the endpoint.
          this.db
            .prepare(`UPDATE departments SET gateway = ? WHERE id = ?`)
            .run(typeof a.url === "string" && a.url !== "" ? a.url : null, a.departmentId);
          break;
        case "GatewayEndpointCleared":
          this.db.prepare(`UPDATE departments SET gateway = NULL WHERE id = ?`).run(a.departmentId);
          break;
        case "OperatorAdded":
          this.db
            .prepare(`INSERT OR REPLACE INTO department_operators VALUES (?, ?, ?)`)
            .run(String(a.account).toLowerCase(), a.departmentId, a.admin ? 1 : 0);
          break;
        case "OperatorRemoved":
          this.db.prepare(`DELETE FROM department_operators WHERE account = ?`).run(String(a.account).toLowerCase());
          break;
      }
    }
  }

  reset(): void {
    this.db.exec(`DELETE FROM departments; DELETE FROM department_operators;`);
  }

  list(): DepartmentRow[] {
    return (this.db.prepare(`SELECT * FROM departments ORDER BY admitted_block, id`).all() as RawDepartment[]).map(
      fromRaw,
    );
  }

  get(id: string): DepartmentRow | null {
    const row = this.byId.get(id.toLowerCase()) as RawDepartment | undefined;
    return row ? fromRaw(row) : null;
  }

  operators(departmentId: string): OperatorRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM department_operators WHERE department_id = ? ORDER BY account`)
        .all(departmentId.toLowerCase()) as Array<{ account: string; department_id: string; admin: number }>
    ).map((r) => ({ account: r.account, departmentId: r.department_id, admin: r.admin === 1 }));
  }

  /**
   * Where to send an exchange to `departmentId`: its published endpoint, or null when it has none or is not an
   * active member (a suspended department's gateway is not called).
   */
  activeEndpointOf(departmentId: string): string | null {
    const row = this.activeEndpoint.get(departmentId.toLowerCase()) as { gateway: string | null } | undefined;
    return row?.gateway ?? null;
  }

  departmentOfAccount(account: string): string | null {
    const row = this.db
      .prepare(`SELECT department_id FROM department_operators WHERE account = ?`)
      .get(account.toLowerCase()) as { department_id: string } | undefined;
    return row?.department_id ?? null;
  }
}

interface RawDepartment {
  id: string;
  code: string;
  name: string;
  level: string;
  region_code: number;
  parent: string | null;
  status: "active" | "suspended";
  council: number;
  admitted_block: number;
  admitted_at: number;
  gateway: string | null;
}

function fromRaw(r: RawDepartment): DepartmentRow {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    level: r.level,
    regionCode: r.region_code,
    parent: r.parent,
    status: r.status,
    council: r.council === 1,
    admittedBlock: r.admitted_block,
    admittedAt: r.admitted_at,
    gateway: r.gateway,
  };
}
