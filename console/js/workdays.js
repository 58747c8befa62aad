import { currentLanguage, t } from "./i18n.js";

/**
 * Reply deadlines as the rules count them: in working days of the council's calendar, as the gateway computes them
 * (`replyDeadlineDate`, the deadline's date in China Standard Time, and `replyWorkingDaysLeft`, the working days after
 * today up to it). The console never counts working days itself: only the calendar on chain knows the holidays.
 */

/** A calendar date (YYYY-MM-DD) in the user's language, the same date wherever the browser is. */
export function formatCalendarDate(date) {
  const time = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(time)) return String(date);
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: "medium", timeZone: "UTC" }).format(new Date(time));
}

/** Whether the gateway gave the working days left (null while no answer is awaited, or the calendar lacks the year). */
export function countsWorkingDays(agreement) {
  return Number.isInteger(agreement.replyWorkingDaysLeft) && typeof agreement.replyDeadlineDate === "string";
}

/** "剩余 3 个工作日", "今天是最后一个工作日", "已逾期（期限 2026年12月4日）". */
export function workingDaysLeft(agreement) {
  const date = formatCalendarDate(agreement.replyDeadlineDate);
  if (agreement.overdue) return t("workdays.overdue", { date });
  const days = agreement.replyWorkingDaysLeft;
  if (days === 0) return t("workdays.lastDay");
  return t(days === 1 ? "workdays.leftOne" : "workdays.left", { days });
}

/** The deadline as a date: "2026年12月4日（当日 24 时前）". */
export function deadlineDate(agreement) {
  return t("workdays.deadline", { date: formatCalendarDate(agreement.replyDeadlineDate) });
}
