/**
 * The working-day calendars the test chains publish. The in-process chain starts at the machine's clock, and suites
 * move it forward by weeks, so a suite needs this year's calendar and the next: the official schedule (chinese-days)
 * where the package carries it, else a Monday-to-Friday year, which is a test assumption, never published by
 * `npm start`.
 */
import { officialYearWords, officialYears } from "../../core/calendar/official-calendar";
import { daysIn, type YearWords } from "../../core/calendar/working-days";

/** The year's Monday-to-Friday days, with no holiday: only for years the package carries no schedule of. */
export function weekdayYearWords(year: number): YearWords {
  const bits = [0n, 0n];
  for (let day = 0; day < daysIn(year); day++) {
    const weekday = new Date(Date.UTC(year, 0, 1 + day)).getUTCDay();
    if (weekday >= 1 && weekday <= 5) bits[day >> 8] |= 1n << BigInt(day & 0xff);
  }
  return { firstWord: bits[0], secondWord: bits[1] };
}

/** The years a test chain at `timestamp` publishes (its CST year and the two after), with their words. */
export function testCalendarYears(timestamp: number): { year: number; words: YearWords }[] {
  const year = new Date((timestamp + 8 * 3600) * 1000).getUTCFullYear();
  const carried = officialYears();
  return [year, year + 1, year + 2].map((y) => ({
    year: y,
    words: carried.includes(y) ? officialYearWords(y) : weekdayYearWords(y),
  }));
}
