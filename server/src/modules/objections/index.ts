import { CalendarStore } from "../../store/calendar";
import { ObjectionStore } from "../../store/objections";
import { catalogLookup } from "../catalog";
import type { Feature } from "../feature";
import { registerObjectionRoutes } from "./routes";
import { ObjectionService } from "./service";

/** Data-quality objections (校核纠错): `/v1/objections…`. */
export const objectionsFeature: Feature = (ctx) => {
  const service = new ObjectionService(
    ctx.projection(ObjectionStore),
    catalogLookup(ctx),
    ctx.chain,
    ctx.departments,
    ctx.projection(CalendarStore),
  );
  return (registry) => registerObjectionRoutes(registry, service, ctx.departments);
};
