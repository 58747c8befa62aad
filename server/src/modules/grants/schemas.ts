import { z } from "zod";
import { GRANT_STATUS } from "../../../../core/codes/enumerations";
import { policyEventSchema, quotaSchema, sequentialIdSchema, timeSchema } from "../agreements/schemas";

export { idParamsSchema } from "../agreements/schemas";

const addressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");

export const issueGrantSchema = z
  .object({
    agreementId: sequentialIdSchema,
    grantee: addressSchema.optional().meta({ description: "default: the caller department's gateway account" }),
    fields: z
      .array(z.string().min(1))
      .min(1)
      .max(256)
      .optional()
      .meta({ description: "field names, a subset of the agreement's; default: all of the agreement's" }),
    expiresAt: timeSchema.optional().meta({ description: "default: the agreement's validUntil" }),
    quota: quotaSchema.optional().meta({ description: "default: the agreement's quota" }),
  })
  .meta({
    id: "GrantIssue",
    examples: [{ agreementId: 1, fields: ["name", "householdType"], expiresAt: "2029-12-31T16:00:00Z" }],
  });
export type IssueGrant = z.output<typeof issueGrantSchema>;

export const grantListQuerySchema = z.object({
  agreementId: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "expected a positive integer id")
    .transform(Number)
    .optional(),
  grantee: addressSchema.optional(),
});

const ref = z.object({ id: z.string(), key: z.string().nullable() });

const grantSchema = z
  .object({
    grantId: z.number().int(),
    agreementId: z.number().int(),
    status: z
      .enum([...GRANT_STATUS.values, "expired"])
      .meta({ description: "active | paused | revoked as stored; expired once expiresAt has passed (not revoked)" }),
    agreementStatus: z.string().nullable(),
    resourceId: z.string().nullable(),
    provider: ref.nullable(),
    consumer: ref,
    grantee: z.string(),
    fields: z.array(z.string()),
    fieldMask: z.string().meta({ description: "decimal; bit i = the resource's field i" }),
    expiresAt: z.string(),
    quota: z.object({ calls: z.number().int(), per: z.string() }).nullable().meta({ description: "null: unlimited" }),
    issuedAt: z.string(),
    issuedBlock: z.number().int(),
    issuedTx: z.string(),
    block: z.number().int(),
  })
  .meta({ id: "Grant" });

export const grantDetailSchema = grantSchema
  .extend({
    history: z.array(policyEventSchema),
  })
  .meta({ id: "GrantDetail" });

export const grantWriteSchema = grantDetailSchema
  .extend({ txHash: z.string(), blockNumber: z.number().int() })
  .meta({ id: "GrantWrite" });

export const grantListSchema = z
  .object({ items: z.array(grantSchema), block: z.number().int() })
  .meta({ id: "GrantList" });
