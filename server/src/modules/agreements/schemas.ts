import { z } from "zod";
import { AGREEMENT_STATUS, LEGAL_BASIS } from "../../../../core/codes/enumerations";
import { shortCodeSchema } from "../../common/short-codes";
import { bytes32Schema } from "../departments/schemas";

const UINT64_MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A time as ISO 8601 (with offset or Z) or unix seconds; parsed to unix seconds. */
export const timeSchema = z
  .union([
    z.number().int().min(0).max(UINT64_MAX_SAFE),
    z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time (or unix seconds)" }),
  ])
  .transform((v) => (typeof v === "number" ? v : Math.floor(Date.parse(v) / 1000)))
  .meta({ description: "ISO 8601 date-time such as 2026-12-31T16:00:00Z, or unix seconds" });

/** A positive integer id, as a JSON number or a decimal string. */
export const sequentialIdSchema = z
  .union([z.number().int().positive().max(UINT64_MAX_SAFE), z.string().regex(/^[1-9][0-9]{0,15}$/, "expected an id")])
  .transform((v) => Number(v));

export const idParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "expected a positive integer id")
    .transform(Number),
});

/** A call quota; omitted means unlimited. */
export const quotaSchema = z.object({
  calls: z.number().int().min(1).max(4_294_967_295),
  per: z.enum(["minute", "hour", "day", "month"]),
});

const purposeSchema = z.object({
  code: shortCodeSchema.meta({ description: "the purpose code (stored on chain as a bytes32 string)" }),
  text: z.string().max(2000).optional().meta({ description: "a readable statement; kept by the gateway" }),
});

export const requestAgreementSchema = z
  .object({
    resourceId: bytes32Schema,
    fields: z
      .array(z.string().min(1))
      .min(1)
      .max(256)
      .meta({ description: "names of the resource's fields the agreement covers" }),
    purpose: purposeSchema,
    legalBasis: LEGAL_BASIS.schema,
    legalReference: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .optional()
      .meta({
        description:
          "the statute, contract or decision the legal basis rests on; required for a personal resource on a basis " +
          "other than consent (the provider must then approve); its keccak256 goes on chain",
      }),
    validFrom: timeSchema.optional().meta({ description: "default now" }),
    validUntil: timeSchema,
    quota: quotaSchema.optional().meta({ description: "omitted: unlimited" }),
    coConsumers: z.array(bytes32Schema).max(16).optional().meta({ description: "department ids" }),
    terms: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "the agreement's text as a JSON object; termsHash = keccak256 of its canonical JSON" }),
  })
  .superRefine((v, ctx) => {
    if (v.validFrom !== undefined && v.validUntil <= v.validFrom) {
      ctx.addIssue({ code: "custom", path: ["validUntil"], message: "must be after validFrom" });
    }
  })
  .meta({
    id: "AgreementRequest",
    examples: [
      {
        resourceId: "0x71ce518a990fd24ab4ac8ff7fe04209f1b4b307a839ab48e440fc84dfa06d2b9",
        fields: ["name", "birthDate", "householdType"],
        purpose: {
          code: "minimum-living-allowance",
          text: "Means test of an application for the minimum living allowance",
        },
        legalBasis: "consent",
        validUntil: "2030-01-01T00:00:00Z",
        quota: { calls: 1000, per: "day" },
        terms: { text: "Use only for the stated purpose; do not pass on; delete after the decision." },
      },
    ],
  });
export type RequestAgreement = z.output<typeof requestAgreementSchema>;

export const rejectAgreementSchema = z
  .object({ reason: z.string().trim().min(1).max(2000) })
  .meta({ id: "AgreementRejection", examples: [{ reason: "The purpose does not need the birth date." }] });

export const agreementListQuerySchema = z.object({
  as: z.enum(["provider", "consumer"]).optional().meta({ description: "the caller's department's role in it" }),
  status: AGREEMENT_STATUS.schema.optional().meta({ description: "effective status (expired included)" }),
  resourceId: bytes32Schema.optional(),
});

const ref = z.object({ id: z.string(), key: z.string().nullable() });
const quotaView = z.object({ calls: z.number().int(), per: z.string() }).nullable();

const agreementSchema = z
  .object({
    agreementId: z.number().int(),
    status: AGREEMENT_STATUS.schema.meta({ description: "effective: expired once validUntil has passed" }),
    resourceId: z.string(),
    resource: z.object({ code: z.string(), name: z.string().nullable(), version: z.number().int() }).nullable(),
    provider: ref,
    consumer: ref,
    coConsumers: z.array(ref.extend({ sealed: z.boolean() })),
    fields: z.array(z.string()),
    fieldMask: z.string().meta({ description: "decimal; bit i = the resource's field i" }),
    purpose: z.object({ code: z.string(), text: z.string().nullable() }),
    legalBasis: LEGAL_BASIS.schema,
    validFrom: z.string(),
    validUntil: z.string(),
    quota: quotaView.meta({ description: "null: unlimited" }),
    termsHash: z.string(),
    terms: z.record(z.string(), z.unknown()).nullable(),
    requiresConsent: z.boolean(),
    providerApproved: z.boolean(),
    replyDeadline: z
      .string()
      .nullable()
      .meta({
        description:
          "null when no provider answer is needed; else the end (23:59:59 China Standard Time) of the council's number " +
          "of working days after the day of the request, on the council's working-day calendar",
      }),
    replyDeadlineDate: z
      .string()
      .nullable()
      .meta({ description: "the reply deadline's date in China Standard Time (YYYY-MM-DD)" }),
    replyWorkingDaysLeft: z
      .number()
      .int()
      .nullable()
      .meta({
        description:
          "while the provider's answer is awaited: working days after today (CST) up to the deadline's day (0 on its " +
          "last day and after); null otherwise, or when the calendar lacks a year it needs",
      }),
    overdue: z.boolean().meta({ description: "unanswered past the reply deadline: may be escalated" }),
    rejection: z.object({ reasonHash: z.string(), reason: z.string().nullable(), byCouncil: z.boolean() }).nullable(),
    councilDecision: z
      .object({ approved: z.boolean(), reasonHash: z.string(), reason: z.string().nullable() })
      .nullable(),
    requestedAt: z.string(),
    requestedBlock: z.number().int(),
    requestedTx: z.string(),
    block: z.number().int(),
  })
  .meta({ id: "Agreement" });

/** One event in a history, as agreements and grants show it. */
export const policyEventSchema = z.object({
  event: z.string(),
  block: z.number().int(),
  logIndex: z.number().int(),
  time: z.string(),
  txHash: z.string(),
  actor: ref.nullable(),
  byCouncil: z.boolean(),
});

const agreementEventSchema = policyEventSchema.extend({
  actor: ref.nullable().meta({ description: "the acting department; null for the council or an automatic step" }),
  args: z.record(z.string(), z.unknown()),
});

export const agreementDetailSchema = agreementSchema
  .extend({ history: z.array(agreementEventSchema) })
  .meta({ id: "AgreementDetail" });

export const agreementWriteSchema = agreementDetailSchema
  .extend({
    txHash: z.string().meta({ description: "the transaction of this write" }),
    blockNumber: z.number().int(),
  })
  .meta({ id: "AgreementWrite" });

export const agreementListSchema = z
  .object({ items: z.array(agreementSchema), block: z.number().int() })
  .meta({ id: "AgreementList" });
