import { z } from "zod";

export const healthSchema = z
  .object({
    status: z.enum(["ok", "catching_up", "degraded", "unavailable"]).meta({
      description: "catching_up: the index has not yet reached the chain's head since start-up (fetches are refused)",
    }),
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
    index: z
      .object({
        catchingUp: z.boolean(),
        indexedBlock: z.number().int().meta({ description: "the block reads reflect (their `block` field)" }),
        headBlock: z.number().int().nullable(),
        lagBlocks: z.number().int().nullable(),
        progress: z.string().meta({ description: 'e.g. "catching up: block 1200 of 5000", "current at block 5000"' }),
      })
      .optional()
      .meta({ description: "the event indexer's progress" }),
    receipts: z
      .object({
        diverged: z.array(
          z.object({
            department: z.string(),
            batchSequence: z.number().int(),
            detail: z.string(),
          }),
        ),
        declaredLost: z
          .array(
            z.object({
              department: z.string(),
              firstBatch: z.number().int(),
              lastBatch: z.number().int(),
              firstSequence: z.number().int(),
              lastSequence: z.number().int(),
              reasonHash: z.string(),
              txHash: z.string(),
              blockNumber: z.number().int(),
            }),
          )
          .meta({
            description:
              "the latest loss of receipts each served department's admin declared on chain (AccessLedger " +
              "ReceiptsDeclaredLost; `npm run declare-loss`): settled, fetches are served, but those receipts can " +
              "no longer be proved",
          }),
      })
      .optional()
      .meta({
        description:
          "present when a served department's receipts are diverged or were declared lost. Diverged: AccessLedger " +
          "holds receipt batches of the department that this gateway's database does not (an older backup restored, " +
          "or another gateway anchoring for it): its fetches are refused (503 receipts_diverged)",
      }),
  })
  .meta({ id: "Health" });
export type HealthReport = z.infer<typeof healthSchema>;
