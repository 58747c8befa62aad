import { z } from "zod";
import { OPEN_TYPE, SECURITY_LEVEL, SHARE_TYPE } from "../../../../core/codes/enumerations";
import { FIELD_TYPES } from "../../../../core/catalog/fields";
import { bytes32Schema } from "../departments/schemas";

export const UPDATE_CYCLES = [
  "real_time",
  "daily",
  "weekly",
  "monthly",
  "quarterly",
  "half_yearly",
  "yearly",
  "irregular",
] as const;

const byteLength = (max: number) => (s: string) => Buffer.byteLength(s, "utf8") <= max;

const catalogFieldSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^\S(.*\S)?$/, "no leading or trailing white space"),
  type: z.enum(FIELD_TYPES),
  personal: z.boolean().optional(),
});

const fieldsSchema = z
  .array(catalogFieldSchema)
  .min(1)
  .max(256)
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((f, i) => {
      if (seen.has(f.name)) {
        ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate field name '${f.name}'` });
      }
      seen.add(f.name);
    });
  })
  .meta({ description: "the resource's data items in order: item i is bit i of every field mask (1..256 items)" });

const upstreamSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }),
});

const description = {
  name: z.string().trim().min(1).max(200),
  summary: z.string().max(2000).optional(),
  shareType: SHARE_TYPE.schema,
  openType: OPEN_TYPE.schema.optional().meta({ description: "default restricted" }),
  securityLevel: SECURITY_LEVEL.schema,
  personal: z.boolean(),
  sensitive: z.boolean().optional().meta({ description: "default false" }),
  fields: fieldsSchema,
  updateCycle: z.enum(UPDATE_CYCLES).optional(),
  legalBasis: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .optional()
    .meta({ description: "the legal-basis reference (its keccak256 goes on chain); required for not_shareable" }),
  upstream: upstreamSchema.meta({
    description:
      "the provider backend this gateway fetches from (POST {url}/query): kept only in this gateway's database, never on chain",
  }),
};

const resourceCodeSchema = z
  .string()
  .min(1)
  .refine(byteLength(64), "at most 64 bytes")
  .regex(/^\S+$/, "no white space");

function requireLegalBasis(value: { shareType?: string; legalBasis?: string }, ctx: z.RefinementCtx): void {
  if (value.shareType === "not_shareable" && value.legalBasis === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["legalBasis"],
      message: "a not_shareable resource needs the legal basis for not sharing it",
    });
  }
}

export const registerResourceSchema = z
  .object({ code: resourceCodeSchema, ...description })
  .superRefine(requireLegalBasis)
  .meta({
    id: "ResourceRegistration",
    examples: [
      {
        code: "household-registration",
        name: "户籍登记信息",
        summary: "Household registration of residents: identity, birth, registered address, household type.",
        shareType: "conditional",
        securityLevel: "important",
        personal: true,
        fields: [
          { name: "idNumber", type: "string", personal: true },
          { name: "name", type: "string", personal: true },
          { name: "birthDate", type: "date", personal: true },
          { name: "householdType", type: "string" },
        ],
        updateCycle: "real_time",
        upstream: { url: "http://127.0.0.1:9101" },
      },
    ],
  });
export type RegisterResource = z.output<typeof registerResourceSchema>;

export const updateResourceSchema = z
  .object({
    code: resourceCodeSchema.optional().meta({ description: "cannot change; accepted when equal" }),
    name: description.name.optional(),
    summary: description.summary,
    shareType: description.shareType.optional(),
    openType: description.openType,
    securityLevel: description.securityLevel.optional(),
    personal: description.personal.optional(),
    sensitive: description.sensitive,
    fields: fieldsSchema.optional().meta({
      description: "the whole new list: the existing fields keep their names and positions, new ones are appended",
    }),
    updateCycle: description.updateCycle,
    legalBasis: description.legalBasis,
    upstream: description.upstream.optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), "give at least one property to change")
  .meta({
    id: "ResourceUpdate",
    examples: [{ summary: "Household registration of residents, with ethnicity.", updateCycle: "daily" }],
  });
export type UpdateResource = z.output<typeof updateResourceSchema>;

export const resourceIdParamsSchema = z.object({ id: bytes32Schema });

export const resourceListQuerySchema = z.object({
  provider: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "the provider department's id (0x…) or, for a department this gateway serves, its key" }),
  shareType: SHARE_TYPE.schema.optional(),
  status: z.enum(["active", "retired"]).optional(),
});

export const returnedBodySchema = z
  .object({ returned: z.boolean() })
  .strict()
  .meta({
    id: "ResourceReturned",
    description: "true marks the resource returned (回流); false withdraws the mark",
    examples: [{ returned: true }],
  });

const departmentRefSchema = z.object({ id: z.string(), key: z.string().nullable() });

export const resourceSchema = z
  .object({
    resourceId: z.string(),
    code: z.string(),
    provider: departmentRefSchema,
    version: z.number().int(),
    status: z.enum(["active", "retired"]),
    name: z.string().nullable(),
    shareType: SHARE_TYPE.schema,
    openType: OPEN_TYPE.schema,
    securityLevel: SECURITY_LEVEL.schema,
    personal: z.boolean(),
    sensitive: z.boolean(),
    returned: z.boolean().meta({
      description:
        "returned (回流) to the departments below the provider in its region: their agreements on it start active",
    }),
    itemCount: z.number().int(),
    fields: z.array(z.object({ name: z.string(), type: z.enum(FIELD_TYPES), personal: z.boolean() })),
    upstream: z
      .object({ url: z.string() })
      .nullable()
      .meta({ description: "the private backend; shown only to the provider department's own callers, else null" }),
    legalBasisHash: z.string().nullable(),
    metadataHash: z.string(),
    metadata: z.record(z.string(), z.unknown()).nullable().meta({ description: "the canonical metadata JSON, parsed" }),
    registeredBlock: z.number().int(),
    registeredAt: z.string(),
    updatedBlock: z.number().int(),
    updatedAt: z.string(),
    txHash: z.string().meta({ description: "the transaction of the last change" }),
    block: z.number().int(),
  })
  .meta({ id: "CatalogResource" });

export const resourceDetailSchema = resourceSchema
  .extend({
    history: z.array(
      z.object({
        event: z.string(),
        version: z.number().int(),
        block: z.number().int(),
        time: z.string(),
        txHash: z.string(),
      }),
    ),
  })
  .meta({ id: "CatalogResourceDetail" });

export const resourceListSchema = z
  .object({ items: z.array(resourceSchema), block: z.number().int() })
  .meta({ id: "CatalogResourceList" });
