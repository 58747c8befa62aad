import { ConsentStore } from "../../store/consents";
import { catalogLookup } from "../catalog";
import type { Feature, FeatureContext } from "../feature";
import { ConsentBatcher } from "./batcher";
import { ConsentRecordService } from "./record";
import { registerConsentRoutes } from "./routes";
import { ConsentService, type ConsentLookup } from "./service";

/** The gateway's consent service (the subjects feature answers a subject's trail through it). */
export function consentService(ctx: FeatureContext): ConsentService {
  return ctx.single(consentService, () => {
    const batcher = new ConsentBatcher(ctx.chain);
    ctx.onStop(() => batcher.close());
    const service = new ConsentService({
      chain: ctx.chain,
      store: ctx.projection(ConsentStore),
      departments: ctx.departments,
      batcher,
      consortiumSecret: ctx.config.consortiumSecret,
      // The committed cursor, kept in memory by the indexer (`status()` reads its row: a SELECT an answer).
      indexedBlock: () => ctx.chain.indexer.indexedBlock(),
    });
    ctx.chain.indexer.onReset(() => service.forgetIndexedView());
    return service;
  });
}

/** Consents as other features read them (the council's `revoke_consent`). */
export function consentLookup(ctx: FeatureContext): ConsentLookup {
  return ctx.projection(ConsentStore);
}

/**
 * The consents feature: `/v1/consents…`, recorded through the caller department's key (record evidence coalesced
 * into batches), read from the projection.
 */
export const consentsFeature: Feature = (ctx) => {
  const service = consentService(ctx);
  const records = new ConsentRecordService({
    consents: service,
    store: ctx.projection(ConsentStore),
    catalog: catalogLookup(ctx),
    departments: ctx.departments,
    chainId: ctx.chain.deployment.chainId,
    registry: ctx.chain.deployment.contracts.ConsentRegistry,
  });
  return (registry) => registerConsentRoutes(registry, service, records);
};
