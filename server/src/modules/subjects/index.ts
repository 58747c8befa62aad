import { RateLimiter } from "../../common/rate-limit";
import { consentService } from "../consents";
import type { Feature } from "../feature";
import { SubjectRefAllowance } from "./allowance";
import { registerSubjectRoutes } from "./routes";
import { SubjectService } from "./service";

/** The subjects feature: `/v1/subjects/…` (references, and each subject's consent trail from the consents feature). */
export const subjectsFeature: Feature = (ctx) => {
  const subjects = new SubjectService(ctx.config.consortiumSecret);
  const consents = consentService(ctx);
  const allowance = new SubjectRefAllowance(
    new RateLimiter({ limit: ctx.config.subjectRefLimitPerMinute, windowMs: 60_000 }),
    ctx.metrics.subjectRefComputations,
  );
  return (registry) => registerSubjectRoutes(registry, subjects, consents, allowance);
};
