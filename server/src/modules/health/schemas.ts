import { z } from "zod";

export const healthSchema = z
  .object({
    status: z.enum(["ok", "degraded", "unavailable"]),
    chainId: z.number().int().nullable(),
    blockNumber: z.number().int().nullable(),
    contracts: z.record(z.string(), z.string()).meta({ description: "contract name → address" }),
    outbox: z.object({ pending: z.number().int() }),
    view: z
      .object({
        fresh: z.boolean().meta({ description: "false: data fetches are refused (503 view_stale)" }),
        lagSeconds: z
          .number()
          .nullable()
          .meta({ description: "seconds since the index was last level with the chain's head; null before the first" }),
        maxLagSeconds: z.number(),
      })
      .optional()
      .meta({ description: "whether this gateway's indexed view of the chain is fresh enough to decide fetches on" }),
  })
  .meta({ id: "Health" });
export type HealthReport = z.infer<typeof healthSchema>;
