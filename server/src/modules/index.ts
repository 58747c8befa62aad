import { agreementsFeature } from "./agreements";
import { auditFeature } from "./audit";
import { authFeature } from "./auth";
import { catalogFeature } from "./catalog";
import { consentsFeature } from "./consents";
import { consoleFeature } from "./console";
import { councilFeature } from "./council";
import { demandsFeature } from "./demands";
import { departmentsFeature } from "./departments";
import { exchangeFeature } from "./exchange";
import type { Feature } from "./feature";
import { fetchFeature } from "./fetch";
import { grantsFeature } from "./grants";
import { healthFeature } from "./health";
import { objectionsFeature } from "./objections";
import { outboxFeature } from "./outbox";
import { receiptsFeature } from "./receipts";
import { subjectsFeature } from "./subjects";

/**
 * Every feature of the gateway, registered here and nowhere else, in the order their routes are declared. A feature
 * builds its services from the FeatureContext (chain adapter, projections, departments, config) and returns the
 * function that declares its routes. Add one line per feature.
 */

/** Present in every gateway: liveness, who a token acts for, subject references and trails, the member departments. */
export const BASE_FEATURES: readonly Feature[] = [healthFeature, authFeature, subjectsFeature, departmentsFeature];

/** The rest (a test gateway may take a subset of these). */
export const FEATURES: readonly Feature[] = [
  catalogFeature,
  agreementsFeature,
  grantsFeature,
  consentsFeature,
  councilFeature,
  demandsFeature,
  objectionsFeature,
  fetchFeature,
  exchangeFeature,
  receiptsFeature,
  outboxFeature,
  auditFeature,
  consoleFeature,
];
