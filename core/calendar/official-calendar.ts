/**
 * The official working-day calendar from the `chinese-days` package's data: the State Council's yearly holiday notices
 * (国务院办公厅关于部分节假日安排的通知), public holidays off and make-up working days (调休) on. What `npm start`
 * publishes on chain, never a hand-typed list. Only the years the package carries have a schedule.
 */
import chineseDays from "chinese-days/dist/chinese-days.json";
import { daysIn, type PublishedYears, type YearWords } from "./working-days";

/** `chinese-days` carries no official holiday schedule for the year (it would only know the weekends). */
export class YearNotCarriedError extends Error {
  constructor(readonly year: number) {
    super(`chinese-days carries no official holiday schedule for ${year} (it has ${officialYears().join(", ")})`);
    this.name = "YearNotCarriedError";
  }
}

/** The years whose official schedule the installed `chinese-days` carries, ascending. */
export function officialYears(): number[] {
  const years = new Set(Object.keys(chineseDays.holidays).map((date) => Number(date.slice(0, 4))));
  return [...years].sort((a, b) => a - b);
}

/** The year's working days from the official schedule: weekdays that are not holidays, and the make-up days. */
export function officialYearWords(year: number): YearWords {
  if (!officialYears().includes(year)) throw new YearNotCarriedError(year);
  const holidays: Record<string, string> = chineseDays.holidays;
  const makeUpDays: Record<string, string> = chineseDays.workdays;
  const bits = [0n, 0n];
  for (let dayOfYear = 0; dayOfYear < daysIn(year); dayOfYear++) {
    const date = new Date(Date.UTC(year, 0, 1 + dayOfYear));
    const iso = date.toISOString().slice(0, 10);
    const weekday = date.getUTCDay();
    const working = iso in makeUpDays || (weekday >= 1 && weekday <= 5 && !(iso in holidays));
    if (working) bits[dayOfYear >> 8] |= 1n << BigInt(dayOfYear & 0xff);
  }
  return { firstWord: bits[0], secondWord: bits[1] };
}

/** The published years `years` built from the official schedule. */
export function officialCalendar(years: readonly number[]): PublishedYears {
  return new Map(years.map((year) => [year, officialYearWords(year)]));
}

/**
 * The years a chain at `timestamp` should have published (its CST year and the next, so that a deadline late in
 * December can be counted), split into those the package carries, with their words, and those it does not.
 */
export function currentOfficialYears(timestamp: number): {
  carried: { year: number; words: YearWords }[];
  notCarried: number[];
} {
  const year = new Date((timestamp + 8 * 3600) * 1000).getUTCFullYear();
  const known = officialYears();
  const wanted = [year, year + 1];
  return {
    carried: wanted.filter((y) => known.includes(y)).map((y) => ({ year: y, words: officialYearWords(y) })),
    notCarried: wanted.filter((y) => !known.includes(y)),
  };
}
