/** Which accounts acted for which department over time, from the Consortium's OperatorAdded/OperatorRemoved events. */
import { applyOperatorEvent, OPERATOR_EVENTS } from "../../../core/folds/operators";
import { eventTopics, interfaces } from "../contracts";
import type { AuditContext } from "../connect";
import type { ChainEvent } from "../event-source";
import { groupBy, happenedBy } from "./fold";

/** Each department's operator events in chain order, by lower-case department id. */
export class OperatorHistory {
  private readonly byDepartment: Map<string, ChainEvent[]>;

  constructor(events: readonly ChainEvent[]) {
    this.byDepartment = groupBy(events, (e) => String(e.args[0]).toLowerCase());
  }

  /** Whether `account` acted for `department` at `time` (unix seconds). */
  wasOperatorAt(department: string, account: string, time: number): boolean {
    let operators: ReadonlySet<string> = new Set();
    for (const event of this.byDepartment.get(department.toLowerCase()) ?? []) {
      if (!happenedBy(event, time)) break;
      operators = applyOperatorEvent(operators, event.name, String(event.args[1]));
    }
    return operators.has(account.toLowerCase());
  }
}

/** The operator events of the given departments (one query filtered by the department id topic). */
export async function loadOperatorHistory(ctx: AuditContext, departments: Iterable<string>): Promise<OperatorHistory> {
  const ids = [...new Set([...departments].map((d) => d.toLowerCase()))];
  const events = await ctx.events.events(ctx.deployment.contracts.Consortium, interfaces.Consortium, [
    eventTopics("Consortium", OPERATOR_EVENTS),
    ids,
  ]);
  return new OperatorHistory(events);
}
