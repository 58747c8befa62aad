/**
 * The one fold of SharingAgreements events into an agreement's state, as the contract holds it. The gateway's store
 * (persisted), the access policy's projection (store/access-policy.ts) and the auditor (at any past moment) fold with
 * it: the state holds everything the fetch decision reads.
 *
 * Events come in two shapes: the gateway's indexer gives arguments as JSON (integers as decimal strings, bytes32 as
 * hex), the auditor gives ethers `Result`s (integers as bigint). `agreementEventOf` reads either by the argument
 * names of `ISharingAgreements` into one typed event; `applyAgreementEvent` is the fold.
 */
import { AGREEMENT_STATUS, LEGAL_BASIS, QUOTA_PERIOD } from "../codes/enumerations";
import type { AgreementStatus, LegalBasis, QuotaPeriod } from "../codes/enumerations";
import { agreementId as toAgreementId, type AgreementId, type DepartmentId, type ResourceId } from "../ids";

/** A call quota; `{calls: 0, per: "none"}` is unlimited. */
export interface Quota {
  calls: number;
  per: QuotaPeriod;
}

/** An agreement's state as the contract stores it (the stored status is never `expired`: see `effectiveStatus`). */
export interface AgreementState {
  id: AgreementId;
  resourceId: ResourceId;
  provider: DepartmentId;
  consumer: DepartmentId;
  coConsumers: DepartmentId[];
  /** Bit i = the resource's field i. */
  fieldMask: bigint;
  /** The purpose code as stored on chain (bytes32, lower-case hex). */
  purpose: string;
  legalBasis: LegalBasis;
  /** Unix seconds; the window is [validFrom, validUntil). */
  validFrom: number;
  validUntil: number;
  /** Unix seconds; 0 when no provider answer is needed (unconditional resource). */
  replyDeadline: number;
  requiresConsent: boolean;
  providerApproved: boolean;
  /** Bit i set while coConsumers[i] has not sealed. */
  pendingSeals: number;
  quota: Quota;
  termsHash: string;
  storedStatus: AgreementStatus;
  rejection: { reasonHash: string; byCouncil: boolean } | null;
  councilDecision: { approved: boolean; reasonHash: string } | null;
}

type Actor = { actor: DepartmentId; byCouncil: boolean };

/** The SharingAgreements events that change an agreement, with their arguments typed. */
export type AgreementEvent = { agreementId: AgreementId } & (
  | {
      name: "AgreementRequested";
      resourceId: ResourceId;
      consumer: DepartmentId;
      provider: DepartmentId;
      coConsumers: DepartmentId[];
      fieldMask: bigint;
      purpose: string;
      legalBasis: LegalBasis;
      validFrom: number;
      validUntil: number;
      quota: Quota;
      termsHash: string;
      replyDeadline: number;
      requiresConsent: boolean;
      status: AgreementStatus;
    }
  | { name: "AgreementSealed"; departmentId: DepartmentId }
  | { name: "AgreementApproved"; provider: DepartmentId; byCouncil: boolean }
  | { name: "AgreementActivated" }
  | { name: "AgreementRejected"; provider: DepartmentId; reasonHash: string; byCouncil: boolean }
  | { name: "AgreementEscalated"; provider: DepartmentId; escalatedBy: DepartmentId }
  | { name: "AgreementDecidedByCouncil"; approved: boolean; reasonHash: string }
  | ({ name: "AgreementSuspended" } & Actor)
  | ({ name: "AgreementResumed" } & Actor)
  | ({ name: "AgreementTerminated" } & Actor)
);

/** Event arguments by name: the indexer's JSON object or an ethers `Result` (which answers names too). */
export type EventArgs = { readonly [name: string]: unknown };

const AGREEMENT_EVENT_NAMES: ReadonlySet<string> = new Set<AgreementEvent["name"]>([
  "AgreementRequested",
  "AgreementSealed",
  "AgreementApproved",
  "AgreementActivated",
  "AgreementRejected",
  "AgreementEscalated",
  "AgreementDecidedByCouncil",
  "AgreementSuspended",
  "AgreementResumed",
  "AgreementTerminated",
]);

const hex = (v: unknown): string => String(v).toLowerCase();
const dept = (v: unknown): DepartmentId => hex(v) as DepartmentId;

