import { expect } from "chai";
import {
  YearNotPublishedError,
  cstDateOf,
  deadlineAfter,
  isWorkingDay,
  workingDaysLeft,
  workingDaysLeftIfPublished,
} from "../../../core/calendar/working-days";
import {
  YearNotCarriedError,
  currentOfficialYears,
  officialCalendar,
  officialYearWords,
  officialYears,
} from "../../../core/calendar/official-calendar";

const cst = (localTime: string) => Date.parse(`${localTime}+08:00`) / 1000;

describe("core/calendar/working-days", function () {
  it("knows which years chinese-days carries the official schedule of", function () {
    const years = officialYears();
    expect(years).to.include.members([2025, 2026]);
    expect(years).to.not.include(2027);
    expect(() => officialYearWords(2027)).to.throw(YearNotCarriedError, "no official holiday schedule for 2027");
  });

  it("names the years a chain should have published: its CST year and the next", function () {
    // 2025-12-31 16:00 UTC is already 2026 in China.
    const lateDecember = currentOfficialYears(Date.parse("2025-12-31T16:00:00Z") / 1000);
    expect(lateDecember.carried.map((c) => c.year)).to.deep.equal([2026]);
    expect(lateDecember.notCarried).to.deep.equal([2027]);
    const mid2025 = currentOfficialYears(Date.parse("2025-06-01T00:00:00Z") / 1000);
    expect(mid2025.carried.map((c) => c.year)).to.deep.equal([2025, 2026]);
    expect(mid2025.carried[1].words).to.deep.equal(officialYearWords(2026));
  });

  it("sets a bit for each working day: weekdays not on holiday, and the make-up days", function () {
    const { firstWord, secondWord } = officialYearWords(2026);
    const bit = (dayOfYear: number) =>
      Number(((dayOfYear < 256 ? firstWord : secondWord) >> BigInt(dayOfYear % 256)) & 1n);
    expect(bit(0)).to.equal(0); // 1 Jan, New Year's Day
    expect(bit(3)).to.equal(1); // 4 Jan, make-up Sunday
    expect(bit(4)).to.equal(1); // 5 Jan, Monday
    expect(bit(282)).to.equal(1); // 10 Oct, make-up Saturday
    expect(bit(363)).to.equal(1); // 30 Dec, Wednesday
    expect(secondWord >> 109n).to.equal(0n); // nothing past 31 December
  });

  it("computes deadlines in China Standard Time across holidays and years", function () {
    const calendar = officialCalendar([2025, 2026]);
    expect(cstDateOf(deadlineAfter(calendar, cst("2026-09-25T10:00"), 10))).to.equal("2026-10-15");
    expect(cstDateOf(deadlineAfter(calendar, cst("2025-12-24T10:00"), 10))).to.equal("2026-01-08");
    expect(deadlineAfter(calendar, cst("2026-09-25T10:00"), 10)).to.equal(cst("2026-10-15T23:59:59"));
    expect(isWorkingDay(calendar, cst("2026-10-08T00:00"))).to.equal(true);
    expect(isWorkingDay(calendar, cst("2026-10-07T23:59:59"))).to.equal(false);
    expect(workingDaysLeft(calendar, cst("2026-10-08T09:00"), cst("2026-10-15T23:59:59"))).to.equal(6);
  });

  it("refuses a deadline that needs a year not published", function () {
    const calendar = officialCalendar([2026]);
    expect(() => deadlineAfter(calendar, cst("2026-12-24T10:00"), 10))
      .to.throw(YearNotPublishedError)
      .with.property("year", 2027);
    expect(() => workingDaysLeft(calendar, cst("2025-12-30T10:00"), cst("2026-01-05T10:00")))
      .to.throw(YearNotPublishedError)
      .with.property("year", 2025);
  });

  it("counts the working days left where the calendar has the years, and answers null where it lacks one", function () {
    const calendar = officialCalendar([2026]);
    expect(workingDaysLeftIfPublished(calendar, cst("2026-10-08T09:00"), cst("2026-10-15T23:59:59"))).to.equal(6);
    expect(workingDaysLeftIfPublished(calendar, cst("2026-10-16T09:00"), cst("2026-10-15T23:59:59"))).to.equal(0);
    expect(workingDaysLeftIfPublished(calendar, cst("2026-12-30T10:00"), cst("2027-01-05T23:59:59"))).to.equal(null);
  });
});
