import { z } from "zod";
import { subjectIdentitySchema, subjectRefSchema } from "../../common/subject-ref";

export const subjectRefRequestSchema = subjectIdentitySchema.meta({ id: "SubjectIdentity" });

export const subjectRefResponseSchema = z.object({ subjectRef: subjectRefSchema }).meta({ id: "SubjectRefResult" });
