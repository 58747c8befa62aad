import { consentService } from "../consents";
import type { Feature } from "../feature";
import { registerSubjectRoutes } from "./routes";
import { SubjectService } from "./service";

/** The subjects feature: `/v1/subjects/…` (references, and each subject's consent trail from the consents feature). */
export const subjectsFeature: Feature = (ctx) => {
  const subjects = new SubjectService(ctx.config.consortiumSecret);
  const consents = consentService(ctx);
  return (registry) => registerSubjectRoutes(registry, subjects, consents);
};
