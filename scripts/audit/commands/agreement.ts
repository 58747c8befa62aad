/**
 * `agreement <id>`: an agreement's full history from SharingAgreements and Grants events (filtered by the agreement
 * id topic): request, seals, approval or rejection, escalation and the council's decision, suspensions, grants and
 * their changes, with the provider's reply time against the deadline.
 */
import type { AuditContext } from "../connect";
import { UsageError } from "../errors";
import { eventRef, type ChainEvent } from "../event-source";
import { chainOf, type AuditReport } from "../render/model";
import { agreementStatusAt, loadAgreements, type AgreementHistory } from "../state/agreements";
import { bytes32Text, loadDirectory, short, type Directory } from "../state/directory";
import { grantStatusAt, loadGrantsOfAgreements, type GrantHistory } from "../state/grants";
import { replyOf, type Reply } from "../state/replies";
import { loadCalendar } from "../state/calendar";
import {
  YearNotPublishedError,
  cstDateOf,
  workingDaysLeft,
  type PublishedYears,
} from "../../../core/calendar/working-days";
import { formatDuration, isoTime } from "../time";
import { wrongDeploymentReport } from "./wrong-deployment";

export async function agreementCommand(ctx: AuditContext, id: bigint): Promise<AuditReport> {
  const title = `History of agreement ${id}`;
  if (ctx.deploymentProblems.length) return wrongDeploymentReport(ctx, "agreement", title);
  const [agreements, grants] = await Promise.all([loadAgreements(ctx, [id]), loadGrantsOfAgreements(ctx, [id])]);
  const agreement = agreements.get(String(id));
  if (!agreement) {
    throw new UsageError(
      `agreement ${id} does not exist on this chain (up to block ${ctx.head.number}): pass an agreement id`,
    );
  }
  const [directory, calendar] = await Promise.all([loadDirectory(ctx, [agreement.resourceId]), loadCalendar(ctx)]);
  const now = ctx.head.time;
  const reply = replyOf(agreement, now);
  const workingDays = replyWorkingDays(reply, calendar, now);
  const timeline = [
    ...agreement.events.map((event) => ({ event, text: agreementEventText(event, agreement, directory) })),
    ...[...grants.values()].flatMap((g) =>
      g.events.map((event) => ({ event, text: grantEventText(event, g, directory, agreement) })),
    ),
  ].sort((a, b) => a.event.blockNumber - b.event.blockNumber || a.event.logIndex - b.event.logIndex);

  return {
    command: "agreement",
    title: `${title}: ${directory.resourceName(agreement.resourceId)} from ${directory.departmentName(agreement.provider)} to ${directory.departmentName(agreement.consumer)}`,
    chain: chainOf(ctx),
    summary: [
      ["status now", agreementStatusAt(agreement, now) ?? "unknown"],
      ["resource", `${directory.resourceName(agreement.resourceId)} (${agreement.resourceId})`],
      ["provider", directory.departmentName(agreement.provider)],
      ["lead consumer", directory.departmentName(agreement.consumer)],
      ["co-consumers", agreement.coConsumers.map((c) => directory.departmentName(c)).join(", ") || "none"],
      ["fields", directory.fieldNames(agreement.resourceId, agreement.fieldMask)],
      ["purpose", bytes32Text(agreement.purpose)],
      ["legal basis", agreement.legalBasis + (agreement.requiresConsent ? " (consent required per subject)" : "")],
      ["valid", `${isoTime(agreement.validFrom)} – ${isoTime(agreement.validUntil)}`],
      ["quota", agreement.quota.per === "none" ? "unlimited" : `${agreement.quota.calls} per ${agreement.quota.per}`],
      ["reply", replyText(reply, workingDays)],
      ["grants", grants.size],
    ],
    violations: [],
    sections: [
      {
        heading: "History",
        table: {
          columns: ["time", "block", "event", "details", "tx"],
          rows: timeline.map(({ event, text }) => [
            isoTime(event.time),
            event.blockNumber,
            event.name,
            text,
            short(event.transactionHash),
          ]),
        },
      },
      {
        heading: "Grants",
        table: {
          columns: ["grant", "issued", "consumer", "grantee", "fields", "expires", "quota", "status now"],
          rows: [...grants.values()].map((g) => [
            String(g.id),
            isoTime(g.issued.time),
            directory.departmentName(g.consumer),
            g.grantee,
            directory.fieldNames(agreement.resourceId, g.fieldMask),
            isoTime(g.expiresAt),
            g.quota.per === "none" ? "unlimited" : `${g.quota.calls} per ${g.quota.per}`,
            grantStatusAt(g, now) === "active" && now >= g.expiresAt ? "expired" : (grantStatusAt(g, now) ?? ""),
          ]),
        },
      },
    ],
    data: {
      agreementId: String(id),
      statusNow: agreementStatusAt(agreement, now),
      terms: {
        ...agreement,
        id: String(id),
        fieldMask: `0x${agreement.fieldMask.toString(16)}`,
        requested: undefined,
        events: undefined,
      },
      reply: {
        needed: reply.needed,
        requestedAt: reply.requestedAt,
        deadline: reply.deadline || null,
        deadlineDate: reply.needed ? cstDateOf(reply.deadline) : null,
        workingDaysAllowed: workingDays.allowed,
        workingDaysLeft: workingDays.left,
        answer: reply.answer?.kind ?? null,
        answeredAt: reply.answer?.event.time ?? null,
        replySeconds: reply.replySeconds ?? null,
        late: reply.late,
        overdue: reply.overdue,
        escalatedAt: reply.escalation?.time ?? null,
        councilDecidedAt: reply.councilDecision?.time ?? null,
      },
      events: timeline.map(({ event, text }) => ({ ...eventRef(event), details: text })),
      grants: [...grants.values()].map((g) => ({
        grantId: String(g.id),
        consumer: g.consumer,
        grantee: g.grantee,
        fieldMask: `0x${g.fieldMask.toString(16)}`,
        expiresAt: g.expiresAt,
        statusNow: grantStatusAt(g, now),
      })),
    },
  };
}

