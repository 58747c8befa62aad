/** The events the scorecard counts (core/audit/scorecard.ts), read from the chain with their arguments by name. */
import { SCORECARD_CONTRACTS, type ScorecardEvent } from "../../../core/audit/scorecard";
import type { AuditContext } from "../connect";
import { interfaces } from "../contracts";

export async function scorecardEvents(ctx: AuditContext): Promise<ScorecardEvent[]> {
  const perContract = await Promise.all(
    SCORECARD_CONTRACTS.map(async (contract) => {
      const events = await ctx.events.events(ctx.deployment.contracts[contract], interfaces[contract], []);
      return events.map((e) => ({ contract, name: e.name, args: e.args.toObject(true), time: e.time }));
    }),
  );
  return perContract.flat();
}
