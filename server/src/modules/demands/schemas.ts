import { z } from "zod";
import { recordHistorySchema } from "../../common/record-history";
import { DEMAND_STATUS, LEGAL_BASIS } from "../../../../core/codes/enumerations";
import { FIELD_TYPES } from "../../../../core/catalog/fields";
import { idParamsSchema, sequentialIdSchema } from "../agreements/schemas";
import { bytes32Schema } from "../departments/schemas";

export { idParamsSchema };

const text = (max: number) => z.string().trim().min(1).max(max);

export const publishDemandSchema = z
  .object({
    description: text(2000).meta({ description: "what data the department needs and what for" }),
    dataItems: z
      .array(z.object({ name: text(64), type: z.enum(FIELD_TYPES), note: text(500).optional() }))
      .min(1)
      .max(256)
      .meta({ description: "the data items needed" }),
    purpose: text(500).meta({ description: "the purpose of the use (the duty it serves)" }),
    legalBasis: LEGAL_BASIS.schema,
    legalReference: text(2000).optional().meta({ description: "the law or regulation the use rests on" }),
    whyNotExisting: text(2000).meta({ description: "why the existing catalog entries do not serve" }),
    consideredResources: z
      .array(bytes32Schema)
      .max(32)
      .optional()
      .meta({ description: "catalog resources the department considered and found wanting" }),
  })
  .meta({
    id: "DemandPublication",
    examples: [
      {
        description: "Household registration status of subsidy applicants",
        dataItems: [{ name: "registrationStatus", type: "string" }],
        purpose: "checking the eligibility of minimum-living-allowance applicants",
        legalBasis: "statutory_duty",
        legalReference: "Social Assistance Interim Measures, Art. 11",
        whyNotExisting: "The household-registration resource carries no registration status.",
      },
    ],
  });
export type PublishDemand = z.output<typeof publishDemandSchema>;

export const linkResourceSchema = z
  .object({ resourceId: bytes32Schema.meta({ description: "a catalog resource the caller's department provides" }) })
  .meta({ id: "DemandResourceLink", examples: [{ resourceId: `0x${"ab".repeat(32)}` }] });

export const assignResponsibilitySchema = z
  .object({
    demandId: sequentialIdSchema,
    responsible: z
      .string()
      .min(1)
      .max(80)
      .meta({ description: "the department that must provide the data: its id (0x…) or a served department's key" }),
    workingDays: z
      .number()
      .int()
      .min(1)
      .max(250)
      .meta({ description: "due at the end of this many working days after today (CST), on the council's calendar" }),
  })
  .meta({
    id: "ResponsibilityAssignment",
    examples: [{ demandId: 1, responsible: "public-security", workingDays: 15 }],
  });
export type AssignResponsibility = z.output<typeof assignResponsibilitySchema>;

const booleanQuery = z.enum(["true", "false"]).transform((v) => v === "true");

export const demandListQuerySchema = z.object({
  status: z
    .enum(DEMAND_STATUS.values.filter((s) => s !== "none") as ["open", "answered", "assigned", "fulfilled"])
    .optional(),
  requester: z.string().min(1).max(80).optional().meta({ description: "department id (0x…) or served key" }),
  responsible: z.string().min(1).max(80).optional().meta({ description: "department id (0x…) or served key" }),
  overdue: booleanQuery.optional(),
});
export type DemandListQuery = z.output<typeof demandListQuerySchema>;

const ref = z.object({ id: z.string(), key: z.string().nullable() });

const demandSchema = z
  .object({
    demandId: z.number().int(),
    requester: ref,
    status: z.enum(["open", "answered", "assigned", "fulfilled"]),
    overdue: z.boolean().meta({ description: "assigned, unfulfilled and past the due date" }),
    details: z.record(z.string(), z.unknown()).nullable().meta({ description: "the demand JSON as published" }),
    detailsHash: z.string(),
    responsible: ref.nullable().meta({ description: "who answered it, or whom the council assigned" }),
    resourceId: z.string().nullable(),
    workingDays: z.number().int().nullable(),
    dueAt: z
      .string()
      .nullable()
      .meta({
        description:
          "once assigned: the end (23:59:59 China Standard Time) of the assigned number of working days after the day " +
          "of the assignment, on the council's working-day calendar",
      }),
    dueDate: z.string().nullable().meta({ description: "the due date in China Standard Time (YYYY-MM-DD)" }),
    dueWorkingDaysLeft: z
      .number()
      .int()
      .nullable()
      .meta({
        description:
          "while assigned and unfulfilled: working days after today (CST) up to the due date (0 on its last day and " +
          "after); null otherwise, or when the calendar lacks a year it needs",
      }),
    publishedAt: z.string(),
    assignedAt: z.string().nullable(),
    settledAt: z.string().nullable(),
    fulfilledOnTime: z.boolean().nullable(),
    block: z.number().int(),
  })
  .meta({ id: "Demand" });

export const demandDetailSchema = demandSchema.extend({ history: recordHistorySchema }).meta({ id: "DemandDetail" });

export const demandListSchema = z
  .object({ items: z.array(demandSchema), block: z.number().int() })
  .meta({ id: "DemandList" });

export const demandWriteSchema = demandSchema
  .partial()
  .extend({ demandId: z.number().int(), txHash: z.string(), blockNumber: z.number().int().optional() })
  .meta({ id: "DemandWrite" });

export const assignmentResultSchema = z
  .object({
    proposal: z
      .record(z.string(), z.unknown())
      .meta({ description: "the council proposal (as POST /v1/council/proposals answers): executed at the quorum" }),
    demand: demandSchema.meta({ description: "the demand as indexed after the proposal" }),
  })
  .meta({ id: "ResponsibilityAssignmentResult" });
