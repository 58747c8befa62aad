import type { RouteRegistry } from "../../common/route-registry";
import { subjectConsentsSchema, subjectRefParamsSchema } from "../consents/schemas";
import type { SubjectConsentTrails } from "../consents/service";
import { subjectRefRequestSchema, subjectRefResponseSchema } from "./schemas";
import type { SubjectRefAllowance } from "./allowance";
import type { SubjectService } from "./service";

/** `/v1/subjects/…`: a subject's reference, and every consent of the subject. */
export function registerSubjectRoutes(
  registry: RouteRegistry,
  subjects: SubjectService,
  consents: SubjectConsentTrails,
  allowance: SubjectRefAllowance,
): void {
  registerSubjectRefRoute(registry, subjects, allowance);
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
export function registerSubjectRefRoute(
  registry: RouteRegistry,
  subjects: SubjectService,
  allowance: SubjectRefAllowance,
): void {
  registry.route(
    {
      method: "post",
      path: "/v1/subjects/ref",
      summary: "Compute a subject reference",
      description:
        "HMAC-SHA256 of idType:normalisedIdNumber under the consortium secret. The identity number is checked " +
        "(resident_id: format, birth date and ISO 7064 MOD 11-2 check digit) and never stored or logged. " +
        "Operators (and council members) only, at most KUAJIE_SUBJECT_REF_RATE_LIMIT a minute per token (429 " +
        "`subject_ref_rate_limited` with Retry-After beyond); each computation is counted by token id in " +
        "`kuajie_subject_ref_computations_total` and logged with the token id.",
      tag: "subjects",
      auth: "operator",
      body: subjectRefRequestSchema,
      responses: {
        200: { description: "The subject reference", schema: subjectRefResponseSchema },
        429: {
          description:
            "subject_ref_rate_limited: the token's allowance of references is spent (or too many failed " +
            "authentication attempts from this client)",
        },
      },
    },
    ({ body, auth, log }) => {
      allowance.take(auth.tokenId);
      const subjectRef = subjects.reference(body);
      log.info(
        { event: "subject_ref_computed", tokenId: auth.tokenId, department: auth.departmentKey, idType: body.idType },
        "subject reference computed",
      );
      return { subjectRef };
    },
  );
}
