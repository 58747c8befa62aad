/**
 * An agreement's history rebuilt from SharingAgreements events, and its state at any moment: the core's fold of
 * every event up to that moment, with the validity window applied as the contract applies it.
 */
import type { AgreementRequestedEvent } from "../../../typechain-types/contracts/sharing/ISharingAgreements";
import type { AgreementStatus, LegalBasis, QuotaPeriod } from "../../../core/codes/enumerations";
import {
  agreementEventOf,
  applyAgreementEvent,
  effectiveStatus,
  type AgreementState,
} from "../../../core/folds/agreements";
import { interfaces } from "../contracts";
import type { AuditContext } from "../connect";
import { uintTopic, type ChainEvent } from "../event-source";
import { argsOf, groupBy, happenedBy } from "./fold";

export interface AgreementHistory {
  id: bigint;
  resourceId: string;
  provider: string;
  consumer: string;
  coConsumers: string[];
  fieldMask: bigint;
  purpose: string;
  legalBasis: LegalBasis;
  validFrom: number;
  validUntil: number;
  /** Unix seconds by which the provider must answer; zero when no answer is needed (unconditional resource). */
  replyDeadline: number;
  requiresConsent: boolean;
  quota: { calls: number; per: QuotaPeriod };
  termsHash: string;
  requested: ChainEvent;
  /** Every event of the agreement, in chain order (the request first). */
  events: ChainEvent[];
  /**
   * The state after each event (`states[i]` after `events[i]`): folded once when the history is read, since every
   * delivery of the agreement asks for the state at its own time.
   */
  states: (AgreementState | undefined)[];
}

/** The agreement's status at `time` as `agreementStatus` would have answered then; undefined before its request. */
export function agreementStatusAt(a: AgreementHistory, time: number): AgreementStatus | undefined {
  let state: AgreementState | undefined;
  for (let i = 0; i < a.events.length && happenedBy(a.events[i], time); i++) state = a.states[i];
  return state && effectiveStatus(state, time);
}

/** The state after each event, in order. */
function foldEach(events: readonly ChainEvent[]): (AgreementState | undefined)[] {
  let state: AgreementState | undefined;
  return events.map((event) => {
    const typed = agreementEventOf(event.name, event.args);
    if (typed) state = applyAgreementEvent(state, typed);
    return state;
  });
}

/** Why the agreement did not allow a delivery at `time`, or undefined when it did (active and in its window). */
export function agreementRefusalAt(a: AgreementHistory, time: number): string | undefined {
  const status = agreementStatusAt(a, time);
  if (status === undefined) return `agreement ${a.id} was not yet requested`;
  if (status !== "active") return `agreement ${a.id} was ${status}`;
  if (time < a.validFrom) return `agreement ${a.id} was not yet in its window (valid from ${a.validFrom})`;
  return undefined;
}

function fromEvents(events: readonly ChainEvent[]): AgreementHistory | undefined {
  const requested = events.find((e) => e.name === "AgreementRequested");
  if (!requested) return undefined;
  const r = argsOf<AgreementRequestedEvent.OutputObject>(requested);
  const state = applyAgreementEvent(undefined, agreementEventOf(requested.name, requested.args)!)!;
  return {
    id: r.agreementId,
    resourceId: r.resourceId,
    provider: r.provider,
    consumer: r.consumer,
    coConsumers: [...r.terms.coConsumers],
    fieldMask: r.terms.fieldMask,
    purpose: r.terms.purpose,
    legalBasis: state.legalBasis,
    validFrom: Number(r.terms.validFrom),
    validUntil: Number(r.terms.validUntil),
    replyDeadline: Number(r.replyDeadline),
    requiresConsent: r.requiresConsent,
    quota: state.quota,
    termsHash: r.terms.termsHash,
    requested,
    events: [...events],
    states: foldEach(events),
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

function foldAgreements(events: ChainEvent[]): Map<string, AgreementHistory> {
  const histories = new Map<string, AgreementHistory>();
  for (const [id, group] of groupBy(events, (e) => String(e.args[0]))) {
    const history = fromEvents(group);
    if (history) histories.set(id, history);
  }
  return histories;
}
