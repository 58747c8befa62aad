import type { Feature } from "../gateway";
import { fetchFeature } from "./fetch";

/**
 * Every feature of the gateway, in the order their routes are declared. A feature builds its services from the
 * FeatureContext (chain adapter, projections, departments, config) and returns the function that declares its routes.
 * Add one line per feature.
 */
export const FEATURES: readonly Feature[] = [fetchFeature];
