import { z } from "zod";
import { shortCodeSchema } from "../../common/short-codes";
import { subjectIdentitySchema } from "../../common/subject-ref";

const MAX_UINT256 = (1n << 256n) - 1n;

const grantIdSchema = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine((v) => /^[1-9][0-9]{0,77}$/.test(v) && BigInt(v) <= MAX_UINT256, "expected a grant id (a positive integer)")
  .meta({ description: "grant id (decimal string or integer)", example: "1" });

export const fetchRequestSchema = z
  .strictObject({
    grantId: grantIdSchema,
    purpose: z.strictObject({ code: shortCodeSchema }),
    subject: subjectIdentitySchema.optional().meta({
      description: "the person the data is about; required when the resource is personal. Never stored.",
    }),
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "passed to the provider's system as they are (e.g. {limit})" }),
  })
  .meta({
    id: "FetchRequest",
    examples: [
      {
        grantId: "1",
        purpose: { code: "minimum-living-allowance" },
        subject: { idType: "resident_id", idNumber: "990000198001010012" },
      },
    ],
  });
export type FetchRequest = z.output<typeof fetchRequestSchema>;

export const fetchResponseSchema = z
  .object({
    data: z
      .union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))])
      .meta({ description: "the record(s), with only the granted fields" }),
    receipt: z.object({ id: z.string(), status: z.enum(["pending", "anchored"]) }),
    block: z.number().int().meta({ description: "the indexed block the authorisation was decided on" }),
  })
  .meta({ id: "FetchResult" });
