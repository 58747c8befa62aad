/**
 * The supervision scorecard, per department, over a period: the one computation behind `npm run audit -- report`
 * and the gateway's `GET /v1/audit/scorecard` (the console's scorecard page). It reads contract events by argument
 * name — from an ethers `Result` (`toObject(true)`) or the gateway indexer's JSON, where integers are decimal strings
 * — so that the auditor, trusting the chain alone, and a gateway, from its index, count the same things alike.
 *
 * Counted per department: resources registered by sharing class and security level, requests received and made,
 * approvals and rejections, median and worst reply time, replies past the deadline, escalations, grants, consents
 * recorded and withdrawn, deliveries and denials by reason (from receipts, when given), demands, responsibilities and
 * data-quality objections.
 */
import { SECURITY_LEVEL, SHARE_TYPE } from "../codes/enumerations";
import { applyDemandEvent, demandOverdue, type DemandState } from "../folds/demands";
import { applyObjectionEvent, objectionOverdue, type ObjectionState } from "../folds/objections";
import type { EventArgs } from "../folds/agreements";
import { keepForReply, replyOf, type AgreementStep, type Reply } from "./replies";

/** The contracts whose events the scorecard reads (every event of each, up to the period's end). */
export const SCORECARD_CONTRACTS = [
  "Consortium",
  "DataCatalog",
  "SharingAgreements",
  "Grants",
  "ConsentRegistry",
  "DemandRegistry",
  "Objections",
] as const;
export type ScorecardContract = (typeof SCORECARD_CONTRACTS)[number];

/** A contract event, its arguments by name, at its block's time (unix seconds); handed in chain order. */
export interface ScorecardEvent {
  contract: ScorecardContract;
  name: string;
  args: EventArgs;
  time: number;
  /**
   * How many events alike (same contract, name, counted arguments and time) this one stands for; 1 when absent. Only
   * for the events the scorecard merely counts (`COUNTED_EVENTS`), so that a store may hand them grouped.
   */
  count?: number;
}

/**
 * The events the scorecard only counts, by their time and the one argument named here (the department they are
 * counted for): a GrantIssued by its consumer, and a ConsentRecorded or ConsentWithdrawn by the consent's recorder
 * (when the withdrawals name it). A store may hand these grouped by time and that argument, with their `count`.
 */
export const COUNTED_EVENTS: Readonly<Record<string, string>> = {
  "Grants.GrantIssued": "consumer",
  "ConsentRegistry.ConsentRecorded": "recorder",
  "ConsentRegistry.ConsentWithdrawn": "recorder",
};

/** What a receipt says for the scorecard: who wrote it, when, and its outcome. */
export interface ScorecardReceipt {
  department: string;
  time: number;
  result: string;
  reason: string;
}

export interface ScorecardPeriod {
  /** Unix seconds, inclusive. */
  from: number;
  to: number;
}

interface DepartmentRef {
  id: string;
  code: string;
  name: string;
}

export interface Scorecard {
  department: DepartmentRef;
  resourcesByShareType: Record<string, number>;
  resourcesBySecurityLevel: Record<string, number>;
  requestsReceived: number;
  requestsMade: number;
  approvals: number;
  rejections: number;
  replySeconds: number[];
  medianReplySeconds?: number;
  worstReplySeconds?: number;
  repliesPastDeadline: number;
  overdue: number;
  escalations: number;
  grants: number;
  consentsRecorded: number;
  consentsWithdrawn: number;
  deliveries: number;
  denialsByReason: Record<string, number>;
  failures: number;
  demandsPublished: number;
  demandsOpen: number;
  demandsAnswered: number;
  responsibilitiesAssigned: number;
  responsibilitiesFulfilledOnTime: number;
  responsibilitiesFulfilledLate: number;
  responsibilitiesOverdue: number;
  objectionsReceived: number;
  objectionsRaised: number;
  objectionsAnsweredOnTime: number;
  objectionsCorrected: number;
  objectionsDisputed: number;
  objectionsOverdue: number;
}

