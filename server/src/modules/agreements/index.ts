import { AgreementStore } from "../../store/agreements";
import { CalendarStore } from "../../store/calendar";
import { catalogLookup } from "../catalog";
import type { Feature, FeatureContext } from "../feature";
import { registerAgreementRoutes } from "./routes";
import { AgreementService, type AgreementLookup } from "./service";

/** Agreements as other features (grants) read them; their status at a time is the core's `effectiveStatus`. */
export function agreementLookup(ctx: FeatureContext): AgreementLookup {
  return ctx.projection(AgreementStore);
}

/** The agreements feature: `/v1/agreements…`. */
export const agreementsFeature: Feature = (ctx) => {
  const service = new AgreementService(
    ctx.projection(AgreementStore),
    catalogLookup(ctx),
    ctx.chain,
    ctx.departments,
    ctx.projection(CalendarStore),
  );
  return (registry) => registerAgreementRoutes(registry, service, ctx.departments);
};
