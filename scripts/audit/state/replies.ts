/**
 * Reply time of a conditional request against its deadline: from the request to the provider's own approval or
 * rejection. On time when answered at or before the deadline (escalation is allowed only strictly after it).
 */
import type { ChainEvent } from "../event-source";
import { providerAnswer, type AgreementHistory } from "./agreements";

export interface Reply {
  /** False for an unconditional resource: no answer was needed. */
  needed: boolean;
  requestedAt: number;
  deadline: number;
  answer?: { kind: "approved" | "rejected"; event: ChainEvent };
  /** Seconds from the request to the provider's answer. */
  replySeconds?: number;
  /** Answered after the deadline, or not answered by the provider and the deadline has passed. */
  late: boolean;
  /** Not answered by anyone (provider or council) and the deadline has passed: an item waiting past its deadline. */
  overdue: boolean;
  councilDecision?: ChainEvent;
  escalation?: ChainEvent;
}

export function replyOf(a: AgreementHistory, now: number): Reply {
  const requestedAt = a.requested.time;
  const reply: Reply = {
    needed: a.replyDeadline !== 0,
    requestedAt,
    deadline: a.replyDeadline,
    late: false,
    overdue: false,
  };
  if (!reply.needed) return reply;
  reply.escalation = a.events.find((e) => e.name === "AgreementEscalated");
  reply.councilDecision = a.events.find((e) => e.name === "AgreementDecidedByCouncil");
  const answer = providerAnswer(a);
  if (answer) {
    reply.answer = { kind: answer.name === "AgreementApproved" ? "approved" : "rejected", event: answer };
    reply.replySeconds = answer.time - requestedAt;
    reply.late = answer.time > a.replyDeadline;
    return reply;
  }
  const ended = a.events.some((e) => e.name === "AgreementTerminated");
  reply.late = now > a.replyDeadline;
  reply.overdue = reply.late && !reply.councilDecision && !ended;
  return reply;
}
