/**
 * The demand and responsibility lists (DemandRegistry) and the data-quality objections (Objections) rebuilt from the
 * chain's events, with the core's folds, as they stood at the end of the events read.
 */
import { interfaces } from "../contracts";
import type { AuditContext } from "../connect";
import type { ChainEvent } from "../event-source";
import { groupBy } from "./fold";
import { applyDemandEvent, type DemandState } from "../../../core/folds/demands";
import { applyObjectionEvent, type ObjectionState } from "../../../core/folds/objections";

type Fold<S> = (state: S | undefined, name: string, args: ChainEvent["args"], time: number) => S | undefined;

function foldAll<S>(events: ChainEvent[], fold: Fold<S>): Map<string, S> {
  const states = new Map<string, S>();
  for (const [id, group] of groupBy(events, (e) => String(e.args[0]))) {
    let state: S | undefined;
    for (const e of group) state = fold(state, e.name, e.args, e.time);
    if (state !== undefined) states.set(id, state);
  }
  return states;
}

export async function loadAllDemands(ctx: AuditContext): Promise<Map<string, DemandState>> {
  const events = await ctx.events.events(ctx.deployment.contracts.DemandRegistry, interfaces.DemandRegistry, []);
  return foldAll(events, applyDemandEvent);
}

export async function loadAllObjections(ctx: AuditContext): Promise<Map<string, ObjectionState>> {
  const events = await ctx.events.events(ctx.deployment.contracts.Objections, interfaces.Objections, []);
  return foldAll(events, applyObjectionEvent);
}
