import { CouncilStore } from "../../store/council";
import { consentLookup } from "../consents";
import type { Feature, FeatureContext } from "../feature";
import { registerCouncilRoutes } from "./routes";
import { CouncilService } from "./service";

/** The council's proposals, as other features (demands, objections) make them for their council decisions. */
export function councilService(ctx: FeatureContext): CouncilService {
  return ctx.single(councilService, () => {
    const consents = consentLookup(ctx);
    return new CouncilService({
      chain: ctx.chain,
      store: ctx.projection(CouncilStore),
      consents,
      departments: ctx.departments,
      contracts: ctx.chain.deployment.contracts,
      indexedBlock: () => ctx.chain.indexer.status().indexedBlock,
      // The chain may run ahead of the wall clock (time travel in tests): the later of the two.
      now: () => Math.max(Math.floor(Date.now() / 1000), consents.latestBlockTime() ?? 0),
    });
  });
}

/** The council feature: proposals and approvals through the caller department's key, read from the Consortium projection. */
export const councilFeature: Feature = (ctx) => {
  const service = councilService(ctx);
  return (registry) => registerCouncilRoutes(registry, service);
};
