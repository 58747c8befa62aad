import fs from "node:fs";
import { getAddress, id as keccakUtf8 } from "ethers";
import type { Department, DepartmentDirectory } from "../auth/department-directory";
import type { DepartmentRow, DepartmentStore } from "../../store/departments";
import { MemberNotFoundError } from "./errors";
import { servedDepartmentsSchema, type ServedDepartment } from "./schemas";

export function readServedDepartments(file: string): ServedDepartment[] {
  const raw: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  const parsed = servedDepartmentsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`departments file ${file}: [${issue.path.join(".")}] ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Who the members are (from the indexed Consortium events) and which of them this gateway serves (the departments
 * file). Also the DepartmentDirectory of the auth module: a token's department key resolves to its on-chain id here.
 */
export class DepartmentService implements DepartmentDirectory {
  private readonly idByKey = new Map<string, string>();
  private readonly keyById = new Map<string, string>();

  constructor(
    private readonly store: DepartmentStore,
    served: readonly ServedDepartment[],
    private readonly indexedBlock: () => number,
  ) {
    for (const d of served) {
      const id = keccakUtf8(d.code);
      this.idByKey.set(d.key, id);
      this.keyById.set(id, d.key);
    }
  }

  /** The on-chain id of a served department's key (known even before the department is admitted). */
  idOf(key: string): string | null {
    return this.idByKey.get(key) ?? null;
  }

  keyOf(id: string): string | null {
    return this.keyById.get(id.toLowerCase()) ?? null;
  }

  byKey(key: string): Department | null {
    const id = this.idByKey.get(key);
    if (!id) return null;
    const row = this.store.get(id);
    return {
      key,
      id,
      name: row?.name ?? null,
      code: row?.code,
      level: row?.level,
      council: row?.council,
      status: row?.status ?? "not_admitted",
    };
  }

  /** The member, or null. */
  get(id: string): DepartmentRow | null {
    return this.store.get(id);
  }

  /** The member, or a 404 naming the id. */
  require(id: string): DepartmentRow {
    const row = this.store.get(id);
    if (!row) throw new MemberNotFoundError(id);
    return row;
  }

  list() {
    return { items: this.store.list().map((r) => this.view(r)), block: this.indexedBlock() };
  }

  detail(id: string) {
    const row = this.require(id);
    // The store keys accounts in lower case; clients get the EIP-55 form (as the chain and wallets show them).
    const operators = this.store.operators(id).map(({ account, admin }) => ({ account: getAddress(account), admin }));
    return { ...this.view(row), operators };
  }

  private view(r: DepartmentRow) {
    return { key: this.keyOf(r.id), ...r, admittedAt: new Date(r.admittedAt * 1000).toISOString() };
  }
}

/** A department as the API shows it: on-chain id and, when this gateway serves it, its key. */
export interface DepartmentRef {
  id: string;
  key: string | null;
}

export function departmentRef(departments: Pick<DepartmentService, "keyOf">, id: string): DepartmentRef {
  return { id, key: departments.keyOf(id) };
}