/** The typed event, or undefined for an event that does not change an agreement (another name). */
export function agreementEventOf(name: string, args: EventArgs): AgreementEvent | undefined {
  if (!AGREEMENT_EVENT_NAMES.has(name)) return undefined;
  const agreementId = toAgreementId(args.agreementId as string | bigint);
  const byCouncil = args.byCouncil === true;
  switch (name) {
    case "AgreementRequested": {
      const t = args.terms as EventArgs;
      const quota = t.quota as EventArgs;
      return {
        name,
        agreementId,
        resourceId: hex(args.resourceId) as ResourceId,
        consumer: dept(args.consumer),
        provider: dept(args.provider),
        coConsumers: [...(t.coConsumers as readonly unknown[])].map(dept),
        fieldMask: BigInt(t.fieldMask as string | bigint),
        purpose: hex(t.purpose),
        legalBasis: LEGAL_BASIS.fromIndex(t.legalBasis as string | bigint),
        validFrom: Number(t.validFrom),
        validUntil: Number(t.validUntil),
        quota: { calls: Number(quota.calls), per: QUOTA_PERIOD.fromIndex(quota.per as string | bigint) },
        termsHash: hex(t.termsHash),
        replyDeadline: Number(args.replyDeadline),
        requiresConsent: args.requiresConsent === true,
        status: AGREEMENT_STATUS.fromIndex(args.status as string | bigint),
      };
    }
    case "AgreementSealed":
      return { name, agreementId, departmentId: dept(args.departmentId) };
    case "AgreementApproved":
      return { name, agreementId, provider: dept(args.provider), byCouncil };
    case "AgreementActivated":
      return { name, agreementId };
    case "AgreementRejected":
      return { name, agreementId, provider: dept(args.provider), reasonHash: hex(args.reasonHash), byCouncil };
    case "AgreementEscalated":
      return { name, agreementId, provider: dept(args.provider), escalatedBy: dept(args.escalatedBy) };
    case "AgreementDecidedByCouncil":
      return { name, agreementId, approved: args.approved === true, reasonHash: hex(args.reasonHash) };
    case "AgreementSuspended":
    case "AgreementResumed":
    case "AgreementTerminated":
      return { name, agreementId, actor: dept(args.actor), byCouncil };
    default:
      return undefined;
  }
}

/**
 * The agreement's state after `event`; `state` is the state before (undefined before its request). Returns `state`
 * itself when the event changes nothing, so callers can tell; an event of an agreement never requested leaves it
 * undefined.
 */
export function applyAgreementEvent(
  state: AgreementState | undefined,
  event: AgreementEvent,
): AgreementState | undefined {
  if (event.name === "AgreementRequested") {
    return {
      id: event.agreementId,
      resourceId: event.resourceId,
      provider: event.provider,
      consumer: event.consumer,
      coConsumers: event.coConsumers,
      fieldMask: event.fieldMask,
      purpose: event.purpose,
      legalBasis: event.legalBasis,
      validFrom: event.validFrom,
      validUntil: event.validUntil,
      replyDeadline: event.replyDeadline,
      requiresConsent: event.requiresConsent,
      providerApproved: event.replyDeadline === 0,
      pendingSeals: (1 << event.coConsumers.length) - 1,
      quota: event.quota,
      termsHash: event.termsHash,
      storedStatus: event.status,
      rejection: null,
      councilDecision: null,
    };
  }
  if (state === undefined) return undefined;
  switch (event.name) {
    case "AgreementSealed": {
      const index = state.coConsumers.indexOf(event.departmentId);
      return index < 0 ? state : { ...state, pendingSeals: state.pendingSeals & ~(1 << index) };
    }
    case "AgreementApproved":
      return { ...state, providerApproved: true };
    case "AgreementActivated":
    case "AgreementResumed":
      return { ...state, storedStatus: "active" };
    case "AgreementRejected":
      return {
        ...state,
        storedStatus: "rejected",
        rejection: { reasonHash: event.reasonHash, byCouncil: event.byCouncil },
      };
    case "AgreementEscalated":
      return { ...state, storedStatus: "escalated" };
    case "AgreementDecidedByCouncil":
      // An approval returns the request to `requested` until the co-consumers' seals are in (AgreementActivated
      // follows when none is pending); a rejection is followed by AgreementRejected in the same transaction.
      return {
        ...state,
        storedStatus: event.approved ? "requested" : state.storedStatus,
        councilDecision: { approved: event.approved, reasonHash: event.reasonHash },
      };
    case "AgreementSuspended":
      return { ...state, storedStatus: "suspended" };
    case "AgreementTerminated":
      return { ...state, storedStatus: "terminated" };
  }
}

/** The status the contract reports at `now`: a stored status other than rejected/terminated is `expired` past validUntil. */
export function effectiveStatus(
  state: Pick<AgreementState, "storedStatus" | "validUntil">,
  now: number,
): AgreementStatus {
  if (state.storedStatus !== "rejected" && state.storedStatus !== "terminated" && now >= state.validUntil) {
    return "expired";
  }
  return state.storedStatus;
}

/** The department that acted in `event`, or null for the council and for automatic steps (activation, decision). */
export function agreementEventActor(event: AgreementEvent): DepartmentId | null {
  switch (event.name) {
    case "AgreementRequested":
      return event.consumer;
    case "AgreementSealed":
      return event.departmentId;
    case "AgreementApproved":
    case "AgreementRejected":
      return event.byCouncil ? null : event.provider;
    case "AgreementEscalated":
      return event.escalatedBy;
    case "AgreementSuspended":
    case "AgreementResumed":
    case "AgreementTerminated":
      return event.byCouncil ? null : event.actor;
    default:
      return null;
  }
}