/** A conditional request past its reply deadline at the period's end, answered by neither the provider nor the council. */
interface OverdueRequest {
  agreementId: string;
  resourceId: string;
  provider: string;
  consumer: string;
  requestedAt: number;
  reply: Reply<AgreementStep>;
}

export interface ScorecardResult {
  /** Ranked: fewest replies past the deadline, then shortest median reply (departments that answered none last). */
  cards: Scorecard[];
  overdue: OverdueRequest[];
  overdueDemands: DemandState[];
  overdueObjections: ObjectionState[];
  /** Receipts of the period written by a member department (counted in deliveries, denials and failures). */
  receiptsCounted: number;
}

const lower = (value: unknown) => String(value).toLowerCase();
const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface AgreementFacts {
  id: string;
  resourceId: string;
  provider: string;
  consumer: string;
  requestedAt: number;
  replyDeadline: number;
  /** Only the steps `replyOf` reads (core/audit/replies.ts `keepForReply`): at most four, however long its history. */
  events: AgreementStep[];
}

/** What is counted for a department as the events come, kept by its lower-case id until the members are known. */
interface Tally {
  approvals: number;
  rejections: number;
  escalations: number;
  grants: number;
  consentsRecorded: number;
  consentsWithdrawn: number;
  receipts: number;
  deliveries: number;
  denialsByReason: Record<string, number>;
  failures: number;
}

interface ScorecardFoldOptions {
  /**
   * True when every ConsentWithdrawn the fold is handed names, as `args.recorder`, the department that recorded the
   * consent (a gateway joins it from its consent store): the fold then keeps nothing per consent. Otherwise (the
   * chain's own events, which name only the department that acted) it remembers the recorder of every consent.
   */
  withdrawalsNameRecorder?: boolean;
  /**
   * Otherwise, the ids (lower case) of every consent withdrawn by the period's end, when the caller has read them
   * first (the auditor reads the ConsentWithdrawn logs alone, filtered by the node): the fold then remembers the
   * recorder of these consents only, so what it keeps grows with the withdrawals rather than with every consent. A
   * withdrawal of a consent not among them is an error.
   */
  withdrawnConsents?: ReadonlySet<string>;
}

/**
 * The scorecard as a fold: events are added one at a time (those of each contract in chain order; contracts may come
 * one after another; the `COUNTED_EVENTS`, when withdrawals name the recorder, in any order and grouped), receipts
 * in any order, then `result()`. What it keeps is bounded by the departments,
 * resources, agreements, demands and objections, never by the consents, grants, receipts or events: consents, grants,
 * approvals and receipts are counted per department as they come; of an agreement only the steps its reply reads.
 */
export class ScorecardFold {
  private readonly departments = new Map<string, DepartmentRef>();
  private readonly resources = new Map<
    string,
    { provider: string; registeredAt: number; shareType: string; level: string }
  >();
  private readonly agreements = new Map<string, AgreementFacts>();
  private readonly demands = new Map<string, DemandState>();
  private readonly objections = new Map<string, ObjectionState>();
  private readonly tallies = new Map<string, Tally>();
  /** Consent id → its recorder, when withdrawals do not name it (of the withdrawn consents only, when known). */
  private readonly consentRecorders: Map<string, string> | null;
  private readonly withdrawnConsents: ReadonlySet<string> | undefined;
  /** Each recorder's id as one string (see `addConsentEvent`). */
  private readonly recorders = new Map<string, string>();

  constructor(
    private readonly period: ScorecardPeriod,
    options: ScorecardFoldOptions = {},
  ) {
    this.consentRecorders = options.withdrawalsNameRecorder ? null : new Map();
    this.withdrawnConsents = options.withdrawnConsents;
  }

  private inPeriod(time: number): boolean {
    return time >= this.period.from && time <= this.period.to;
  }

  private tally(department: string): Tally {
    const id = lower(department);
    let tally = this.tallies.get(id);
    if (tally === undefined) {
      tally = {
        approvals: 0,
        rejections: 0,
        escalations: 0,
        grants: 0,
        consentsRecorded: 0,
        consentsWithdrawn: 0,
        receipts: 0,
        deliveries: 0,
        denialsByReason: {},
        failures: 0,
      };
      this.tallies.set(id, tally);
    }
    return tally;
  }

