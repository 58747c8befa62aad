import type { Feature, FeatureContext } from "../../gateway";
import { AgreementStore } from "../../store/agreements";
import { catalogStore } from "../catalog";
import { registerAgreementRoutes } from "./routes";
import { AgreementService } from "./service";

const projected = new WeakSet<FeatureContext>();

/**
 * The agreements projection of a gateway, subscribed to the indexer once. Other features (grants, fetch, council)
 * read agreements through this: `agreementStore(ctx).get(agreementId)` with `effectiveAgreementStatus`; a council
 * decision's reason text can be kept with `agreementStore(ctx).saveText(keccak256(reason), reason)`.
 */
export function agreementStore(ctx: FeatureContext): AgreementStore {
  const store = AgreementStore.of(ctx.db);
  if (!projected.has(ctx)) {
    projected.add(ctx);
    ctx.project(store);
  }
  return store;
}

/** The agreements feature: `/v1/agreements…`. */
export const agreementsFeature: Feature = (ctx) => {
  const service = new AgreementService(agreementStore(ctx), catalogStore(ctx), ctx.chain, ctx.departments);
  return (registry) => registerAgreementRoutes(registry, service, ctx.departments);
};
