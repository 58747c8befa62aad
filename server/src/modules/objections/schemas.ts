import { z } from "zod";
import { recordHistorySchema } from "../../common/record-history";
import { OBJECTION_STATUS } from "../../../../core/codes/enumerations";
import { idParamsSchema } from "../agreements/schemas";
import { bytes32Schema } from "../departments/schemas";

export { idParamsSchema };

const text = (max: number) => z.string().trim().min(1).max(max);
const STATUSES = OBJECTION_STATUS.values.filter((s) => s !== "none") as [
  "raised",
  "corrected",
  "disputed",
  "escalated",
  "upheld",
  "dismissed",
];

export const raiseObjectionSchema = z
  .object({
    resourceId: bytes32Schema,
    fields: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(256)
      .meta({ description: "the names of the resource's data items found wrong" }),
    description: text(2000).meta({
      description: "what is wrong, on chain in the event: describe the error, never a person",
    }),
    evidenceHash: bytes32Schema.meta({ description: "hash of the evidence the department keeps" }),
  })
  .meta({
    id: "ObjectionRaise",
    examples: [
      {
        resourceId: `0x${"ab".repeat(32)}`,
        fields: ["birthDate"],
        description: "12 records have a birth date after their registration date",
        evidenceHash: `0x${"cd".repeat(32)}`,
      },
    ],
  });
export type RaiseObjection = z.output<typeof raiseObjectionSchema>;

export const answerObjectionSchema = z
  .discriminatedUnion("outcome", [
    z.object({
      outcome: z.literal("corrected"),
      note: text(2000)
        .optional()
        .meta({
          description:
            "a correction note (kept as its hash); without one the correction is the resource's current catalog " +
            "version, which must be newer than the one objected to",
        }),
    }),
    z.object({ outcome: z.literal("disputed"), reason: text(2000).meta({ description: "kept as its hash" }) }),
  ])
  .meta({ id: "ObjectionAnswer", examples: [{ outcome: "corrected", note: "dates re-keyed from the register" }] });
export type AnswerObjection = z.output<typeof answerObjectionSchema>;

export const objectionListQuerySchema = z.object({
  as: z.enum(["provider", "consumer"]).optional().meta({ description: "the caller's department in that role" }),
  status: z.enum(STATUSES).optional(),
  resourceId: bytes32Schema.optional(),
  overdue: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
});
export type ObjectionListQuery = z.output<typeof objectionListQuerySchema>;

const ref = z.object({ id: z.string(), key: z.string().nullable() });

const objectionSchema = z
  .object({
    objectionId: z.number().int(),
    resourceId: z.string(),
    provider: ref,
    consumer: ref,
    fields: z.array(z.string()),
    fieldMask: z.string(),
    description: z.string(),
    evidenceHash: z.string(),
    status: z.enum(STATUSES),
    overdue: z.boolean().meta({ description: "unanswered past the answer deadline" }),
    raisedAt: z.string(),
    answerDeadline: z.string().meta({ description: "end (23:59:59 CST) of the last working day to answer" }),
    answerDeadlineDate: z
      .string()
      .meta({ description: "the answer deadline's date in China Standard Time (YYYY-MM-DD)" }),
    answerWorkingDaysLeft: z
      .number()
      .int()
      .nullable()
      .meta({
        description:
          "while the provider's answer is awaited (raised): working days after today (CST) up to the deadline's day " +
          "(0 on its last day and after); null otherwise, or when the calendar lacks a year it needs",
      }),
    answeredAt: z.string().nullable(),
    answeredOnTime: z.boolean().nullable(),
    correctedVersion: z.number().int().nullable(),
    correctionNoteHash: z.string().nullable(),
    disputeReasonHash: z.string().nullable(),
    disputed: z.boolean(),
    escalatedAt: z.string().nullable(),
    councilDecision: z.object({ upheld: z.boolean(), reasonHash: z.string().nullable() }).nullable(),
    block: z.number().int(),
  })
  .meta({ id: "Objection" });

export const objectionDetailSchema = objectionSchema
  .extend({ history: recordHistorySchema })
  .meta({ id: "ObjectionDetail" });

export const objectionListSchema = z
  .object({ items: z.array(objectionSchema), block: z.number().int() })
  .meta({ id: "ObjectionList" });

export const objectionWriteSchema = objectionSchema
  .partial()
  .extend({ objectionId: z.number().int(), txHash: z.string(), blockNumber: z.number().int().optional() })
  .meta({ id: "ObjectionWrite" });
