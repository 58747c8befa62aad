import { z } from "zod";
import { subjectIdentitySchema, subjectRefSchema } from "../../common/subject-ref";

export const subjectRefRequestSchema = subjectIdentitySchema.meta({
  id: "SubjectIdentity",
  examples: [{ idType: "resident_id", idNumber: "990000198001010012" }],
});

export const subjectRefResponseSchema = z.object({ subjectRef: subjectRefSchema }).meta({ id: "SubjectRefResult" });
