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
import type { Scorecard } from "../../../core/audit/scorecard";
import type { AuditContext } from "../connect";
import type { ReceiptEntry } from "../receipts-file";
import { chainOf, type AuditReport, type Cell, type Table } from "../render/model";
import type { Violation } from "../rules";
import { loadDirectory } from "../state/directory";
import { scorecardFold } from "../state/scorecard-events";
import { formatDuration, isoTime } from "../time";
import { verifyReceipts, type ReceiptSource } from "../verify";
import { wrongDeploymentReport } from "./wrong-deployment";

export interface ReportCommandOptions {
  from?: number;
  to?: number;
  entries?: ReceiptSource | readonly ReceiptEntry[];
  maxAnchorDelay: number;
}

export async function reportCommand(ctx: AuditContext, options: ReportCommandOptions): Promise<AuditReport> {
  const from = options.from ?? 0;
  const to = Math.min(options.to ?? ctx.head.time, ctx.head.time);
  const period = `${options.from !== undefined ? isoTime(from) : "deployment"} – ${isoTime(to)}`;
  const title = `Supervision scorecard, ${period}`;
  if (ctx.deploymentProblems.length) return wrongDeploymentReport(ctx, "report", title);

  // Everything as it stood at the end of the period.
  const events = ctx.events.until((await ctx.events.firstBlockAtOrAfter(to + 1)) - 1);
  const atEnd: AuditContext = { ...ctx, events };
  // The chain's events and the receipts stream into the fold, which keeps counts (core/audit/scorecard.ts).
  const [directory, calendar, fold] = await Promise.all([
    loadDirectory(atEnd),
    loadCalendar(atEnd),
    scorecardFold(atEnd, { from, to }),
  ]);

  const violations: Violation[] = [];
  if (options.entries) {
    const verified = await verifyReceipts(
      ctx,
      options.entries,
      { maxAnchorDelay: options.maxAnchorDelay, span: { from: options.from, to: options.to } },
      ({ receipt }) =>
        fold.addReceipt({
          department: receipt.department,
          time: receipt.time,
          result: receipt.result,
          reason: receipt.reason,
        }),
    );
    violations.push(...verified.violations);
  }
  const scored = fold.result();
  const ranked = scored.cards;
  const overdueItems = scored.overdue;
  const overdueDemands = scored.overdueDemands;
  const overdueObjections = scored.overdueObjections;
  const receiptsCounted = scored.receiptsCounted;

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
      ["departments", ranked.length],
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
          rows: overdueItems.map(({ reply, ...a }) => [
            a.agreementId,
            directory.resourceName(a.resourceId),
            directory.departmentName(a.provider),
            directory.departmentName(a.consumer),
            isoTime(a.requestedAt),
            describeDeadline(reply.deadline, workingDaysBetween(calendar, a.requestedAt, reply.deadline)),
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
              describeDeadline(d.dueAt ?? 0, workingDaysBetween(calendar, d.assignedAt ?? 0, d.dueAt ?? 0)),
              formatDuration(to - (d.dueAt ?? 0)),
            ]),
            ...overdueObjections.map((o) => [
              "objection",
              String(o.id),
              directory.departmentName(o.provider),
              directory.departmentName(o.consumer),
              describeDeadline(o.answerDeadline, workingDaysBetween(calendar, o.raisedAt, o.answerDeadline)),
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
      overdue: overdueItems.map(({ reply, ...a }) => ({
        agreementId: a.agreementId,
        provider: a.provider,
        consumer: a.consumer,
        requestedAt: a.requestedAt,
        deadline: reply.deadline,
        deadlineDate: cstDateOf(reply.deadline),
        workingDaysAllowed: workingDaysBetween(calendar, a.requestedAt, reply.deadline),
        escalated: reply.escalation !== undefined,
      })),
      overdueResponsibilities: overdueDemands.map((d) => ({
        demandId: d.id,
        responsible: d.responsible,
        requester: d.requester,
        dueAt: d.dueAt,
        dueDate: d.dueAt === null ? null : cstDateOf(d.dueAt),
        workingDaysAllowed:
          d.dueAt === null || d.assignedAt === null ? null : workingDaysBetween(calendar, d.assignedAt, d.dueAt),
      })),
      overdueObjections: overdueObjections.map((o) => ({
        objectionId: o.id,
        provider: o.provider,
        consumer: o.consumer,
        answerDeadline: o.answerDeadline,
        answerDeadlineDate: cstDateOf(o.answerDeadline),
        workingDaysAllowed: workingDaysBetween(calendar, o.raisedAt, o.answerDeadline),
      })),
    },
  };
}
/** A deadline as the report states it: the instant, its CST date, and the working days it allowed on the calendar. */
function describeDeadline(deadline: number, workingDays: number | null): string {
  const days = workingDays === 1 ? "1 working day" : `${workingDays ?? "?"} working days`;
  return `${isoTime(deadline)} (end of ${cstDateOf(deadline)} CST, ${days})`;
}