/**
 * The reply deadline in working days on the council's calendar as the chain published it: how many the provider had
 * (from the request to the deadline) and, while no answer is in, how many are left after today (China Standard Time).
 * Null where the calendar lacks a year it would need.
 */
function replyWorkingDays(
  reply: Reply,
  calendar: PublishedYears,
  now: number,
): { allowed: number | null; left: number | null } {
  if (!reply.needed) return { allowed: null, left: null };
  const count = (from: number) => {
    try {
      return workingDaysLeft(calendar, from, reply.deadline);
    } catch (err) {
      if (err instanceof YearNotPublishedError) return null;
      throw err;
    }
  };
  const open = !reply.answer && !reply.councilDecision && !reply.escalation;
  return { allowed: count(reply.requestedAt), left: open ? count(now) : null };
}

function replyText(reply: Reply, workingDays: { allowed: number | null; left: number | null }): string {
  if (!reply.needed) return "no answer needed (unconditional resource)";
  const counted =
    workingDays.allowed === null
      ? ""
      : `, ${workingDays.allowed} working days after the request` +
        (workingDays.left === null ? "" : `, ${workingDays.left} left after today`);
  const deadline = `deadline ${isoTime(reply.deadline)}: end of ${cstDateOf(reply.deadline)} CST${counted}`;
  if (reply.answer) {
    return `${reply.answer.kind} by the provider after ${formatDuration(reply.replySeconds!)} (${deadline}: ${reply.late ? "LATE" : "on time"})`;
  }
  if (reply.councilDecision)
    return `no answer from the provider; decided by the council at ${isoTime(reply.councilDecision.time)} (${deadline})`;
  if (reply.overdue) return `no answer, OVERDUE (${deadline})`;
  return `no answer yet (${deadline})`;
}

function agreementEventText(event: ChainEvent, a: AgreementHistory, directory: Directory): string {
  const v = (name: string) => event.args.getValue(name);
  const actor = () => (v("byCouncil") ? "the council" : directory.departmentName(String(v("actor"))));
  switch (event.name) {
    case "AgreementRequested":
      return (
        `requested by ${directory.departmentName(a.consumer)} from ${directory.departmentName(a.provider)}` +
        (a.replyDeadline ? `; reply due by ${isoTime(a.replyDeadline)}` : "; active at once (unconditional)")
      );
    case "AgreementSealed":
      return `sealed for ${directory.departmentName(String(v("departmentId")))} by ${String(v("signer"))}${v("viaSignature") ? " (EIP-712 seal)" : ""}`;
    case "AgreementApproved":
      return v("byCouncil") ? "approved by the council" : "approved by the provider";
    case "AgreementActivated":
      return "active";
    case "AgreementRejected":
      return `rejected by ${v("byCouncil") ? "the council" : "the provider"}; reason hash ${String(v("reasonHash"))}`;
    case "AgreementEscalated":
      return `escalated to the council by ${directory.departmentName(String(v("escalatedBy")))}`;
    case "AgreementDecidedByCouncil":
      return `council decision: ${v("approved") ? "approved" : `rejected; reason hash ${String(v("reasonHash"))}`}`;
    case "AgreementSuspended":
      return `suspended by ${actor()}`;
    case "AgreementResumed":
      return `resumed by ${actor()}`;
    case "AgreementTerminated":
      return `terminated by ${actor()}`;
    default:
      return "";
  }
}

function grantEventText(event: ChainEvent, g: GrantHistory, directory: Directory, a: AgreementHistory): string {
  const v = (name: string) => event.args.getValue(name);
  const actor = () => (v("byCouncil") ? "the council" : directory.departmentName(String(v("actor"))));
  switch (event.name) {
    case "GrantIssued":
      return `grant ${g.id} issued by ${directory.departmentName(g.consumer)} to ${g.grantee}: ${directory.fieldNames(a.resourceId, g.fieldMask)}, until ${isoTime(g.expiresAt)}`;
    case "GrantPaused":
      return `grant ${g.id} paused by ${actor()}`;
    case "GrantResumed":
      return `grant ${g.id} resumed by ${actor()}`;
    case "GrantRevoked":
      return `grant ${g.id} revoked by ${actor()}`;
    default:
      return "";
  }
}
