/** Departments' membership status over time, from the Consortium's admission, suspension and reinstatement events. */
import { applyDepartmentEvent, DEPARTMENT_STATUS_EVENTS, type DepartmentStatus } from "../../../core/folds/departments";
import { eventTopics, interfaces } from "../contracts";
import type { AuditContext } from "../connect";
import type { ChainEvent } from "../event-source";
import { groupBy, happenedBy } from "./fold";

/** Each department's status events in chain order, by lower-case department id. */
export class DepartmentStatuses {
  private readonly byDepartment = new Map<string, ChainEvent[]>();

  constructor(events: readonly ChainEvent[]) {
    this.add(events);
  }

  /** Folds in the events of departments not read before. */
  add(events: readonly ChainEvent[]): void {
    for (const [department, list] of groupBy(events, (e) => String(e.args[0]).toLowerCase()))
      this.byDepartment.set(department, [...(this.byDepartment.get(department) ?? []), ...list]);
  }

  /** The department's status at `time`; undefined when it was not admitted by then. */
  statusAt(department: string, time: number): DepartmentStatus | undefined {
    let status: DepartmentStatus | undefined;
    for (const event of this.byDepartment.get(department.toLowerCase()) ?? []) {
      if (!happenedBy(event, time)) break;
      status = applyDepartmentEvent(status, event.name);
    }
    return status;
  }
}

/** The status events of the given departments, in chain order (one query filtered by the department id topic). */
export async function loadDepartmentEvents(ctx: AuditContext, departments: Iterable<string>): Promise<ChainEvent[]> {
  const ids = [...new Set([...departments].map((d) => d.toLowerCase()))];
  return ctx.events.events(ctx.deployment.contracts.Consortium, interfaces.Consortium, [
    eventTopics("Consortium", DEPARTMENT_STATUS_EVENTS),
    ids,
  ]);
}
