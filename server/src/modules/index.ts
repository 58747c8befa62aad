import type { Feature } from "../gateway";
import { agreementsFeature } from "./agreements";
import { catalogFeature } from "./catalog";
import { consentsFeature } from "./consents/routes";
import { councilFeature } from "./council/routes";
import { fetchFeature } from "./fetch";
import { grantsFeature } from "./grants";
import { outboxFeature } from "./outbox";

/**
 * Every feature of the gateway, in the order their routes are declared. A feature builds its services from the
 * FeatureContext (chain adapter, projections, departments, config) and returns the function that declares its routes.
 * Add one line per feature.
 */
export const FEATURES: readonly Feature[] = [
  catalogFeature,
  agreementsFeature,
  grantsFeature,
  consentsFeature,
  councilFeature,
  fetchFeature,
  outboxFeature,
];
