/**
 * Working-day arithmetic on the calendar as the WorkingCalendar contract stores it (contracts/calendar): a year's days
 * as two 256-bit words (bit `d` = day-of-year `d`, 0 = 1 January, set on a working day), days counted in China
 * Standard Time (UTC+8). The same rules as the contract's, walked day by day, so that a gateway, the auditor or a test
 * can compute a deadline without the chain (and check the contract's bit tricks against it). Where the words come
 * from: official-calendar.ts.
 */

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

/**
 * A year's words from its schedule as the State Council's notice states it: Monday to Friday work, except the
 * `holidays`; the `makeUpDays` (调休) work whatever the weekday. Dates are `YYYY-MM-DD` of `year`.
 */
export function yearWordsOf(
  year: number,
  schedule: { holidays: readonly string[]; makeUpDays: readonly string[] },
): YearWords {
  const holidays = new Set(schedule.holidays);
  const makeUpDays = new Set(schedule.makeUpDays);
  for (const date of [...holidays, ...makeUpDays]) {
    if (!date.startsWith(`${year}-`)) throw new RangeError(`${date} is not a date of ${year}`);
  }
  const bits = [0n, 0n];
  for (let day = 0; day < daysIn(year); day++) {
    const date = new Date(Date.UTC(year, 0, 1 + day));
    const iso = date.toISOString().slice(0, 10);
    const weekday = date.getUTCDay();
    if (makeUpDays.has(iso) || (weekday >= 1 && weekday <= 5 && !holidays.has(iso))) {
      bits[day >> 8] |= 1n << BigInt(day & 0xff);
    }
  }
  return { firstWord: bits[0], secondWord: bits[1] };
}

/**
 * A year of Monday-to-Friday working days without a single holiday: for benchmarks and tests on years no official
 * schedule is published for. Never what a deployment publishes (that is official-calendar.ts).
 */
export function weekdaysOnlyYearWords(year: number): YearWords {
  return yearWordsOf(year, { holidays: [], makeUpDays: [] });
}

/** The CST day number (days since 1970-01-01 CST) of a Unix time in seconds. */
function cstDayOf(timestamp: number): number {
  return Math.floor((timestamp + CST_OFFSET_SECONDS) / DAY_SECONDS);
}

/** The last second (23:59:59 CST) of CST day `day`, in Unix seconds. */
function endOfCstDay(day: number): number {
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

/**
 * `workingDaysLeft`, or null where the calendar lacks a year it needs: what the API and the auditor show beside a
 * deadline's date, since a deadline stands whether or not the council has published every year it spans.
 */
export function workingDaysLeftIfPublished(calendar: PublishedYears, from: number, deadline: number): number | null {
  try {
    return workingDaysLeft(calendar, from, deadline);
  } catch (err) {
    if (err instanceof YearNotPublishedError) return null;
    throw err;
  }
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

/** 365 or 366. */
function daysIn(year: number): number {
  return firstDayOf(year + 1) - firstDayOf(year);
}
