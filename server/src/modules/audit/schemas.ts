import { z } from "zod";

/** The consortium's time zone (China Standard Time): a date names a day there, as the auditor's --from/--to do. */
const CST_OFFSET = "+08:00";

const day = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, { message: "expected a date YYYY-MM-DD", abort: true })
  .refine((v) => {
    const date = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(v);
  }, "not a calendar date");

/** The first second of a CST day (unix seconds). */
export function startOfDay(value: string): number {
  return Math.floor(Date.parse(`${value}T00:00:00${CST_OFFSET}`) / 1000);
}

export const scorecardQuerySchema = z
  .strictObject({
    from: day.optional().meta({ description: "first day of the period (China Standard Time); default: deployment" }),
    to: day.optional().meta({ description: "last day of the period, whole (China Standard Time); default: now" }),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: "the period ends before it starts: `to` must be on or after `from`",
    path: ["to"],
  });

const counts = z.record(z.string(), z.number().int());

const departmentScorecardSchema = z
  .object({
    rank: z.number().int(),
    id: z.string(),
    code: z.string(),
    name: z.string(),
    resourcesByShareType: counts,
    resourcesBySecurityLevel: counts,
    requestsReceived: z.number().int(),
    requestsMade: z.number().int(),
    approvals: z.number().int(),
    rejections: z.number().int(),
    medianReplySeconds: z.number().optional().meta({ description: "absent when the department answered none" }),
    worstReplySeconds: z.number().optional(),
    repliesPastDeadline: z.number().int(),
    overdue: z.number().int().meta({ description: "requests of the period unanswered past their deadline at its end" }),
    escalations: z.number().int(),
    grants: z.number().int(),
    consentsRecorded: z.number().int(),
    consentsWithdrawn: z.number().int(),
    deliveries: z.number().int().meta({ description: "from the receipts this gateway wrote (its departments')" }),
    denialsByReason: counts,
    failures: z.number().int(),
    demandsPublished: z.number().int(),
    demandsOpen: z.number().int(),
    demandsAnswered: z.number().int(),
    responsibilitiesAssigned: z.number().int(),
    responsibilitiesFulfilledOnTime: z.number().int(),
    responsibilitiesFulfilledLate: z.number().int(),
    responsibilitiesOverdue: z.number().int(),
    objectionsReceived: z.number().int(),
    objectionsRaised: z.number().int(),
    objectionsAnsweredOnTime: z.number().int(),
    objectionsCorrected: z.number().int(),
    objectionsDisputed: z.number().int(),
    objectionsOverdue: z.number().int(),
  })
  .meta({ id: "DepartmentScorecard" });

export const scorecardSchema = z
  .object({
    from: z.number().int().nullable().meta({ description: "unix seconds; null: from the deployment" }),
    to: z.number().int().meta({ description: "unix seconds: the period's end, at most the last indexed block's time" }),
    block: z.number().int().meta({ description: "the indexed block the figures reflect" }),
    receiptsFrom: z.array(z.string()).meta({
      description: "the departments whose receipts were counted (those this gateway writes for); others show none",
    }),
    receiptsCounted: z.number().int(),
    departments: z.array(departmentScorecardSchema).meta({ description: "ranked as the auditor's report ranks them" }),
    overdue: z.array(
      z.object({
        agreementId: z.string(),
        resourceId: z.string(),
        provider: z.string(),
        consumer: z.string(),
        requestedAt: z.number().int(),
        deadline: z.number().int(),
        escalated: z.boolean(),
      }),
    ),
  })
  .meta({ id: "Scorecard" });

/** One entry of a receipts file as `GET /v1/receipts/:id` answers it; the receipt inside is judged, not refused. */
const receiptEntrySchema = z.looseObject({
  receipt: z.record(z.string(), z.unknown()).meta({ description: "the receipt's fields, checked as evidence" }),
  requestId: z.unknown().optional(),
  role: z.unknown().optional(),
  exchange: z.unknown().optional(),
});

const MAX_ENTRIES = 1000;
const fileName = z.string().trim().min(1).max(200);

export const exchangeCheckBodySchema = z
  .strictObject({
    consumerFile: fileName.meta({ description: "the consumer side's file name, to name receipts in the findings" }),
    consumer: z.array(receiptEntrySchema).max(MAX_ENTRIES).meta({ description: "the consumer department's receipts" }),
    providerFile: fileName,
    provider: z.array(receiptEntrySchema).max(MAX_ENTRIES).meta({ description: "the provider department's receipts" }),
  })
  .meta({
    id: "ExchangeCheckRequest",
    // A receipt as its file holds it: the envelope's signed messages (long) left out of the example.
    examples: [
      {
        consumerFile: "demo-receipts-consumer.json",
        consumer: [
          {
            receipt: {
              id: "0xaa96f8a9faad4f0be1a6d9af24a7edad320f22709d6921ef833fb9e70f418dc8",
              sequence: 1,
              result: "delivered",
              reason: "ok",
            },
            requestId: "0x5c1f0d6b7f3e2a4b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b",
            role: "consumer",
          },
        ],
        providerFile: "demo-receipts-provider.json",
        provider: [],
      },
    ],
  });
export type ExchangeCheckBody = z.infer<typeof exchangeCheckBodySchema>;

const receiptRefSchema = z
  .object({ id: z.string(), department: z.string(), sequence: z.number(), result: z.string(), reason: z.string() })
  .nullable();

export const exchangeCheckSchema = z
  .object({
    verdict: z.enum(["pass", "fail"]),
    consumer: z.object({ receipts: z.number(), malformed: z.number(), preFederation: z.number() }),
    provider: z.object({ receipts: z.number(), malformed: z.number(), preFederation: z.number() }),
    outsideThePair: z.number(),
    exchanges: z.array(
      z.object({
        requestId: z.string(),
        verdict: z.enum(["delivered", "refused", "crash_closed", "no_answer", "provider_refusal_only", "violation"]),
        consumer: receiptRefSchema,
        provider: receiptRefSchema,
        violations: z.array(z.string()),
      }),
    ),
    violations: z.array(
      z.object({
        rule: z.string(),
        receiptId: z.string().optional(),
        counterpartId: z.string().optional(),
        subject: z.string().optional(),
        detail: z.string(),
        meaning: z.string().meta({ description: "what the rule checks, in words" }),
      }),
    ),
  })
  .meta({ id: "ExchangeCheck" });
