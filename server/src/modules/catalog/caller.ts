import type { AuthContext } from "../../common/request-context";
import type { DepartmentService } from "../departments/service";
import { DepartmentRequiredError } from "./errors";

/** A department as the API shows it: on-chain id and, when this gateway serves it, its key. */
export interface DepartmentRef {
  id: string;
  key: string | null;
}

/** The calling department (key and on-chain id), or 403 for a token without one. */
export function callerOf(auth: AuthContext, departments: DepartmentService): { key: string; id: string } {
  const key = auth.departmentKey;
  const id = key === null ? null : departments.idOf(key);
  if (key === null || id === null) throw new DepartmentRequiredError();
  return { key, id };
}

export function departmentRef(departments: DepartmentService, id: string): DepartmentRef {
  return { id, key: departments.keyOf(id) };
}
