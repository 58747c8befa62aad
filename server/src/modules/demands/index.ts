import { CalendarStore } from "../../store/calendar";
import { DemandStore } from "../../store/demands";
import { catalogLookup } from "../catalog";
import { councilService } from "../council";
import type { Feature } from "../feature";
import { registerDemandRoutes } from "./routes";
import { DemandService } from "./service";

/** The demand and responsibility lists: `/v1/demands…` and `/v1/responsibilities…`. */
export const demandsFeature: Feature = (ctx) => {
  const service = new DemandService(
    ctx.projection(DemandStore),
    catalogLookup(ctx),
    ctx.chain,
    ctx.departments,
    councilService(ctx),
    ctx.projection(CalendarStore),
  );
  return (registry) => registerDemandRoutes(registry, service, ctx.departments);
};
