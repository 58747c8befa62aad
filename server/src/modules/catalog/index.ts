import { CatalogStore } from "../../store/catalog";
import { UpstreamStore } from "../../store/upstreams";
import type { Feature, FeatureContext } from "../feature";
import { registerCatalogRoutes } from "./routes";
import { CatalogService, type CatalogLookup } from "./service";

/** The catalog as other features (agreements, grants) read it. */
export function catalogLookup(ctx: FeatureContext): CatalogLookup {
  return ctx.projection(CatalogStore);
}

/** This gateway's private backend URLs of the resources its departments provide (never on chain). */
export function resourceUpstreams(ctx: FeatureContext): UpstreamStore {
  return ctx.single(resourceUpstreams, () => new UpstreamStore(ctx.db));
}

/** The catalog feature: `/v1/catalog/resources…`. */
export const catalogFeature: Feature = (ctx) => {
  const service = new CatalogService(ctx.projection(CatalogStore), ctx.chain, ctx.departments, resourceUpstreams(ctx));
  return (registry) => registerCatalogRoutes(registry, service, ctx.departments);
};
