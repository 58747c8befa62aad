/**
 * The one fold of DemandRegistry events into a demand's state, as the contract holds it (open → answered, or
 * assigned → fulfilled; the council may reassign), with the times and texts the events carry. Events are read by the
 * argument names of `IDemandRegistry`, from the indexer's JSON or an ethers `Result`. The gateway's projection and the
 * auditor's scorecard both fold with it.
 */
import type { DemandStatus } from "../codes/enumerations";
import { demandId, departmentId, type DemandId, type DepartmentId, type ResourceId } from "../ids";
import type { EventArgs } from "./agreements";

export interface DemandState {
  id: DemandId;
  requester: DepartmentId;
  detailsHash: string;
  /** The canonical demand JSON as emitted. */
  details: string;
  status: Exclude<DemandStatus, "none">;
  publishedAt: number;
  /** The department that answered it, or the one the council assigned it to; null while open. */
  responsible: DepartmentId | null;
  /** The resource that answered or fulfilled it. */
  resourceId: ResourceId | null;
  workingDays: number | null;
  /** End of the due date (unix seconds) once assigned. */
  dueAt: number | null;
  assignedAt: number | null;
  /** When it was answered or fulfilled. */
  settledAt: number | null;
  /** Whether the fulfilment came by the due date; null unless fulfilled. */
  fulfilledOnTime: boolean | null;
}

const lower = (value: unknown) => String(value).toLowerCase();

/**
 * The demand's state after the event `name` with `args` at block time `time`; `state` is the state before (undefined
 * before publication). Events of other names, and changes of a demand never published, leave the state as it was.
 */
export function applyDemandEvent(
  state: DemandState | undefined,
  name: string,
  args: EventArgs,
  time: number,
): DemandState | undefined {
  if (name === "DemandPublished") {
    return {
      id: demandId(args.demandId as string | bigint),
      requester: departmentId(String(args.requester)),
      detailsHash: lower(args.detailsHash),
      details: String(args.details),
      status: "open",
      publishedAt: time,
      responsible: null,
      resourceId: null,
      workingDays: null,
      dueAt: null,
      assignedAt: null,
      settledAt: null,
      fulfilledOnTime: null,
    };
  }
  if (state === undefined) return state;
  switch (name) {
    case "DemandAnswered":
      return {
        ...state,
        status: "answered",
        responsible: departmentId(String(args.provider)),
        resourceId: lower(args.resourceId) as ResourceId,
        settledAt: time,
      };
    case "ResponsibilityAssigned":
      return {
        ...state,
        status: "assigned",
        responsible: departmentId(String(args.responsible)),
        workingDays: Number(args.workingDays),
        dueAt: Number(args.dueAt),
        assignedAt: time,
      };
    case "ResponsibilityFulfilled":
      return {
        ...state,
        status: "fulfilled",
        resourceId: lower(args.resourceId) as ResourceId,
        settledAt: time,
        fulfilledOnTime: args.onTime === true,
      };
    default:
      return state;
  }
}

/** Whether the demand is assigned, unfulfilled and past its due date at `now` (unix seconds), as `isOverdue` says. */
export function demandOverdue(state: DemandState, now: number): boolean {
  return state.status === "assigned" && state.dueAt !== null && now > state.dueAt;
}
