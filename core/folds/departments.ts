/**
 * The one fold of Consortium membership events into a department's status, as the contract holds it: admitted
 * active, suspended by the council, reinstated. Each of these events names only the department (its first argument),
 * so the fold reads the names alone.
 */
/** `IConsortium.DepartmentStatus` without `none`: a department that was never admitted has no state. */
export type DepartmentStatus = "active" | "suspended";

const STATUS_AFTER: Readonly<Record<string, DepartmentStatus>> = {
  DepartmentAdmitted: "active",
  DepartmentSuspended: "suspended",
  DepartmentReinstated: "active",
};

/** The Consortium events that change a department's status. */
export const DEPARTMENT_STATUS_EVENTS: readonly string[] = Object.keys(STATUS_AFTER);

/**
 * The department's status after the event `name`; `status` is the status before (undefined before admission).
 * Other events, and a suspension or reinstatement of a department never admitted, leave it as it was.
 */
export function applyDepartmentEvent(status: DepartmentStatus | undefined, name: string): DepartmentStatus | undefined {
  const after = STATUS_AFTER[name];
  if (after === undefined) return status;
  if (status === undefined && name !== "DepartmentAdmitted") return undefined;
  return after;
}
