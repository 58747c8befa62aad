import { z } from "zod";
import { departmentSchema } from "../auth/department-directory";
import { ROLES } from "../../common/request-context";

export const consoleSessionSchema = z
  .object({
    department: departmentSchema.nullable().meta({ description: "null for an auditor token tied to no department" }),
    role: z.enum(ROLES),
    csrfToken: z.string().meta({ description: "send it back in X-CSRF-Token on every POST, PATCH and DELETE" }),
    expiresAt: z.string().meta({ description: "ISO 8601: when the session ends" }),
  })
  .meta({ id: "ConsoleSession" });
