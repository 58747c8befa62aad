import type { Feature, FeatureContext } from "../../gateway";
import { CatalogStore } from "../../store/catalog";
import { registerCatalogRoutes } from "./routes";
import { CatalogService } from "./service";

const projected = new WeakSet<FeatureContext>();

/**
 * The catalog projection of a gateway, subscribed to the indexer once. Other features (agreements, grants, fetch)
 * read resources through this: `catalogStore(ctx).get(resourceId)`.
 */
export function catalogStore(ctx: FeatureContext): CatalogStore {
  const store = CatalogStore.of(ctx.db);
  if (!projected.has(ctx)) {
    projected.add(ctx);
    ctx.project(store);
  }
  return store;
}

/** The catalog feature: `/v1/catalog/resources…`. */
export const catalogFeature: Feature = (ctx) => {
  const service = new CatalogService(catalogStore(ctx), ctx.chain, ctx.departments);
  return (registry) => registerCatalogRoutes(registry, service, ctx.departments);
};
