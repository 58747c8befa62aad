/**
 * The one fold of Objections events into an objection's state, as the contract holds it (raised → corrected or
 * disputed; unanswered past the deadline or disputed → escalated → upheld or dismissed; upheld → corrected), with the
 * times and texts the events carry. Events are read by the argument names of `IObjections`, from the indexer's JSON
 * or an ethers `Result`. The gateway's projection and the auditor's scorecard both fold with it.
 */
import type { ObjectionStatus } from "../codes/enumerations";
import { departmentId, objectionId, type DepartmentId, type ObjectionId, type ResourceId } from "../ids";
import type { EventArgs } from "./agreements";

export interface ObjectionState {
  id: ObjectionId;
  resourceId: ResourceId;
  provider: DepartmentId;
  consumer: DepartmentId;
  fieldMask: bigint;
  evidenceHash: string;
  description: string;
  status: Exclude<ObjectionStatus, "none">;
  raisedAt: number;
  /** End of the last working day to answer (unix seconds). */
  answerDeadline: number;
  /** The provider's first answer (correction or dispute); null before. */
  answeredAt: number | null;
  /** Whether that first answer came by the deadline; null before. */
  answeredOnTime: boolean | null;
  /** The catalog version that corrected it; null when corrected by a note, or not corrected. */
  correctedVersion: number | null;
  correctionNoteHash: string | null;
  disputeReasonHash: string | null;
  /** Whether the provider disputed it at some point (the status moves on after an escalation). */
  disputed: boolean;
  escalatedAt: number | null;
  /** The council's decision: upheld or dismissed, with its reason hash; null before. */
  councilUpheld: boolean | null;
  councilReasonHash: string | null;
}

const ZERO = `0x${"0".repeat(64)}`;
const lower = (value: unknown) => String(value).toLowerCase();
const hashOrNull = (value: unknown) => (lower(value) === ZERO ? null : lower(value));

/**
 * The objection's state after the event `name` with `args` at block time `time`; `state` is the state before
 * (undefined before it was raised). Events of other names, and changes of an objection never raised, leave the state
 * as it was.
 */
export function applyObjectionEvent(
  state: ObjectionState | undefined,
  name: string,
  args: EventArgs,
  time: number,
): ObjectionState | undefined {
  if (name === "ObjectionRaised") {
    return {
      id: objectionId(args.objectionId as string | bigint),
      resourceId: lower(args.resourceId) as ResourceId,
      provider: departmentId(String(args.provider)),
      consumer: departmentId(String(args.consumer)),
      fieldMask: BigInt(args.fieldMask as string | bigint),
      evidenceHash: lower(args.evidenceHash),
      description: String(args.description),
      status: "raised",
      raisedAt: time,
      answerDeadline: Number(args.answerDeadline),
      answeredAt: null,
      answeredOnTime: null,
      correctedVersion: null,
      correctionNoteHash: null,
      disputeReasonHash: null,
      disputed: false,
      escalatedAt: null,
      councilUpheld: null,
      councilReasonHash: null,
    };
  }
  if (state === undefined) return state;
  const firstAnswer = {
    answeredAt: state.answeredAt ?? time,
    answeredOnTime: state.answeredOnTime ?? args.onTime === true,
  };
  switch (name) {
    case "ObjectionCorrected": {
      const version = Number(args.version);
      return {
        ...state,
        ...firstAnswer,
        status: "corrected",
        correctedVersion: version === 0 ? null : version,
        correctionNoteHash: hashOrNull(args.noteHash),
      };
    }
    case "ObjectionDisputed":
      return {
        ...state,
        ...firstAnswer,
        status: "disputed",
        disputed: true,
        disputeReasonHash: lower(args.reasonHash),
      };
    case "ObjectionEscalated":
      return { ...state, status: "escalated", escalatedAt: time };
    case "ObjectionDecidedByCouncil": {
      const upheld = args.upheld === true;
      return {
        ...state,
        status: upheld ? "upheld" : "dismissed",
        councilUpheld: upheld,
        councilReasonHash: hashOrNull(args.reasonHash),
      };
    }
    default:
      return state;
  }
}

/** Whether the objection is unanswered (raised) past its answer deadline at `now`, as `isOverdue` says. */
export function objectionOverdue(state: ObjectionState, now: number): boolean {
  return state.status === "raised" && now > state.answerDeadline;
}
