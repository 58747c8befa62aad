import { z } from "zod";

export const bytes32Schema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hex string")
  .transform((s) => s.toLowerCase());

export const departmentIdParamsSchema = z.object({ id: bytes32Schema });

export const memberSchema = z
  .object({
    key: z.string().nullable().meta({ description: "this gateway's key for the department, null if not served here" }),
    id: z.string(),
    code: z.string(),
    name: z.string(),
    level: z.string(),
    regionCode: z.number().int(),
    parent: z.string().nullable(),
    status: z.enum(["active", "suspended"]),
    council: z.boolean(),
    admittedBlock: z.number().int(),
    admittedAt: z.string().meta({ description: "ISO 8601" }),
    gateway: z.string().nullable().meta({
      description: "the exchange endpoint its admin published on chain (GatewayEndpointSet); null when none",
    }),
    operators: z.array(z.object({ account: z.string(), admin: z.boolean() })).optional(),
  })
  .meta({ id: "Member" });

export const memberListSchema = z.object({ items: z.array(memberSchema), block: z.number().int() });

/** The departments file (`KUAJIE_DEPARTMENTS_FILE`): which departments this gateway serves. */
export const servedDepartmentsSchema = z
  .array(
    z.object({
      key: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
      code: z.string().length(18),
      name: z.string().optional(),
    }),
  )
  .min(1);
export type ServedDepartment = z.infer<typeof servedDepartmentsSchema>[number];
