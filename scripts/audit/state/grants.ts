/** A grant's history rebuilt from Grants events, and whether it could be used at a given moment. */
import type { GrantIssuedEvent } from "../../../typechain-types/contracts/sharing/IGrants";
import { interfaces } from "../contracts";
import type { AuditContext } from "../connect";
import { uintTopic, type ChainEvent } from "../event-source";
import { argsOf, groupBy, happenedBy } from "./fold";
import { QUOTA_PERIOD, type GrantStatus, type QuotaPeriod } from "../../../core/codes/enumerations";
import { applyGrantEvent, type GrantState } from "../../../core/folds/grants";

export interface GrantHistory {
  id: bigint;
  agreementId: bigint;
  consumer: string;
  grantee: string;
  fieldMask: bigint;
  expiresAt: number;
  quota: { calls: number; per: QuotaPeriod };
  issued: ChainEvent;
  events: ChainEvent[];
  /** The stored status after each event (`statuses[i]` after `events[i]`), folded once when the history is read. */
  statuses: (GrantStatus | undefined)[];
}

/** The stored status at `time`; undefined before the grant was issued. */
export function grantStatusAt(g: GrantHistory, time: number): GrantStatus | undefined {
  let status: GrantStatus | undefined;
  for (let i = 0; i < g.events.length && happenedBy(g.events[i], time); i++) status = g.statuses[i];
  return status;
}

/** The stored status after each event, in order. */
function foldEach(events: readonly ChainEvent[]): (GrantStatus | undefined)[] {
  let state: GrantState | undefined;
  return events.map((event) => (state = applyGrantEvent(state, event.name, event.args))?.status);
}

/** Why the grant could not be used at `time`, or undefined when it could (issued, active, not expired). */
export function grantRefusalAt(g: GrantHistory, time: number): string | undefined {
  const status = grantStatusAt(g, time);
  if (status === undefined) return `grant ${g.id} was not yet issued`;
  if (status !== "active") return `grant ${g.id} was ${status}`;
  if (time >= g.expiresAt) return `grant ${g.id} had expired`;
  return undefined;
}

function fromEvents(events: readonly ChainEvent[]): GrantHistory | undefined {
  const issued = events.find((e) => e.name === "GrantIssued");
  if (!issued) return undefined;
  const g = argsOf<GrantIssuedEvent.OutputObject>(issued);
  return {
    id: g.grantId,
    agreementId: g.agreementId,
    consumer: g.consumer,
    grantee: g.grantee,
    fieldMask: g.fieldMask,
    expiresAt: Number(g.expiresAt),
    quota: { calls: Number(g.quota.calls), per: QUOTA_PERIOD.values[Number(g.quota.per)] },
    issued,
    events: [...events],
    statuses: foldEach(events),
  };
}

function foldGrants(events: ChainEvent[]): Map<string, GrantHistory> {
  const histories = new Map<string, GrantHistory>();
  for (const [id, group] of groupBy(events, (e) => String(e.args[0]))) {
    const history = fromEvents(group);
    if (history) histories.set(id, history);
  }
  return histories;
}

/** The histories of the given grants (one query filtered by the grant id topic). */
export async function loadGrants(
  ctx: AuditContext,
  ids: Iterable<bigint | string>,
): Promise<Map<string, GrantHistory>> {
  const topics = [...new Set([...ids].map((id) => uintTopic(id)))];
  return foldGrants(await ctx.events.events(ctx.deployment.contracts.Grants, interfaces.Grants, [null, topics]));
}

/** The grants issued under the given agreements (filtered by the agreement id topic). */
export async function loadGrantsOfAgreements(
  ctx: AuditContext,
  agreementIds: Iterable<bigint | string>,
): Promise<Map<string, GrantHistory>> {
  const topics = [...new Set([...agreementIds].map((id) => uintTopic(id)))];
  return foldGrants(await ctx.events.events(ctx.deployment.contracts.Grants, interfaces.Grants, [null, null, topics]));
}