  /** One event; those after the period's end are ignored (everything is as it stood at the end of the period). */
  add(e: ScorecardEvent): void {
    const count = e.count ?? 1;
    // A consent's events come counted only when the withdrawals name its recorder: else each consent's id is needed.
    const countable =
      Object.hasOwn(COUNTED_EVENTS, `${e.contract}.${e.name}`) &&
      (e.contract !== "ConsentRegistry" || this.consentRecorders === null);
    if (count !== 1 && !countable) throw new Error(`${e.contract}.${e.name} cannot be counted ${count} at once`);
    if (e.time > this.period.to) return;
    const a = e.args;
    const terms = (args: EventArgs) => args.terms as EventArgs;
    switch (e.contract) {
      case "Consortium":
        if (e.name === "DepartmentAdmitted")
          this.departments.set(lower(a.departmentId), {
            id: String(a.departmentId),
            code: String(a.code),
            name: String(a.name),
          });
        break;
      case "DataCatalog": {
        const id = lower(a.resourceId);
        if (e.name === "ResourceRegistered" || (e.name === "ResourceUpdated" && this.resources.has(id))) {
          const known = this.resources.get(id);
          this.resources.set(id, {
            provider: known?.provider ?? String(a.provider),
            registeredAt: known?.registeredAt ?? e.time,
            shareType: SHARE_TYPE.values[Number(terms(a).shareType)],
            level: SECURITY_LEVEL.values[Number(terms(a).securityLevel)],
          });
        }
        break;
      }
      case "SharingAgreements":
        this.addAgreementEvent(e);
        break;
      case "Grants":
        if (e.name === "GrantIssued" && this.inPeriod(e.time)) this.tally(String(a.consumer)).grants += count;
        break;
      case "ConsentRegistry":
        this.addConsentEvent(e);
        break;
      case "DemandRegistry": {
        const id = String(a.demandId);
        const state = applyDemandEvent(this.demands.get(id), e.name, a, e.time);
        if (state !== undefined) this.demands.set(id, state);
        break;
      }
      case "Objections": {
        const id = String(a.objectionId);
        const state = applyObjectionEvent(this.objections.get(id), e.name, a, e.time);
        if (state !== undefined) this.objections.set(id, state);
        break;
      }
    }
  }

  private addAgreementEvent(e: ScorecardEvent): void {
    const a = e.args;
    const id = String(a.agreementId);
    const step: AgreementStep = {
      name: e.name,
      time: e.time,
      byCouncil: typeof a.byCouncil === "boolean" ? a.byCouncil : undefined,
    };
    if (e.name === "AgreementRequested") {
      this.agreements.set(id, {
        id,
        resourceId: String(a.resourceId),
        provider: String(a.provider),
        consumer: String(a.consumer),
        requestedAt: e.time,
        replyDeadline: Number(a.replyDeadline),
        events: [],
      });
      return;
    }
    const agreement = this.agreements.get(id);
    if (agreement === undefined) return;
    keepForReply(agreement.events, step);
    // Approvals and rejections by the provider itself, and escalations, are counted against the provider.
    if (!this.inPeriod(e.time)) return;
    const byProvider = step.byCouncil === false;
    if (e.name === "AgreementApproved" && byProvider) this.tally(agreement.provider).approvals++;
    if (e.name === "AgreementRejected" && byProvider) this.tally(agreement.provider).rejections++;
    if (e.name === "AgreementEscalated") this.tally(agreement.provider).escalations++;
  }

