/**
 * Subjects' consent trails rebuilt from ConsentRegistry events, and whether a consent covered a use at a moment.
 *
 * As in the contract, a consent key (subject, recipient, resource, purpose) has one current consent: the last one
 * recorded. It covers a use at time t when it was recorded by t, not withdrawn or revoked by t, and
 * `validFrom <= t < validUntil`.
 */
import type { ConsentRecordedEvent } from "../../../typechain-types/contracts/consent/IConsentRegistry";
import { eventTopics, interfaces } from "../contracts";
import type { AuditContext } from "../connect";
import type { ChainEvent } from "../event-source";
import { isoTime } from "../time";
import { argsOf, happenedBy } from "./fold";
import { EVIDENCE_KIND, type EvidenceKind } from "../../../core/codes/enumerations";
import { CONSENT_STATE_AFTER, consentKeyOf, type ConsentState } from "../../../core/folds/consents";

export interface ConsentHistory {
  consentId: string;
  subjectRef: string;
  recipient: string;
  resourceId: string;
  purpose: string;
  separate: boolean;
  validFrom: number;
  validUntil: number;
  evidenceKind: EvidenceKind;
  evidence: string;
  recorder: string;
  /** Recorded right after the subject withdrew the key's previous consent: a re-consent. */
  afterWithdrawal: boolean;
  recorded: ChainEvent;
  /** Superseded, withdrawn and revoked events of this consent, in chain order. */
  changes: ChainEvent[];
}

export interface Coverage {
  covered: boolean;
  /** The key's current consent at that moment, if any. */
  consentId?: string;
  /** Why it covered or did not, in words. */
  why: string;
}

/** Every consent of some subjects, by consent id and by key (the key's consents in recording order). */
export class ConsentTrails {
  readonly byId = new Map<string, ConsentHistory>();
  private readonly byKey = new Map<string, ConsentHistory[]>();

  constructor(events: readonly ChainEvent[]) {
    this.add(events);
  }

  /** Folds in more events: those of subjects not read before (an auditor streaming receipts reads as it goes). */
  add(events: readonly ChainEvent[]): void {
    for (const event of events) {
      const consentId = String(event.args[1]).toLowerCase();
      if (event.name === "ConsentRecorded") {
        const c = argsOf<ConsentRecordedEvent.OutputObject>(event);
        const history: ConsentHistory = {
          consentId,
          subjectRef: c.subjectRef,
          recipient: c.recipient,
          resourceId: c.resourceId,
          purpose: c.purpose,
          separate: c.separate,
          validFrom: Number(c.validFrom),
          validUntil: Number(c.validUntil),
          evidenceKind: EVIDENCE_KIND.values[Number(c.evidenceKind)],
          evidence: c.evidence,
          recorder: c.recorder,
          afterWithdrawal: c.afterWithdrawal,
          recorded: event,
          changes: [],
        };
        this.byId.set(consentId, history);
        const key = consentKeyOf(c.subjectRef, c.recipient, c.resourceId, c.purpose);
        this.byKey.set(key, [...(this.byKey.get(key) ?? []), history]);
      } else {
        this.byId.get(consentId)?.changes.push(event);
      }
    }
  }

  /** All consents, in recording order. */
  all(): ConsentHistory[] {
    return [...this.byId.values()];
  }

  /** Whether the key's consent covered a use at `time`. */
  coverageAt(subjectRef: string, recipient: string, resourceId: string, purpose: string, time: number): Coverage {
    const consents = this.byKey.get(consentKeyOf(subjectRef, recipient, resourceId, purpose)) ?? [];
    const current = consents.filter((c) => happenedBy(c.recorded, time)).at(-1);
    if (!current)
      return { covered: false, why: "no consent recorded for this subject, recipient, resource and purpose" };
    const consentId = current.consentId;
    const ended = current.changes.find((e) => e.name !== "ConsentSuperseded" && happenedBy(e, time));
    if (ended) {
      const what = ended.name === "ConsentWithdrawn" ? "withdrawn" : "revoked";
      return {
        covered: false,
        consentId,
        why: `consent ${consentId} was ${what} at ${isoTime(ended.time)} (block ${ended.blockNumber})`,
      };
    }
    if (time < current.validFrom) {
      return {
        covered: false,
        consentId,
        why: `consent ${consentId} was valid only from ${isoTime(current.validFrom)}`,
      };
    }
    if (time >= current.validUntil) {
      return { covered: false, consentId, why: `consent ${consentId} expired at ${isoTime(current.validUntil)}` };
    }
    return { covered: true, consentId, why: `consent ${consentId} was active` };
  }
}

/** Status of a consent at `time` (`expired` computed from its window), as the registry would have answered. */
export function consentStatusAt(c: ConsentHistory, time: number): string {
  let status: ConsentState = "active";
  for (const e of c.changes) {
    if (!happenedBy(e, time)) break;
    status = CONSENT_STATE_AFTER[e.name] ?? status;
  }
  return status === "active" && time >= c.validUntil ? "expired" : status;
}

const CONSENT_EVENTS = ["ConsentRecorded", "ConsentSuperseded", "ConsentWithdrawn", "ConsentRevoked"];

/** The trails of the given subjects: one query filtered by the subject reference topic (every consent event has it). */
export async function loadConsentTrails(ctx: AuditContext, subjectRefs: Iterable<string>): Promise<ConsentTrails> {
  return new ConsentTrails(await loadConsentEvents(ctx, subjectRefs));
}

/** The consent events of the given subjects, in chain order. */
export async function loadConsentEvents(ctx: AuditContext, subjectRefs: Iterable<string>): Promise<ChainEvent[]> {
  const refs = [...new Set([...subjectRefs].map((r) => r.toLowerCase()))];
  return ctx.events.events(ctx.deployment.contracts.ConsentRegistry, interfaces.ConsentRegistry, [
    eventTopics("ConsentRegistry", CONSENT_EVENTS),
    refs,
  ]);
}

/** The given consents with their events (every consent event has the consent id as its second topic). */
export async function loadConsentsById(ctx: AuditContext, consentIds: Iterable<string>): Promise<ConsentTrails> {
  const ids = [...new Set([...consentIds].map((id) => id.toLowerCase()))];
  const events = await ctx.events.events(ctx.deployment.contracts.ConsentRegistry, interfaces.ConsentRegistry, [
    eventTopics("ConsentRegistry", CONSENT_EVENTS),
    null,
    ids,
  ]);
  return new ConsentTrails(events);
}
