import { z } from "zod";

export const outboxIdParamsSchema = z.object({ id: z.coerce.number().int().positive() });

export const outboxEntrySchema = z
  .object({
    id: z.number().int(),
    department: z.string(),
    contract: z.string().nullable(),
    method: z.string().nullable(),
    status: z.enum(["queued", "signed", "sent", "mined", "reverted", "failed"]),
    nonce: z.number().int().nullable(),
    txHash: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    error: z.string().nullable(),
    revert: z.object({ errorName: z.string(), args: z.unknown() }).nullable(),
    events: z.array(z.object({ contract: z.string(), name: z.string(), args: z.record(z.string(), z.unknown()) })),
  })
  .meta({ id: "OutboxEntry" });
