/**
 * The council's working-day calendar rebuilt from `WorkingCalendarPublished` events alone (the last publication of
 * a year wins), so that the auditor states reply deadlines as dates and working days without trusting a gateway.
 */
import { workingDaysLeftIfPublished, type PublishedYears, type YearWords } from "../../../core/calendar/working-days";
import type { AuditContext } from "../connect";
import { interfaces } from "../contracts";

export async function loadCalendar(ctx: AuditContext): Promise<PublishedYears> {
  const events = await ctx.events.events(ctx.deployment.contracts.WorkingCalendar, interfaces.WorkingCalendar, [
    interfaces.WorkingCalendar.getEvent("WorkingCalendarPublished")!.topicHash,
  ]);
  const years = new Map<number, YearWords>();
  for (const e of events) {
    years.set(Number(e.args.getValue("year")), {
      firstWord: BigInt(e.args.getValue("firstWord")),
      secondWord: BigInt(e.args.getValue("secondWord")),
    });
  }
  return years;
}

/** Working days after `from`'s CST day up to `deadline`'s day, or null where the chain published no calendar for it. */
export const workingDaysBetween = workingDaysLeftIfPublished;