  /**
   * Consents are counted for the department that recorded them: recorded in the period, and withdrawn in the period
   * (once: only an active consent can be withdrawn, so a consent has at most one ConsentWithdrawn).
   */
  private addConsentEvent(e: ScorecardEvent): void {
    const a = e.args;
    const count = e.count ?? 1;
    if (e.name === "ConsentRecorded") {
      const id = lower(a.consentId);
      // One string per department, shared by all the consents it recorded that the map keeps.
      if (this.withdrawnConsents?.has(id) !== false) this.consentRecorders?.set(id, this.interned(String(a.recorder)));
      if (this.inPeriod(e.time)) this.tally(String(a.recorder)).consentsRecorded += count;
    } else if (e.name === "ConsentWithdrawn") {
      const recorder = this.consentRecorders === null ? namedRecorder(a) : this.rememberedRecorder(a);
      if (recorder !== undefined && this.inPeriod(e.time)) this.tally(recorder).consentsWithdrawn += count;
    }
  }

  /** The recorder of a withdrawn consent, remembered from its ConsentRecorded. */
  private rememberedRecorder(args: EventArgs): string | undefined {
    const id = lower(args.consentId);
    if (this.withdrawnConsents?.has(id) === false)
      throw new Error(`consent ${id} is withdrawn, but not among the withdrawn consents the fold was given`);
    return this.consentRecorders?.get(id);
  }

  private interned(department: string): string {
    let kept = this.recorders.get(department);
    if (kept === undefined) {
      kept = department;
      this.recorders.set(department, kept);
    }
    return kept;
  }

  /** One receipt, counted for the department that wrote it when in the period. */
  addReceipt(receipt: ScorecardReceipt): void {
    if (!this.inPeriod(receipt.time)) return;
    const tally = this.tally(receipt.department);
    tally.receipts++;
    if (receipt.result === "delivered") tally.deliveries++;
    else if (receipt.result === "denied") bump(tally.denialsByReason, receipt.reason);
    else tally.failures++;
  }

  /** The scorecards of every member department as the events and receipts added so far leave them. */
  result(): ScorecardResult {
    const { to } = this.period;
    const inPeriod = (time: number) => this.inPeriod(time);

    const cards = new Map<string, Scorecard>();
    for (const department of this.departments.values()) cards.set(department.id.toLowerCase(), emptyCard(department));
    const card = (id: string) => cards.get(id.toLowerCase());

    for (const resource of this.resources.values()) {
      const c = card(resource.provider);
      if (!c || !inPeriod(resource.registeredAt)) continue;
      bump(c.resourcesByShareType, resource.shareType);
      bump(c.resourcesBySecurityLevel, resource.level);
    }
    const overdue: OverdueRequest[] = [];
    for (const agreement of this.agreements.values()) {
      const provider = card(agreement.provider);
      const reply = replyOf(agreement, to);
      if (reply.overdue) {
        const { id, resourceId, consumer, requestedAt } = agreement;
        overdue.push({ agreementId: id, resourceId, provider: agreement.provider, consumer, requestedAt, reply });
      }
      if (inPeriod(agreement.requestedAt)) {
        const consumer = card(agreement.consumer);
        if (consumer) consumer.requestsMade++;
        if (provider) {
          provider.requestsReceived++;
          if (reply.late) provider.repliesPastDeadline++;
          if (reply.overdue) provider.overdue++;
          if (reply.replySeconds !== undefined) provider.replySeconds.push(reply.replySeconds);
        }
      }
    }

    let receiptsCounted = 0;
    for (const [id, tally] of this.tallies) {
      const c = cards.get(id);
      if (!c) continue;
      c.approvals += tally.approvals;
      c.rejections += tally.rejections;
      c.escalations += tally.escalations;
      c.grants += tally.grants;
      c.consentsRecorded += tally.consentsRecorded;
      c.consentsWithdrawn += tally.consentsWithdrawn;
      c.deliveries += tally.deliveries;
      Object.assign(c.denialsByReason, tally.denialsByReason);
      c.failures += tally.failures;
      receiptsCounted += tally.receipts;
    }

    // Demands are counted for the requester; responsibilities and answers for the department that must provide the data;
    // objections received and their answers for the provider, raised for the consumer. Overdue: at the period's end.
    for (const d of this.demands.values()) {
      const requester = card(d.requester);
      const responsible = d.responsible === null ? undefined : card(d.responsible);
      if (requester && inPeriod(d.publishedAt)) requester.demandsPublished++;
      if (requester && d.status === "open") requester.demandsOpen++;
      if (!responsible) continue;
      if (d.status === "answered" && d.settledAt !== null && inPeriod(d.settledAt)) responsible.demandsAnswered++;
      if (d.assignedAt !== null && inPeriod(d.assignedAt)) responsible.responsibilitiesAssigned++;
      if (d.status === "fulfilled" && d.settledAt !== null && inPeriod(d.settledAt)) {
        if (d.fulfilledOnTime) responsible.responsibilitiesFulfilledOnTime++;
        else responsible.responsibilitiesFulfilledLate++;
      }
      if (demandOverdue(d, to)) responsible.responsibilitiesOverdue++;
    }
    for (const o of this.objections.values()) {
      const provider = card(o.provider);
      const consumer = card(o.consumer);
      if (consumer && inPeriod(o.raisedAt)) consumer.objectionsRaised++;
      if (!provider) continue;
      if (inPeriod(o.raisedAt)) provider.objectionsReceived++;
      if (o.answeredAt !== null && inPeriod(o.answeredAt) && o.answeredOnTime) provider.objectionsAnsweredOnTime++;
      if (o.status === "corrected") provider.objectionsCorrected++;
      if (o.disputed) provider.objectionsDisputed++;
      if (objectionOverdue(o, to)) provider.objectionsOverdue++;
    }

    for (const c of cards.values()) {
      c.medianReplySeconds = median(c.replySeconds);
      c.worstReplySeconds = c.replySeconds.length ? c.replySeconds.reduce((a, b) => Math.max(a, b)) : undefined;
    }
    const ranked = [...cards.values()].sort(
      (a, b) =>
        a.repliesPastDeadline - b.repliesPastDeadline ||
        Number(a.medianReplySeconds === undefined) - Number(b.medianReplySeconds === undefined) ||
        (a.medianReplySeconds ?? 0) - (b.medianReplySeconds ?? 0) ||
        a.department.name.localeCompare(b.department.name),
    );
    return {
      cards: ranked,
      overdue,
      overdueDemands: [...this.demands.values()].filter((d) => demandOverdue(d, to)),
      overdueObjections: [...this.objections.values()].filter((o) => objectionOverdue(o, to)),
      receiptsCounted,
    };
  }
}

