import type { Feature } from "../feature";
import { registerHealthRoutes } from "./routes";
import { gatewayHealth } from "./service";

/** The health feature: `GET /healthz`. */
export const healthFeature: Feature = (ctx) => (registry) =>
  registerHealthRoutes(registry, gatewayHealth(ctx.chain, ctx.metrics), ctx.logger);
