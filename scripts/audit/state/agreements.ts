/**
 * An agreement's history rebuilt from SharingAgreements events, and its state at any moment: the stored status after
 * every event up to that moment, with the validity window applied as the contract applies it.
 */
import type {
  AgreementRequestedEvent,
  AgreementDecidedByCouncilEvent,
} from "../../../typechain-types/contracts/sharing/ISharingAgreements";
import { interfaces } from "../contracts";
import type { AuditContext } from "../connect";
import { uintTopic, type ChainEvent } from "../event-source";
import { argsOf, groupBy, happenedBy } from "./fold";

export const AGREEMENT_STATUSES = [
  "requested",
  "active",
  "rejected",
  "escalated",
  "suspended",
  "terminated",
  "expired",
] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];
export const LEGAL_BASES = ["consent", "statutory_duty", "contract", "public_interest"] as const;
export const PERIODS = ["none", "minute", "hour", "day", "month"] as const;

export interface AgreementHistory {
  id: bigint;
  resourceId: string;
  provider: string;
  consumer: string;
  coConsumers: string[];
  fieldMask: bigint;
  purpose: string;
  legalBasis: (typeof LEGAL_BASES)[number];
  validFrom: number;
  validUntil: number;
  /** Unix seconds by which the provider must answer; zero when no answer is needed (unconditional resource). */
  replyDeadline: number;
  requiresConsent: boolean;
  quota: { calls: number; per: (typeof PERIODS)[number] };
  termsHash: string;
  requested: ChainEvent;
  /** Every event of the agreement, in chain order (the request first). */
  events: ChainEvent[];
}

/** The stored status right after `event`, or undefined when the event does not change it. */
function statusAfter(event: ChainEvent): AgreementStatus | undefined {
  switch (event.name) {
    case "AgreementRequested":
      return AGREEMENT_STATUSES[Number(argsOf<AgreementRequestedEvent.OutputObject>(event).status)];
    case "AgreementActivated":
    case "AgreementResumed":
      return "active";
    case "AgreementRejected":
      return "rejected";
    case "AgreementEscalated":
      return "escalated";
    case "AgreementDecidedByCouncil":
      // An approval still waits for co-consumer seals (AgreementActivated follows when none is pending).
      return argsOf<AgreementDecidedByCouncilEvent.OutputObject>(event).approved ? "requested" : "rejected";
    case "AgreementSuspended":
      return "suspended";
    case "AgreementTerminated":
      return "terminated";
    default:
      return undefined;
  }
}

/** The agreement's status at `time` as `agreementStatus` would have answered then; undefined before its request. */
export function agreementStatusAt(a: AgreementHistory, time: number): AgreementStatus | undefined {
  let status: AgreementStatus | undefined;
  for (const event of a.events) {
    if (!happenedBy(event, time)) break;
    status = statusAfter(event) ?? status;
  }
  if (status === undefined || status === "rejected" || status === "terminated") return status;
  return time >= a.validUntil ? "expired" : status;
}

/** Why the agreement did not allow a delivery at `time`, or undefined when it did (active and in its window). */
export function agreementRefusalAt(a: AgreementHistory, time: number): string | undefined {
  const status = agreementStatusAt(a, time);
  if (status === undefined) return `agreement ${a.id} was not yet requested`;
  if (status !== "active") return `agreement ${a.id} was ${status}`;
  if (time < a.validFrom) return `agreement ${a.id} was not yet in its window (valid from ${a.validFrom})`;
  return undefined;
}

export function fromEvents(events: readonly ChainEvent[]): AgreementHistory | undefined {
  const requested = events.find((e) => e.name === "AgreementRequested");
  if (!requested) return undefined;
  const r = argsOf<AgreementRequestedEvent.OutputObject>(requested);
  return {
    id: r.agreementId,
    resourceId: r.resourceId,
    provider: r.provider,
    consumer: r.consumer,
    coConsumers: [...r.terms.coConsumers],
    fieldMask: r.terms.fieldMask,
    purpose: r.terms.purpose,
    legalBasis: LEGAL_BASES[Number(r.terms.legalBasis)],
    validFrom: Number(r.terms.validFrom),
    validUntil: Number(r.terms.validUntil),
    replyDeadline: Number(r.replyDeadline),
    requiresConsent: r.requiresConsent,
    quota: { calls: Number(r.terms.quota.calls), per: PERIODS[Number(r.terms.quota.per)] },
    termsHash: r.terms.termsHash,
    requested,
    events: [...events],
  };
}

/** The histories of the given agreements, read with one filtered query (by agreement id topic). */
export async function loadAgreements(
  ctx: AuditContext,
  ids: Iterable<bigint | string>,
): Promise<Map<string, AgreementHistory>> {
  const topics = [...new Set([...ids].map((id) => uintTopic(id)))];
  const events = await ctx.events.events(ctx.deployment.contracts.SharingAgreements, interfaces.SharingAgreements, [
    null,
    topics,
  ]);
  return foldAgreements(events);
}

/** Every agreement of the deployment (for the report). */
export async function loadAllAgreements(ctx: AuditContext): Promise<Map<string, AgreementHistory>> {
  const events = await ctx.events.events(ctx.deployment.contracts.SharingAgreements, interfaces.SharingAgreements, []);
  return foldAgreements(events);
}

function foldAgreements(events: ChainEvent[]): Map<string, AgreementHistory> {
  const histories = new Map<string, AgreementHistory>();
  for (const [id, group] of groupBy(events, (e) => String(e.args[0]))) {
    const history = fromEvents(group);
    if (history) histories.set(id, history);
  }
  return histories;
}

/** The provider's answer to a request that needed one: approval or rejection by the provider itself. */
export function providerAnswer(a: AgreementHistory): ChainEvent | undefined {
  return a.events.find(
    (e) => (e.name === "AgreementApproved" || e.name === "AgreementRejected") && e.args.getValue("byCouncil") === false,
  );
}
