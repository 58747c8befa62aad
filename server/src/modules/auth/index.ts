import type { Feature } from "../feature";
import { registerAuthRoutes } from "./routes";

/**
 * The auth feature's route, `GET /v1/me`. Authentication itself (bearer tokens, the failure limit, roles) is
 * middleware that every route goes through: the route registry is built with it in `app.ts`.
 */
export const authFeature: Feature = (ctx) => (registry) => registerAuthRoutes(registry, ctx.departments);
