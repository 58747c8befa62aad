/**
 * The working-day calendars the test chains publish. The in-process chain starts at the machine's clock, and suites
 * move it forward by weeks, so a suite needs this year's calendar and the next: the official schedule (chinese-days)
 * where the package carries it, else a Monday-to-Friday year, which is a test assumption, never published by
 * `npm start`.
 */
import { officialYearWords, officialYears } from "../../core/calendar/official-calendar";
import { weekdaysOnlyYearWords, type YearWords } from "../../core/calendar/working-days";

export { weekdaysOnlyYearWords as weekdayYearWords };

/** The years a test chain at `timestamp` publishes (its CST year and the two after), with their words. */
export function testCalendarYears(timestamp: number): { year: number; words: YearWords }[] {
  const year = new Date((timestamp + 8 * 3600) * 1000).getUTCFullYear();
  const carried = officialYears();
  return [year, year + 1, year + 2].map((y) => ({
    year: y,
    words: carried.includes(y) ? officialYearWords(y) : weekdaysOnlyYearWords(y),
  }));
}
