import { CatalogStore } from "../../store/catalog";
import type { Feature, FeatureContext } from "../feature";
import { registerCatalogRoutes } from "./routes";
import { CatalogService, type CatalogLookup } from "./service";

/** The catalog as other features (agreements, grants) read it. */
export function catalogLookup(ctx: FeatureContext): CatalogLookup {
  return ctx.projection(CatalogStore);
}

/** The catalog feature: `/v1/catalog/resources…`. */
export const catalogFeature: Feature = (ctx) => {
  const service = new CatalogService(ctx.projection(CatalogStore), ctx.chain, ctx.departments);
  return (registry) => registerCatalogRoutes(registry, service, ctx.departments);
};
