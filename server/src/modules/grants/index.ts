import type { Feature, FeatureContext } from "../../gateway";
import { GrantStore } from "../../store/grants";
import { agreementStore } from "../agreements";
import { catalogStore } from "../catalog";
import { registerGrantRoutes } from "./routes";
import { GrantService } from "./service";

const projected = new WeakSet<FeatureContext>();

/**
 * The grants projection of a gateway, subscribed to the indexer once. The fetch feature reads grants through this:
 * `grantStore(ctx).get(grantId)` (with `grantExpired`).
 */
export function grantStore(ctx: FeatureContext): GrantStore {
  const store = GrantStore.of(ctx.db);
  if (!projected.has(ctx)) {
    projected.add(ctx);
    ctx.project(store);
  }
  return store;
}

/** The grants feature: `/v1/grants…`. */
export const grantsFeature: Feature = (ctx) => {
  const service = new GrantService(grantStore(ctx), agreementStore(ctx), catalogStore(ctx), ctx.chain, ctx.departments);
  return (registry) => registerGrantRoutes(registry, service, ctx.departments);
};
