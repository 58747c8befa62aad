/**
 * Reply time of a conditional request against its deadline (core/audit/replies.ts), for an agreement rebuilt from
 * the chain's events: each event keeps its block and transaction for the report.
 */
import { replyOf as coreReplyOf, type Reply as CoreReply } from "../../../core/audit/replies";
import type { ChainEvent } from "../event-source";
import type { AgreementHistory } from "./agreements";

type Step = ChainEvent & { byCouncil?: boolean };
export type Reply = CoreReply<Step>;

export function replyOf(a: AgreementHistory, now: number): Reply {
  const events = a.events.map((e): Step => {
    const byCouncil: unknown = e.args.toObject().byCouncil;
    return { ...e, byCouncil: typeof byCouncil === "boolean" ? byCouncil : undefined };
  });
  return coreReplyOf({ requestedAt: a.requested.time, replyDeadline: a.replyDeadline, events }, now);
}
