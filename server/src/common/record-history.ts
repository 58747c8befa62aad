import { z } from "zod";
import { isoTime } from "./time";

/** The events of a folded record (a demand, an objection) as the API shows its history. */
export const recordHistorySchema = z.array(
  z.object({
    event: z.string(),
    block: z.number().int(),
    time: z.string(),
    txHash: z.string(),
    args: z.record(z.string(), z.unknown()),
  }),
);

/** One event of a record as its store keeps it. */
interface RecordEvent {
  name: string;
  blockNumber: number;
  blockTime: number;
  txHash: string;
  args: Record<string, unknown>;
}

export function recordHistory(rows: readonly RecordEvent[]): z.infer<typeof recordHistorySchema> {
  return rows.map((e) => ({
    event: e.name,
    block: e.blockNumber,
    time: isoTime(e.blockTime),
    txHash: e.txHash,
    args: e.args,
  }));
}
