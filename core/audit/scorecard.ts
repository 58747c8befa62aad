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
import { replyOf, type AgreementStep, type Reply } from "./replies";

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
}

/** What a receipt says for the scorecard: who wrote it, when, and its outcome. */
export interface ScorecardReceipt {
  department: string;
  time: number;
  result: string;
  reason: string;
}

interface ScorecardPeriod {
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

interface ScorecardResult {
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
  events: AgreementStep[];
}

/** Everything as it stood at the end of the period: the events up to `to`, folded. */
function foldEvents(events: Iterable<ScorecardEvent>, to: number) {
  const departments = new Map<string, DepartmentRef>();
  const resources = new Map<string, { provider: string; registeredAt: number; shareType: string; level: string }>();
  const agreements = new Map<string, AgreementFacts>();
  const grants: { consumer: string; issuedAt: number }[] = [];
  const consents = new Map<string, { recorder: string; recordedAt: number; withdrawnAt: number[] }>();
  const demands = new Map<string, DemandState>();
  const objections = new Map<string, ObjectionState>();
  const terms = (args: EventArgs) => args.terms as EventArgs;

  for (const e of events) {
    if (e.time > to) continue;
    const a = e.args;
    switch (e.contract) {
      case "Consortium":
        if (e.name === "DepartmentAdmitted")
          departments.set(lower(a.departmentId), {
            id: String(a.departmentId),
            code: String(a.code),
            name: String(a.name),
          });
        break;
      case "DataCatalog": {
        const id = lower(a.resourceId);
        if (e.name === "ResourceRegistered" || (e.name === "ResourceUpdated" && resources.has(id))) {
          const known = resources.get(id);
          resources.set(id, {
            provider: known?.provider ?? String(a.provider),
            registeredAt: known?.registeredAt ?? e.time,
            shareType: SHARE_TYPE.values[Number(terms(a).shareType)],
            level: SECURITY_LEVEL.values[Number(terms(a).securityLevel)],
          });
        }
        break;
      }
      case "SharingAgreements": {
        const id = String(a.agreementId);
        const step: AgreementStep = {
          name: e.name,
          time: e.time,
          byCouncil: typeof a.byCouncil === "boolean" ? a.byCouncil : undefined,
        };
        if (e.name === "AgreementRequested")
          agreements.set(id, {
            id,
            resourceId: String(a.resourceId),
            provider: String(a.provider),
            consumer: String(a.consumer),
            requestedAt: e.time,
            replyDeadline: Number(a.replyDeadline),
            events: [step],
          });
        else agreements.get(id)?.events.push(step);
        break;
      }
      case "Grants":
        if (e.name === "GrantIssued") grants.push({ consumer: String(a.consumer), issuedAt: e.time });
        break;
      case "ConsentRegistry": {
        const id = lower(a.consentId);
        if (e.name === "ConsentRecorded")
          consents.set(id, { recorder: String(a.recorder), recordedAt: e.time, withdrawnAt: [] });
        else if (e.name === "ConsentWithdrawn") consents.get(id)?.withdrawnAt.push(e.time);
        break;
      }
      case "DemandRegistry": {
        const id = String(a.demandId);
        const state = applyDemandEvent(demands.get(id), e.name, a, e.time);
        if (state !== undefined) demands.set(id, state);
        break;
      }
      case "Objections": {
        const id = String(a.objectionId);
        const state = applyObjectionEvent(objections.get(id), e.name, a, e.time);
        if (state !== undefined) objections.set(id, state);
        break;
      }
    }
  }
  return { departments, resources, agreements, grants, consents, demands, objections };
}

/** The scorecards of every member department over `period`, from the chain's events (and receipts, when given). */
export function computeScorecards(
  events: Iterable<ScorecardEvent>,
  period: ScorecardPeriod,
  receipts?: Iterable<ScorecardReceipt>,
): ScorecardResult {
  const { from, to } = period;
  const state = foldEvents(events, to);
  const inPeriod = (time: number) => time >= from && time <= to;

  const cards = new Map<string, Scorecard>();
  for (const department of state.departments.values()) cards.set(department.id.toLowerCase(), emptyCard(department));
  const card = (id: string) => cards.get(id.toLowerCase());

  for (const resource of state.resources.values()) {
    const c = card(resource.provider);
    if (!c || !inPeriod(resource.registeredAt)) continue;
    bump(c.resourcesByShareType, resource.shareType);
    bump(c.resourcesBySecurityLevel, resource.level);
  }
  const overdue: OverdueRequest[] = [];
  for (const agreement of state.agreements.values()) {
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
    for (const event of agreement.events) {
      if (!provider || !inPeriod(event.time)) continue;
      const byProvider = event.byCouncil === false;
      if (event.name === "AgreementApproved" && byProvider) provider.approvals++;
      if (event.name === "AgreementRejected" && byProvider) provider.rejections++;
      if (event.name === "AgreementEscalated") provider.escalations++;
    }
  }
  for (const grant of state.grants) {
    const c = card(grant.consumer);
    if (c && inPeriod(grant.issuedAt)) c.grants++;
  }
  for (const consent of state.consents.values()) {
    const c = card(consent.recorder);
    if (!c) continue;
    if (inPeriod(consent.recordedAt)) c.consentsRecorded++;
    if (consent.withdrawnAt.some(inPeriod)) c.consentsWithdrawn++;
  }

  // Demands are counted for the requester; responsibilities and answers for the department that must provide the data;
  // objections received and their answers for the provider, raised for the consumer. Overdue: at the period's end.
  for (const d of state.demands.values()) {
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
  for (const o of state.objections.values()) {
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

  let receiptsCounted = 0;
  for (const receipt of receipts ?? []) {
    const c = card(receipt.department);
    if (!c || !inPeriod(receipt.time)) continue;
    receiptsCounted++;
    if (receipt.result === "delivered") c.deliveries++;
    else if (receipt.result === "denied") bump(c.denialsByReason, receipt.reason);
    else c.failures++;
  }

  for (const c of cards.values()) {
    c.medianReplySeconds = median(c.replySeconds);
    c.worstReplySeconds = c.replySeconds.length ? Math.max(...c.replySeconds) : undefined;
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
    overdueDemands: [...state.demands.values()].filter((d) => demandOverdue(d, to)),
    overdueObjections: [...state.objections.values()].filter((o) => objectionOverdue(o, to)),
    receiptsCounted,
  };
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
