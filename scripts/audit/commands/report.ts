/**
 * `report`: the supervision scorecard the council asks for, per department, over a period: resources registered by
 * sharing class and security level, requests received and made, approvals and rejections, median and worst reply
 * time, replies past the deadline, escalations, grants, consents recorded and withdrawn, and (with receipts)
 * deliveries and denials by reason; the demand and responsibility lists (demands published and still open,
 * responsibilities assigned, fulfilled on time, overdue) and data-quality objections (received, answered on time,
 * corrected, disputed, overdue). Departments are ranked; items waiting past their deadline are listed.
 */
import { loadCalendar, workingDaysBetween } from "../state/calendar";
import { cstDateOf } from "../../../core/calendar/working-days";
import type { AuditContext } from "../connect";
import type { ReceiptEntry } from "../receipts-file";
import { chainOf, type AuditReport, type Cell, type Table } from "../render/model";
import type { Violation } from "../rules";
import { loadAllAgreements, type AgreementHistory } from "../state/agreements";
import { loadAllConsents } from "../state/consents";
import { loadDirectory, type DepartmentInfo } from "../state/directory";
import { loadAllGrants } from "../state/grants";
import { loadAllDemands, loadAllObjections } from "../state/quality";
import { demandOverdue } from "../../../core/folds/demands";
import { objectionOverdue } from "../../../core/folds/objections";
import { replyOf, type Reply } from "../state/replies";
import { formatDuration, isoTime, median } from "../time";
import { verifyReceipts, type ReceiptSource } from "../verify";
import { wrongDeploymentReport } from "./wrong-deployment";

export interface ReportCommandOptions {
  from?: number;
  to?: number;
  entries?: ReceiptSource | readonly ReceiptEntry[];
  maxAnchorDelay: number;
}

