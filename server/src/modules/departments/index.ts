import type { Feature } from "../feature";
import { registerDepartmentRoutes } from "./routes";

/**
 * The departments feature: `/v1/departments…`. Its service is the directory every feature is built with
 * (`FeatureContext.departments`), so the composition root builds it before the features.
 */
export const departmentsFeature: Feature = (ctx) => (registry) => registerDepartmentRoutes(registry, ctx.departments);
