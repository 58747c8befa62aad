import { z } from "zod";

export const healthSchema = z
  .object({
    status: z.enum(["ok", "degraded", "unavailable"]),
    chainId: z.number().int().nullable(),
    blockNumber: z.number().int().nullable(),
    contracts: z.record(z.string(), z.string()).meta({ description: "contract name → address" }),
    outbox: z.object({ pending: z.number().int() }),
  })
  .meta({ id: "Health" });
export type HealthReport = z.infer<typeof healthSchema>;
