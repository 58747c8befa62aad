import type { RouteRegistry } from "../../common/route-registry";
import { subjectConsentsSchema, subjectRefParamsSchema } from "../consents/schemas";
import type { SubjectConsentTrails } from "../consents/service";
import { subjectRefRequestSchema, subjectRefResponseSchema } from "./schemas";
import type { SubjectService } from "./service";

/** `/v1/subjects/…`: a subject's reference, and every consent of the subject. */
export function registerSubjectRoutes(
  registry: RouteRegistry,
  subjects: SubjectService,
  consents: SubjectConsentTrails,
): void {
  registerSubjectRefRoute(registry, subjects);
  registry.route(
    {
      method: "get",
      path: "/v1/subjects/:subjectRef/consents",
      summary: "Every consent of a subject with its full history",
      description:
        "Recorded, superseded, withdrawn, revoked and expired (by time), with block, time, transaction and actor.",
      tag: "consents",
      auth: "any",
      params: subjectRefParamsSchema,
      responses: { 200: { description: "The subject's trail", schema: subjectConsentsSchema } },
    },
    ({ params }) => consents.subjectTrail(params.subjectRef),
  );
}

/** `POST /v1/subjects/ref` alone: it needs only the consortium secret (the app tests build it without a chain). */
export function registerSubjectRefRoute(registry: RouteRegistry, subjects: SubjectService): void {
  registry.route(
    {
      method: "post",
      path: "/v1/subjects/ref",
      summary: "Compute a subject reference",
      description:
        "HMAC-SHA256 of idType:normalisedIdNumber under the consortium secret. The identity number is checked " +
        "(resident_id: format, birth date and ISO 7064 MOD 11-2 check digit) and never stored or logged.",
      tag: "subjects",
      auth: "any",
      readOnly: true,
      body: subjectRefRequestSchema,
      responses: { 200: { description: "The subject reference", schema: subjectRefResponseSchema } },
    },
    ({ body }) => ({ subjectRef: subjects.reference(body) }),
  );
}
