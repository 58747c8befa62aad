import { ForbiddenError } from "../../common/errors";
import type { AuthContext } from "../../common/request-context";
import { DepartmentRequiredError } from "./errors";

/** Resolves a department key to its on-chain id (the department service does, for the departments it serves). */
export interface DepartmentIds {
  idOf(key: string): string | null;
}

/** The calling department, key and on-chain id; 403 `department_required` for a token without one. */
export function callerOf(auth: AuthContext, departments: DepartmentIds): { key: string; id: string } {
  const caller = callerIfAny(auth, departments);
  if (caller === null) throw new DepartmentRequiredError();
  return caller;
}

/** The calling department, or null for a token that acts for none (an auditor's). */
export function callerIfAny(auth: AuthContext, departments: DepartmentIds): { key: string; id: string } | null {
  const key = auth.departmentKey;
  const id = key === null ? null : departments.idOf(key);
  return key !== null && id !== null ? { key, id } : null;
}

/** The calling department's key (its id is resolved by the service); 403 for a token that acts for no department. */
export function callerKeyOf(auth: AuthContext): string {
  if (auth.departmentKey === null) throw new ForbiddenError("this token acts for no department");
  return auth.departmentKey;
}

/** The calling department's id as this gateway knows it (a department it serves); 403 for any other token. */
export function servedCallerOf(auth: AuthContext, departments: DepartmentIds): { key: string; id: string } {
  const caller = callerIfAny(auth, departments);
  if (caller === null) throw new ForbiddenError("this token acts for no department of this gateway");
  return caller;
}
