import type { RouteRegistry } from "../../common/route-registry";
import { subjectRefRequestSchema, subjectRefResponseSchema } from "./schemas";
import type { SubjectService } from "./service";

export function registerSubjectRoutes(registry: RouteRegistry, subjects: SubjectService): void {
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
