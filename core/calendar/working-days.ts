/**
 * The official working-day calendar, as the WorkingCalendar contract stores it (contracts/calendar): a year's days as
 * two 256-bit words (bit `d` = day-of-year `d`, 0 = 1 January, set on a working day), days counted in China Standard
 * Time (UTC+8). The words are built from the `chinese-days` package's data (the State Council's yearly holiday
 * notices: public holidays off, make-up working days 调休 on), never from a hand-typed list; the deadline arithmetic
 * is the contract's, so that a gateway, the auditor or a test can compute a deadline without the chain.
 */
import chineseDays from "chinese-days/dist/chinese-days.json";

const DAY_SECONDS = 86_400;
const CST_OFFSET_SECONDS = 8 * 3600;
const WORD_BITS = 256;

/** A year's working days as the contract's `publishYear(year, firstWord, secondWord)` takes them. */
export interface YearWords {
  firstWord: bigint;
  secondWord: bigint;
}

/** The published years a computation may use, by year; a missing year is "not published". */
export type PublishedYears = ReadonlyMap<number, YearWords>;

/** A computation needed a year that is not in its published years (the contract's `WorkingCalendarYearNotPublished`). */
export class YearNotPublishedError extends Error {
  constructor(readonly year: number) {
    super(`the working-day calendar of ${year} is not published`);
    this.name = "YearNotPublishedError";
  }
}

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

/** The CST day number (days since 1970-01-01 CST) of a Unix time in seconds. */
export function cstDayOf(timestamp: number): number {
  return Math.floor((timestamp + CST_OFFSET_SECONDS) / DAY_SECONDS);
}

/** The last second (23:59:59 CST) of CST day `day`, in Unix seconds. */
export function endOfCstDay(day: number): number {
  return (day + 1) * DAY_SECONDS - CST_OFFSET_SECONDS - 1;
}

/** The CST calendar date (`YYYY-MM-DD`) of a Unix time in seconds. */
export function cstDateOf(timestamp: number): string {
  return new Date(cstDayOf(timestamp) * DAY_SECONDS * 1000).toISOString().slice(0, 10);
}

/** Whether the CST day containing `timestamp` is a working day (as `isWorkingDay`). */
export function isWorkingDay(calendar: PublishedYears, timestamp: number): boolean {
  const { year, dayOfYear } = yearAndDayOf(cstDayOf(timestamp));
  return bitOf(wordsOf(calendar, year), dayOfYear);
}

/** As the contract's `deadlineAfter`: the end of the `workingDays`-th working day after `from`'s CST day. */
export function deadlineAfter(calendar: PublishedYears, from: number, workingDays: number): number {
  const day = cstDayOf(from);
  if (workingDays === 0) return endOfCstDay(day);
  let { year, dayOfYear } = yearAndDayOf(day + 1);
  let remaining = workingDays;
  for (;;) {
    const words = wordsOf(calendar, year);
    for (; dayOfYear < daysIn(year); dayOfYear++) {
      if (bitOf(words, dayOfYear) && --remaining === 0) return endOfCstDay(firstDayOf(year) + dayOfYear);
    }
    year++;
    dayOfYear = 0;
  }
}

/** As the contract's `workingDaysLeft`: working days from the day after `from`'s CST day to `deadline`'s day. */
export function workingDaysLeft(calendar: PublishedYears, from: number, deadline: number): number {
  let count = 0;
  for (let day = cstDayOf(from) + 1; day <= cstDayOf(deadline); day++) {
    const { year, dayOfYear } = yearAndDayOf(day);
    if (bitOf(wordsOf(calendar, year), dayOfYear)) count++;
  }
  return Math.min(count, 0xffff);
}

function wordsOf(calendar: PublishedYears, year: number): YearWords {
  const words = calendar.get(year);
  if (!words) throw new YearNotPublishedError(year);
  return words;
}

function bitOf(words: YearWords, dayOfYear: number): boolean {
  const word = dayOfYear < WORD_BITS ? words.firstWord : words.secondWord;
  return ((word >> BigInt(dayOfYear % WORD_BITS)) & 1n) === 1n;
}

function yearAndDayOf(day: number): { year: number; dayOfYear: number } {
  const year = new Date(day * DAY_SECONDS * 1000).getUTCFullYear();
  return { year, dayOfYear: day - firstDayOf(year) };
}

function firstDayOf(year: number): number {
  return Date.UTC(year, 0, 1) / 1000 / DAY_SECONDS;
}

function daysIn(year: number): number {
  return firstDayOf(year + 1) - firstDayOf(year);
}
