import { z } from "zod";
import { LEVEL } from "../../../../core/codes/enumerations";
import { isValidUscc } from "../../../../core/identity/uscc";
import { addressSchema } from "../consents/schemas";
import { bytes32Schema } from "../departments/schemas";

/** A sequential on-chain id (agreement, grant): a positive integer, or its decimal string. */
const sequentialIdSchema = z
  .union([z.number().int().positive(), z.string().regex(/^[1-9][0-9]{0,76}$/, "expected a positive integer")])
  .transform((value) => BigInt(value));

const departmentIdAction = <A extends string>(action: A) =>
  z.object({ action: z.literal(action), departmentId: bytes32Schema });
const agreementAction = <A extends string>(action: A) =>
  z.object({ action: z.literal(action), agreementId: sequentialIdSchema });
const grantAction = <A extends string>(action: A) =>
  z.object({ action: z.literal(action), grantId: sequentialIdSchema });

/** A calendar date, `YYYY-MM-DD`, that exists. */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date YYYY-MM-DD")
  .refine((d) => {
    const time = Date.parse(`${d}T00:00:00Z`);
    return !Number.isNaN(time) && new Date(time).toISOString().startsWith(d);
  }, "not a calendar date");

export const proposalBodySchema = z
  .discriminatedUnion("action", [
    z.object({
      action: z.literal("admit"),
      department: z.object({
        code: z
          .string()
          .refine(isValidUscc, "expected an 18-character unified social credit code with its check character"),
        name: z.string().trim().min(1).max(200),
        level: LEVEL.schema,
        regionCode: z.number().int().min(100000).max(999999).meta({ description: "six-digit administrative code" }),
        parent: bytes32Schema.optional(),
        councilSeat: z.boolean().default(false),
      }),
      admin: addressSchema.meta({ description: "the department's first (admin) operator account" }),
    }),
    departmentIdAction("suspend"),
    departmentIdAction("reinstate"),
    departmentIdAction("grant_seat"),
    departmentIdAction("revoke_seat"),
    departmentIdAction("clear_node"),
    departmentIdAction("clear_endpoint"),
    z.object({ action: z.literal("set_quorum"), quorumBps: z.number().int().min(5000).max(10000) }),
    z.object({
      action: z.literal("set_reply_deadline"),
      workingDays: z
        .number()
        .int()
        .min(1)
        .max(250)
        .meta({ description: "working days of the council's calendar a provider has to answer a conditional request" }),
    }),
    z.object({
      action: z.literal("set_objection_answer_deadline"),
      workingDays: z.number().int().min(1).max(250).meta({
        description: "working days of the council's calendar a provider has to answer a data-quality objection",
      }),
    }),
    z
      .object({
        action: z.literal("decide_agreement"),
        agreementId: sequentialIdSchema,
        approve: z.boolean(),
        reason: z
          .string()
          .trim()
          .min(1)
          .max(2000)
          .optional()
          .meta({ description: "required to reject; kept as its hash" }),
      })
      .refine((body) => body.approve || body.reason !== undefined, {
        path: ["reason"],
        message: "a rejection needs a reason",
      }),
    agreementAction("suspend_agreement"),
    agreementAction("resume_agreement"),
    z.object({
      action: z.literal("terminate_agreement"),
      agreementId: sequentialIdSchema,
      reason: z.string().trim().min(1).max(2000).meta({ description: "required; kept as its hash" }),
    }),
    grantAction("pause_grant"),
    grantAction("resume_grant"),
    grantAction("revoke_grant"),
    z.object({ action: z.literal("revoke_consent"), consentId: bytes32Schema }),
    z
      .object({
        action: z.literal("publish_calendar_year"),
        year: z.number().int().min(1970).max(9999),
        holidays: z
          .array(calendarDate)
          .max(366)
          .meta({ description: "the public holidays of the State Council's notice that fall on any day" }),
        makeUpDays: z
          .array(calendarDate)
          .max(366)
          .meta({ description: "the make-up working days (调休), usually weekends" }),
      })
      .superRefine((body, ctx) => {
        for (const field of ["holidays", "makeUpDays"] as const) {
          body[field].forEach((date, i) => {
            if (!date.startsWith(`${body.year}-`)) {
              ctx.addIssue({ code: "custom", path: [field, i], message: `not a date of ${body.year}` });
            }
          });
        }
      })
      .meta({
        description:
          "publishes the year's working-day calendar (WorkingCalendar.publishYear): Monday to Friday, less the " +
          "holidays, plus the make-up days",
      }),
    z.object({
      action: z.literal("assign_responsibility"),
      demandId: sequentialIdSchema,
      responsible: bytes32Schema.meta({ description: "the department id that must provide the data" }),
      workingDays: z
        .number()
        .int()
        .min(1)
        .max(250)
        .meta({ description: "due at the end of this many working days after today (CST) on the council's calendar" }),
    }),
    z
      .object({
        action: z.literal("decide_objection"),
        objectionId: sequentialIdSchema,
        uphold: z.boolean().meta({ description: "true: the provider must correct; false: dismissed" }),
        reason: z
          .string()
          .trim()
          .min(1)
          .max(2000)
          .optional()
          .meta({ description: "required to dismiss; kept as its hash" }),
      })
      .refine((body) => body.uphold || body.reason !== undefined, {
        path: ["reason"],
        message: "a dismissal needs a reason",
      }),
  ])
  .meta({
    id: "CouncilProposalRequest",
    examples: [{ action: "decide_agreement", agreementId: 3, approve: true }],
  });
export type ProposalBody = z.output<typeof proposalBodySchema>;

export const proposalIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "expected a proposal id (a positive integer)")
    .transform(Number),
});

export const proposalListQuerySchema = z.object({ status: z.enum(["open", "executed", "expired"]).optional() });

const proposalSchema = z
  .object({
    proposalId: z.number().int(),
    action: z.string().meta({ description: "admit, suspend, …, or the council call (decide_agreement, …)" }),
    status: z.enum(["open", "executed", "expired"]),
    details: z.record(z.string(), z.unknown()).meta({ description: "the decoded payload" }),
    payload: z.string(),
    proposer: z.string(),
    approvals: z.number().int(),
    required: z.number().int().nullable(),
    expiresAt: z.string(),
    createdBlock: z.number().int(),
    createdAt: z.string(),
    createdTx: z.string(),
    executedBlock: z.number().int().nullable(),
    executedAt: z.string().nullable(),
    executedTx: z.string().nullable(),
    approvedBy: z.array(
      z.object({
        departmentId: z.string(),
        key: z.string().nullable(),
        blockNumber: z.number().int(),
        time: z.string(),
        txHash: z.string(),
      }),
    ),
  })
  .meta({ id: "CouncilProposal" });

export const proposalResultSchema = proposalSchema
  .partial()
  .required({ proposalId: true, status: true })
  .extend({
    approvals: z.number().int().nullable(),
    txHash: z.string(),
    block: z.number().int(),
    indexed: z
      .literal(false)
      .optional()
      .meta({ description: "present when the index had not reached the transaction yet: taken from its events" }),
  })
  .meta({ id: "CouncilProposalResult" });

export const proposalDetailSchema = proposalSchema.extend({ block: z.number().int() });

export const proposalListSchema = z.object({ items: z.array(proposalSchema), block: z.number().int() });
