import { GrantStore } from "../../store/grants";
import { agreementLookup } from "../agreements";
import { catalogLookup } from "../catalog";
import type { Feature } from "../feature";
import { registerGrantRoutes } from "./routes";
import { GrantService } from "./service";

/** The grants feature: `/v1/grants…`. */
export const grantsFeature: Feature = (ctx) => {
  const service = new GrantService(
    ctx.projection(GrantStore),
    agreementLookup(ctx),
    catalogLookup(ctx),
    ctx.chain,
    ctx.departments,
  );
  return (registry) => registerGrantRoutes(registry, service, ctx.departments);
};
