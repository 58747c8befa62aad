import { z } from "zod";
import { departmentSchema } from "./department-directory";
import { ROLES } from "../../common/request-context";

const roleSchema = z.enum(ROLES);

export const meSchema = z
  .object({
    department: departmentSchema.nullable().meta({ description: "null for an auditor token tied to no department" }),
    role: roleSchema,
  })
  .meta({ id: "Me" });