/** The recorder a ConsentWithdrawn names, when the fold was told withdrawals name it (and it remembers none). */
function namedRecorder(args: EventArgs): string {
  if (typeof args.recorder !== "string")
    throw new Error("a ConsentWithdrawn names no recorder, though the fold was told withdrawals would");
  return args.recorder;
}

/** The scorecards of every member department over `period`, from the chain's events (and receipts, when given). */
export function computeScorecards(
  events: Iterable<ScorecardEvent>,
  period: ScorecardPeriod,
  receipts?: Iterable<ScorecardReceipt>,
): ScorecardResult {
  const fold = new ScorecardFold(period);
  for (const e of events) fold.add(e);
  for (const receipt of receipts ?? []) fold.addReceipt(receipt);
  return fold.result();
}

function emptyCard(department: DepartmentRef): Scorecard {
  return {
    department,
    resourcesByShareType: {},
    resourcesBySecurityLevel: {},
    requestsReceived: 0,
    requestsMade: 0,
    approvals: 0,
    rejections: 0,
    replySeconds: [],
    repliesPastDeadline: 0,
    overdue: 0,
    escalations: 0,
    grants: 0,
    consentsRecorded: 0,
    consentsWithdrawn: 0,
    deliveries: 0,
    denialsByReason: {},
    failures: 0,
    demandsPublished: 0,
    demandsOpen: 0,
    demandsAnswered: 0,
    responsibilitiesAssigned: 0,
    responsibilitiesFulfilledOnTime: 0,
    responsibilitiesFulfilledLate: 0,
    responsibilitiesOverdue: 0,
    objectionsReceived: 0,
    objectionsRaised: 0,
    objectionsAnsweredOnTime: 0,
    objectionsCorrected: 0,
    objectionsDisputed: 0,
    objectionsOverdue: 0,
  };
}