interface Scorecard {
  department: DepartmentInfo;
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

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

export async function reportCommand(ctx: AuditContext, options: ReportCommandOptions): Promise<AuditReport> {
  const from = options.from ?? 0;
  const to = Math.min(options.to ?? ctx.head.time, ctx.head.time);
  const period = `${options.from !== undefined ? isoTime(from) : "deployment"} – ${isoTime(to)}`;
  const title = `Supervision scorecard, ${period}`;
  if (ctx.deploymentProblems.length) return wrongDeploymentReport(ctx, "report", title);

  // Everything as it stood at the end of the period.
  const events = ctx.events.until((await ctx.events.firstBlockAtOrAfter(to + 1)) - 1);
  const atEnd: AuditContext = { ...ctx, events };
  const [directory, agreements, grants, consents, calendar, demands, objections] = await Promise.all([
    loadDirectory(atEnd),
    loadAllAgreements(atEnd),
    loadAllGrants(atEnd),
    loadAllConsents(atEnd),
    loadCalendar(atEnd),
    loadAllDemands(atEnd),
    loadAllObjections(atEnd),
  ]);
  const inPeriod = (time: number) => time >= from && time <= to;

  const cards = new Map<string, Scorecard>();
  for (const department of directory.departments.values())
    cards.set(department.id.toLowerCase(), emptyCard(department));
  const card = (id: string) => cards.get(id.toLowerCase());

  for (const resource of directory.resources.values()) {
    const c = card(resource.provider);
    if (!c || !inPeriod(resource.registered.time)) continue;
    bump(c.resourcesByShareType, resource.shareType);
    bump(c.resourcesBySecurityLevel, resource.securityLevel);
  }
  const overdueItems: { agreement: AgreementHistory; reply: Reply }[] = [];
  for (const agreement of agreements.values()) {
    const provider = card(agreement.provider);
    const reply = replyOf(agreement, to);
    if (reply.overdue) overdueItems.push({ agreement, reply });
    if (inPeriod(agreement.requested.time)) {
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
      const byProvider = event.args.getValue("byCouncil") === false;
      if (event.name === "AgreementApproved" && byProvider) provider.approvals++;
      if (event.name === "AgreementRejected" && byProvider) provider.rejections++;
      if (event.name === "AgreementEscalated") provider.escalations++;
    }
  }
  for (const grant of grants.values()) {
    const c = card(grant.consumer);
    if (c && inPeriod(grant.issued.time)) c.grants++;
  }
  for (const consent of consents.all()) {
    const c = card(consent.recorder);
    if (!c) continue;
    if (inPeriod(consent.recorded.time)) c.consentsRecorded++;
    if (consent.changes.some((e) => e.name === "ConsentWithdrawn" && inPeriod(e.time))) c.consentsWithdrawn++;
  }

  // Demands are counted for the requester; responsibilities and answers for the department that must provide the data;
  // objections received and their answers for the provider, raised for the consumer. Overdue: at the period's end.
  for (const d of demands.values()) {
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
  for (const o of objections.values()) {
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

  const overdueDemands = [...demands.values()].filter((d) => demandOverdue(d, to));
  const overdueObjections = [...objections.values()].filter((o) => objectionOverdue(o, to));

  const violations: Violation[] = [];
  let receiptsCounted = 0;
  if (options.entries) {
    const verified = await verifyReceipts(
      ctx,
      options.entries,
      { maxAnchorDelay: options.maxAnchorDelay, span: { from: options.from, to: options.to } },
      ({ receipt }) => {
        const c = card(receipt.department);
        if (!c || !inPeriod(receipt.time)) return;
        receiptsCounted++;
        if (receipt.result === "delivered") c.deliveries++;
        else if (receipt.result === "denied") bump(c.denialsByReason, receipt.reason);
        else c.failures++;
      },
    );
    violations.push(...verified.violations);
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
  const duration = (s?: number) => (s === undefined ? "–" : formatDuration(s));
  const counts = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "–";

  // Two tables of at most ten columns rather than one of eighteen, so that each fits a laptop screen and an A4 page.
  const repliesTable: Table = {
    columns: [
      "rank",
      "department",
      "requests received",
      "requests made",
      "approved",
      "rejected",
      "median reply",
      "worst reply",
      "replies past deadline",
      "escalations against it (as provider)",
    ],
    rows: ranked.map((c, i) => [
      i + 1,
      c.department.name,
      c.requestsReceived,
      c.requestsMade,
      c.approvals,
      c.rejections,
      duration(c.medianReplySeconds),
      duration(c.worstReplySeconds),
      c.repliesPastDeadline,
      c.escalations,
    ]),
  };
  const sharingTable: Table = {
    columns: [
      "rank",
      "department",
      "resources by class",
      "by security level",
      "grants issued",
      "consents recorded",
      "consents withdrawn",
      ...(options.entries ? ["deliveries", "denials by reason", "failures"] : []),
    ],
    rows: ranked.map((c, i) => [
      i + 1,
      c.department.name,
      counts(c.resourcesByShareType),
      counts(c.resourcesBySecurityLevel),
      c.grants,
      c.consentsRecorded,
      c.consentsWithdrawn,
      ...(options.entries ? [c.deliveries, counts(c.denialsByReason), c.failures] : []),
    ]),
  };
  const qualityTable: Table = {
    columns: [
      "rank",
      "department",
      "demands published / open",
      "demands answered",
      "responsibilities assigned",
      "fulfilled on time / late",
      "responsibilities overdue",
      "objections received / raised",
      "objections answered on time / overdue",
      "corrected / disputed",
    ],
    rows: ranked.map((c, i) => [
      i + 1,
      c.department.name,
      `${c.demandsPublished} / ${c.demandsOpen}`,
      c.demandsAnswered,
      c.responsibilitiesAssigned,
      `${c.responsibilitiesFulfilledOnTime} / ${c.responsibilitiesFulfilledLate}`,
      c.responsibilitiesOverdue,
      `${c.objectionsReceived} / ${c.objectionsRaised}`,
      `${c.objectionsAnsweredOnTime} / ${c.objectionsOverdue}`,
      `${c.objectionsCorrected} / ${c.objectionsDisputed}`,
    ]),
  };
  const total = (f: (c: Scorecard) => number) => ranked.reduce((sum, c) => sum + f(c), 0);

  return {
    command: "report",
    title,
    chain: chainOf(ctx),
    summary: [
      ["period", period],
      ["departments", cards.size],
      ["resources registered", total((c) => Object.values(c.resourcesByShareType).reduce((a, b) => a + b, 0))],
      ["requests", total((c) => c.requestsReceived)],
      ["replies past the deadline", total((c) => c.repliesPastDeadline)],
      ["items overdue now", overdueItems.length],
      ["grants issued", total((c) => c.grants)],
      ["responsibilities overdue now", total((c) => c.responsibilitiesOverdue)],
      ["objections overdue now", total((c) => c.objectionsOverdue)],
      ["consents recorded / withdrawn", `${total((c) => c.consentsRecorded)} / ${total((c) => c.consentsWithdrawn)}`],
      ...(options.entries
        ? ([
            ["receipts in the period", receiptsCounted],
            ["receipt violations", violations.length],
          ] as [string, Cell][])
        : []),
    ],
    violations,
    sections: [
      {
        heading: "Departments, ranked: answering requests",
        lines: [
          "Ranked by replies past the deadline (fewest first), then by median reply time (shortest first; departments that answered none last). Reply time runs from a conditional request to the provider's own approval or rejection; a request unanswered past its deadline counts as past the deadline. Escalations are counted against the provider whose request went to the council.",
        ],
        table: repliesTable,
      },
      {
        heading: "Departments, ranked: resources, grants, consents" + (options.entries ? " and receipts" : ""),
        lines: [
          "In the same order. Grants are counted for the consumer that issued them, consents for the department that recorded them" +
            (options.entries ? ", receipts for the department that wrote them." : "."),
        ],
        table: sharingTable,
      },
      {
        heading: "Departments, ranked: demands, responsibilities and data-quality objections",
        lines: [
          "In the same order. Demands are counted for the department that published them (open: neither answered nor assigned at the period's end); answers, responsibilities and their fulfilment for the department that provides the data; objections received, their answers and outcomes for the provider, objections raised for the consumer. Due dates and answer deadlines are counted in working days on the council's calendar; overdue means still unfulfilled (or unanswered) past it at the period's end.",
        ],
        table: qualityTable,
      },
      {
        heading: "Overdue items",
        lines: [
          "Conditional requests not answered by the provider nor decided by the council, past their reply deadline at the end of the period.",
        ],
        table: {
          columns: [
            "agreement",
            "resource",
            "provider",
            "requested by",
            "requested",
            "deadline",
            "overdue by",
            "status",
          ],
          rows: overdueItems.map(({ agreement: a, reply }) => [
            String(a.id),
            directory.resourceName(a.resourceId),
            directory.departmentName(a.provider),
            directory.departmentName(a.consumer),
            isoTime(a.requested.time),
            `${isoTime(reply.deadline)} (end of ${cstDateOf(reply.deadline)} CST, ` +
              `${workingDaysBetween(calendar, a.requested.time, reply.deadline) ?? "?"} working days)`,
            formatDuration(to - reply.deadline),
            reply.escalation ? "escalated, awaiting the council" : "requested",
          ]),
        },
      },
      {
        heading: "Overdue responsibilities and objections",
        lines: [
          "Responsibilities the council assigned and data-quality objections not answered, past their due date or answer deadline (working days on the council's calendar) at the end of the period.",
        ],
        table: {
          columns: ["kind", "id", "department that must act", "raised by", "due", "overdue by"],
          rows: [
            ...overdueDemands.map((d) => [
              "responsibility",
              String(d.id),
              directory.departmentName(d.responsible ?? ""),
              directory.departmentName(d.requester),
              isoTime(d.dueAt ?? 0),
              formatDuration(to - (d.dueAt ?? 0)),
            ]),
            ...overdueObjections.map((o) => [
              "objection",
              String(o.id),
              directory.departmentName(o.provider),
              directory.departmentName(o.consumer),
              isoTime(o.answerDeadline),
              formatDuration(to - o.answerDeadline),
            ]),
          ],
        },
      },
    ],
    data: {
      from: options.from ?? null,
      to,
      departments: ranked.map((c, i) => ({
        rank: i + 1,
        id: c.department.id,
        code: c.department.code,
        name: c.department.name,
        ...c,
        department: undefined,
        replySeconds: undefined,
      })),
      overdue: overdueItems.map(({ agreement: a, reply }) => ({
        agreementId: String(a.id),
        provider: a.provider,
        consumer: a.consumer,
        requestedAt: a.requested.time,
        deadline: reply.deadline,
        deadlineDate: cstDateOf(reply.deadline),
        workingDaysAllowed: workingDaysBetween(calendar, a.requested.time, reply.deadline),
        escalated: reply.escalation !== undefined,
      })),
      overdueResponsibilities: overdueDemands.map((d) => ({
        demandId: d.id,
        responsible: d.responsible,
        requester: d.requester,
        dueAt: d.dueAt,
      })),
      overdueObjections: overdueObjections.map((o) => ({
        objectionId: o.id,
        provider: o.provider,
        consumer: o.consumer,
        answerDeadline: o.answerDeadline,
      })),
    },
  };
}

function emptyCard(department: DepartmentInfo): Scorecard {
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
