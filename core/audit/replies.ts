/**
 * Reply time of a conditional request against its deadline: from the request to the provider's own approval or
 * rejection. On time when answered at or before the deadline (escalation is allowed only strictly after it). Pure:
 * the auditor hands the agreement's chain events, the gateway its indexed ones.
 */

/** One event of an agreement as the reply rules read it; `byCouncil` for approvals and rejections. */
export interface AgreementStep {
  name: string;
  time: number;
  byCouncil?: boolean;
}

interface AgreementTimeline<E extends AgreementStep> {
  requestedAt: number;
  /** Unix seconds by which the provider must answer; zero when no answer is needed (unconditional resource). */
  replyDeadline: number;
  /** Every event of the agreement, in chain order. */
  events: readonly E[];
}

export interface Reply<E extends AgreementStep> {
  /** False for an unconditional resource: no answer was needed. */
  needed: boolean;
  requestedAt: number;
  deadline: number;
  answer?: { kind: "approved" | "rejected"; event: E };
  /** Seconds from the request to the provider's answer. */
  replySeconds?: number;
  /** Answered after the deadline, or not answered by the provider and the deadline has passed. */
  late: boolean;
  /** Not answered by anyone (provider or council) and the deadline has passed: an item waiting past its deadline. */
  overdue: boolean;
  councilDecision?: E;
  escalation?: E;
}

/** The provider's own approval or rejection: its answer to a request that needed one. */
const isProviderAnswer = (e: AgreementStep) =>
  (e.name === "AgreementApproved" || e.name === "AgreementRejected") && e.byCouncil === false;

/** The provider's answer to a request that needed one: approval or rejection by the provider itself. */
function providerAnswerOf<E extends AgreementStep>(events: readonly E[]): E | undefined {
  return events.find(isProviderAnswer);
}

/** What `replyOf` reads of a step: only the first step of each of these kinds counts. */
function replyKindOf(e: AgreementStep): string | undefined {
  if (isProviderAnswer(e)) return "answer";
  const read = ["AgreementEscalated", "AgreementDecidedByCouncil", "AgreementTerminated"];
  return read.includes(e.name) ? e.name : undefined;
}

/**
 * Appends `step` to `kept` when `replyOf` could read it (the first of its kind), so that a fold over a long history
 * keeps at most four steps an agreement and `replyOf(kept)` answers as it would over every step.
 */
export function keepForReply<E extends AgreementStep>(kept: E[], step: E): void {
  const kind = replyKindOf(step);
  if (kind !== undefined && !kept.some((e) => replyKindOf(e) === kind)) kept.push(step);
}

export function replyOf<E extends AgreementStep>(a: AgreementTimeline<E>, now: number): Reply<E> {
  const reply: Reply<E> = {
    needed: a.replyDeadline !== 0,
    requestedAt: a.requestedAt,
    deadline: a.replyDeadline,
    late: false,
    overdue: false,
  };
  if (!reply.needed) return reply;
  reply.escalation = a.events.find((e) => e.name === "AgreementEscalated");
  reply.councilDecision = a.events.find((e) => e.name === "AgreementDecidedByCouncil");
  const answer = providerAnswerOf(a.events);
  if (answer) {
    reply.answer = { kind: answer.name === "AgreementApproved" ? "approved" : "rejected", event: answer };
    reply.replySeconds = answer.time - a.requestedAt;
    reply.late = answer.time > a.replyDeadline;
    return reply;
  }
  const ended = a.events.some((e) => e.name === "AgreementTerminated");
  reply.late = now > a.replyDeadline;
  reply.overdue = reply.late && !reply.councilDecision && !ended;
  return reply;
}
