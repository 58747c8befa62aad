import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deadlineAfter, workingDaysLeft } from "../../core/calendar/working-days";
import { officialCalendar, officialYearWords } from "../../core/calendar/official-calendar";
import { Action, payload } from "../consortium/fixtures";
import { calendarWithConsortiumFixture, calendarWithMockFixture, cst, endOfCst, publishOfficial } from "./fixtures";

const DAY = 86_400;
/** All 365 days of a common year set: the largest valid second word has 365 - 256 = 109 bits. */
const FULL_SECOND_WORD_COMMON = (1n << 109n) - 1n;
const ALL_ONES = (1n << 256n) - 1n;

describe("WorkingCalendar", function () {
  async function publishedFixture() {
    const f = await calendarWithMockFixture();
    await publishOfficial(f.consortium, f.calendar, [2025, 2026]);
    return f;
  }

  describe("publishYear", function () {
    it("publishes a year when the council calls, with the count of working days", async function () {
      const { consortium, calendar } = await loadFixture(calendarWithMockFixture);
      const { firstWord, secondWord } = officialYearWords(2026);
      const data = calendar.interface.encodeFunctionData("publishYear", [2026, firstWord, secondWord]);
      expect(await calendar.isPublished(2026)).to.equal(false);
      // 2026 per the State Council's notice: 261 weekdays, 19 of them holidays, and 6 make-up days: 248.
      await expect(consortium.councilCall(await calendar.getAddress(), data))
        .to.emit(calendar, "WorkingCalendarPublished")
        .withArgs(2026, firstWord, secondWord, 248);
      expect(await calendar.isPublished(2026)).to.equal(true);
      expect(await calendar.isPublished(2027)).to.equal(false);
    });

    it("republishes a year, replacing its days", async function () {
      const { consortium, calendar } = await loadFixture(publishedFixture);
      const data = calendar.interface.encodeFunctionData("publishYear", [2026, ALL_ONES, FULL_SECOND_WORD_COMMON]);
      await expect(consortium.councilCall(await calendar.getAddress(), data))
        .to.emit(calendar, "WorkingCalendarPublished")
        .withArgs(2026, ALL_ONES, FULL_SECOND_WORD_COMMON, 365);
      expect(await calendar.isWorkingDay(cst("2026-10-01T12:00"))).to.equal(true);
    });

    it("publishes a year without a single working day as published", async function () {
      const { consortium, calendar } = await loadFixture(calendarWithMockFixture);
      const data = calendar.interface.encodeFunctionData("publishYear", [2030, 0n, 0n]);
      await expect(consortium.councilCall(await calendar.getAddress(), data))
        .to.emit(calendar, "WorkingCalendarPublished")
        .withArgs(2030, 0n, 0n, 0);
      expect(await calendar.isPublished(2030)).to.equal(true);
      expect(await calendar.isWorkingDay(cst("2030-06-03T12:00"))).to.equal(false);
    });

    it("publishes through a council Call proposal of the real Consortium", async function () {
      const { consortium, calendar, bureauAdmin } = await loadFixture(calendarWithConsortiumFixture);
      const { firstWord, secondWord } = officialYearWords(2026);
      const data = calendar.interface.encodeFunctionData("publishYear", [2026, firstWord, secondWord]);
      await expect(
        consortium.connect(bureauAdmin).propose(Action.Call, payload.call(await calendar.getAddress(), data)),
      )
        .to.emit(calendar, "WorkingCalendarPublished")
        .withArgs(2026, firstWord, secondWord, 248)
        .and.to.emit(consortium, "ProposalExecuted")
        .withArgs(1, Action.Call);
      expect(await calendar.isPublished(2026)).to.equal(true);
    });

    it("refuses every caller but the consortium", async function () {
      const { calendar, deployer, operator, outsider } = await loadFixture(calendarWithMockFixture);
      for (const caller of [deployer, operator, outsider]) {
        await expect(calendar.connect(caller).publishYear(2026, 0n, 0n))
          .to.be.revertedWithCustomError(calendar, "WorkingCalendarUnauthorized")
          .withArgs(caller.address);
      }
    });

    it("refuses a council member's operator calling directly, and wraps a refused year in ConsortiumCallFailed", async function () {
      const { consortium, calendar, bureauAdmin } = await loadFixture(calendarWithConsortiumFixture);
      await expect(calendar.connect(bureauAdmin).publishYear(2026, 0n, 0n))
        .to.be.revertedWithCustomError(calendar, "WorkingCalendarUnauthorized")
        .withArgs(bureauAdmin.address);
      const module = await calendar.getAddress();
      const data = calendar.interface.encodeFunctionData("publishYear", [1969, 0n, 0n]);
      const reason = calendar.interface.encodeErrorResult("WorkingCalendarYearOutOfRange", [1969]);
      await expect(consortium.connect(bureauAdmin).propose(Action.Call, payload.call(module, data)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumCallFailed")
        .withArgs(module, reason);
    });

    it("refuses years outside 1970..9999", async function () {
      const { consortium, calendar } = await loadFixture(calendarWithMockFixture);
      for (const year of [0, 1969, 10000, 65535]) {
        const data = calendar.interface.encodeFunctionData("publishYear", [year, 0n, 0n]);
        await expect(consortium.councilCall(await calendar.getAddress(), data))
          .to.be.revertedWithCustomError(calendar, "WorkingCalendarYearOutOfRange")
          .withArgs(year);
      }
      for (const year of [1970, 9999]) {
        const data = calendar.interface.encodeFunctionData("publishYear", [year, 0n, 0n]);
        await expect(consortium.councilCall(await calendar.getAddress(), data)).to.emit(
          calendar,
          "WorkingCalendarPublished",
        );
      }
    });

    it("refuses days past the end of the year, a common year's 365th and a leap year's 366th", async function () {
      const { consortium, calendar } = await loadFixture(calendarWithMockFixture);
      const target = await calendar.getAddress();
      const publish = (year: number, second: bigint) =>
        consortium.councilCall(target, calendar.interface.encodeFunctionData("publishYear", [year, 0n, second]));
      for (const [year, second] of [
        [2026, 1n << 109n],
        [2028, 1n << 110n],
        [2026, ALL_ONES],
      ] as const) {
        await expect(publish(year, second))
          .to.be.revertedWithCustomError(calendar, "WorkingCalendarInvalidBitmap")
          .withArgs(year, second);
      }
      await expect(publish(2026, 1n << 108n))
        .to.emit(calendar, "WorkingCalendarPublished")
        .withArgs(2026, 0n, 1n << 108n, 1);
      await expect(publish(2028, 1n << 109n))
        .to.emit(calendar, "WorkingCalendarPublished")
        .withArgs(2028, 0n, 1n << 109n, 1);
      // 31 December: day-of-year 364 of 2026, 365 of 2028.
      expect(await calendar.isWorkingDay(cst("2026-12-31T12:00"))).to.equal(true);
      expect(await calendar.isWorkingDay(cst("2028-12-31T12:00"))).to.equal(true);
      expect(await calendar.isWorkingDay(cst("2028-12-30T12:00"))).to.equal(false);
    });
  });

  describe("isWorkingDay", function () {
    it("follows the official 2026 schedule: holidays off, make-up days (调休) on, weekends off", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      const cases: [string, boolean][] = [
        ["2026-09-21", true], // an ordinary Monday
        ["2026-09-26", false], // an ordinary Saturday
        ["2026-09-25", false], // Mid-Autumn Festival, a Friday
        ["2026-10-01", false], // National Day
        ["2026-10-07", false], // National Day holiday, a Wednesday
        ["2026-09-20", true], // make-up Sunday
        ["2026-10-10", true], // make-up Saturday
        ["2026-02-14", true], // make-up Saturday before the Spring Festival
        ["2026-01-04", true], // make-up Sunday after New Year
        ["2026-01-01", false], // New Year's Day
      ];
      for (const [date, working] of cases) {
        expect(await calendar.isWorkingDay(cst(`${date}T12:00`)), date).to.equal(working);
      }
    });

    it("counts days in China Standard Time, not UTC", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      // 2026-10-08 00:00 CST is still 7 October (a holiday) in UTC.
      expect(await calendar.isWorkingDay(cst("2026-10-08T00:00"))).to.equal(true);
      expect(await calendar.isWorkingDay(cst("2026-10-08T00:00") - 1)).to.equal(false);
      expect(await calendar.isWorkingDay(Date.parse("2026-10-07T16:00:00Z") / 1000)).to.equal(true);
    });

    it("finds the year where the 400-year average overshoots (31 Dec 2072) or undershoots (1 Jan 1971)", async function () {
      const { consortium, calendar } = await loadFixture(calendarWithMockFixture);
      const target = await calendar.getAddress();
      // All days of leap year 2072 working; 1971 only its first day. Neither neighbour year is published.
      const publish = (year: number, first: bigint, second: bigint) =>
        consortium.councilCall(target, calendar.interface.encodeFunctionData("publishYear", [year, first, second]));
      await publish(2072, ALL_ONES, (1n << 110n) - 1n);
      await publish(1971, 1n, 0n);
      expect(await calendar.isWorkingDay(cst("2072-12-31T23:59:59"))).to.equal(true);
      expect(await calendar.isWorkingDay(cst("1971-01-01T00:00"))).to.equal(true);
      expect(await calendar.isWorkingDay(cst("1971-01-02T00:00"))).to.equal(false);
    });

    it("reverts for a year not published, and for a time beyond year 9999", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      await expect(calendar.isWorkingDay(cst("2027-01-04T12:00")))
        .to.be.revertedWithCustomError(calendar, "WorkingCalendarYearNotPublished")
        .withArgs(2027);
      await expect(calendar.isWorkingDay(cst("2024-12-31T23:59")))
        .to.be.revertedWithCustomError(calendar, "WorkingCalendarYearNotPublished")
        .withArgs(2024);
      await expect(calendar.isWorkingDay(253402300800n)) // 10000-01-01T00:00Z
        .to.be.revertedWithCustomError(calendar, "WorkingCalendarYearOutOfRange")
        .withArgs(10000);
      await expect(calendar.isWorkingDay(2n ** 64n - 1n))
        .to.be.revertedWithCustomError(calendar, "WorkingCalendarYearOutOfRange")
        .withArgs(65535);
    });
  });

  describe("deadlineAfter", function () {
    it("a request filed on the Friday before National Day (the Mid-Autumn holiday) is due on 15 October", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      // 25 Sep is a holiday; 28-30 Sep are 3 working days, 1-7 Oct are off, 8-9 Oct, make-up Saturday 10 Oct, 12-15 Oct.
      expect(await calendar.deadlineAfter(cst("2026-09-25T10:00"), 10)).to.equal(endOfCst("2026-10-15"));
    });

    it("a request filed on the last working Friday before the holidays counts the make-up Sunday and is due on 9 October", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      expect(await calendar.deadlineAfter(cst("2026-09-18T16:30"), 10)).to.equal(endOfCst("2026-10-09"));
      expect(await calendar.deadlineAfter(cst("2026-09-30T17:00"), 10)).to.equal(endOfCst("2026-10-20"));
    });

    it("a request filed on a make-up Saturday does not count that day", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      expect(await calendar.deadlineAfter(cst("2026-10-10T09:00"), 10)).to.equal(endOfCst("2026-10-23"));
      // Before the Spring Festival: 15-23 Feb are off, the make-up Saturday 28 Feb counts.
      expect(await calendar.deadlineAfter(cst("2026-02-14T09:00"), 10)).to.equal(endOfCst("2026-03-06"));
    });

    it("crosses a year into the next year's calendar, its make-up Sunday included", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      expect(await calendar.deadlineAfter(cst("2025-12-24T10:00"), 10)).to.equal(endOfCst("2026-01-08"));
    });

    it("reverts when the deadline needs a year not published, and not when it ends on 31 December", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      expect(await calendar.deadlineAfter(cst("2026-12-17T10:00"), 10)).to.equal(endOfCst("2026-12-31"));
      await expect(calendar.deadlineAfter(cst("2026-12-18T10:00"), 10))
        .to.be.revertedWithCustomError(calendar, "WorkingCalendarYearNotPublished")
        .withArgs(2027);
      await expect(calendar.deadlineAfter(cst("2024-12-20T10:00"), 10))
        .to.be.revertedWithCustomError(calendar, "WorkingCalendarYearNotPublished")
        .withArgs(2024);
    });

    it("counts the filing day in China Standard Time", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      // 23:59:59 on Wednesday 30 Sep CST: filed that day. One second later it is 1 October.
      expect(await calendar.deadlineAfter(cst("2026-09-30T23:59:59"), 1)).to.equal(endOfCst("2026-10-08"));
      expect(await calendar.deadlineAfter(cst("2026-09-29T23:59:59"), 1)).to.equal(endOfCst("2026-09-30"));
      expect(await calendar.deadlineAfter(cst("2026-10-01T00:00"), 1)).to.equal(endOfCst("2026-10-08"));
    });

    it("zero working days is the end of the filing day, with no calendar needed", async function () {
      const { calendar } = await loadFixture(calendarWithMockFixture);
      expect(await calendar.deadlineAfter(cst("2031-05-05T08:00"), 0)).to.equal(endOfCst("2031-05-05"));
    });

    it("walks whole years: the 248th working day after 2025-12-31 is the last of 2026", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      expect(await calendar.deadlineAfter(cst("2025-12-31T12:00"), 248)).to.equal(endOfCst("2026-12-31"));
      await expect(calendar.deadlineAfter(cst("2025-12-31T12:00"), 249))
        .to.be.revertedWithCustomError(calendar, "WorkingCalendarYearNotPublished")
        .withArgs(2027);
    });

    it("equals the TypeScript helper on every day of 2025 and 2026, for several counts", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      const official = officialCalendar([2025, 2026]);
      for (let from = cst("2025-01-01T09:30"); from < cst("2026-12-01T00:00"); from += DAY) {
        for (const n of [1, 10, 15]) {
          let expected: number | "unpublished";
          try {
            expected = deadlineAfter(official, from, n);
          } catch {
            expected = "unpublished";
          }
          if (expected === "unpublished") continue;
          expect(
            Number(await calendar.deadlineAfter(from, n)),
            `${new Date(from * 1000).toISOString()} + ${n}`,
          ).to.equal(expected);
        }
      }
    });
  });

  describe("workingDaysLeft", function () {
    it("counts the working days after `from` up to the deadline's day", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      const deadline = endOfCst("2026-10-15");
      expect(await calendar.workingDaysLeft(cst("2026-09-25T10:00"), deadline)).to.equal(10);
      // On 8 October (the 4th working day) six are left after today.
      expect(await calendar.workingDaysLeft(cst("2026-10-08T09:00"), deadline)).to.equal(6);
      expect(await calendar.workingDaysLeft(cst("2026-10-14T09:00"), deadline)).to.equal(1);
      expect(await calendar.workingDaysLeft(cst("2026-10-15T09:00"), deadline)).to.equal(0);
      expect(await calendar.workingDaysLeft(cst("2026-10-16T09:00"), deadline)).to.equal(0);
    });

    it("counts across a year, and reverts for a year not published", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      expect(await calendar.workingDaysLeft(cst("2025-12-24T10:00"), endOfCst("2026-01-08"))).to.equal(10);
      expect(await calendar.workingDaysLeft(cst("2025-01-01T00:00"), endOfCst("2026-12-31"))).to.equal(248 + 248);
      await expect(calendar.workingDaysLeft(cst("2026-12-24T10:00"), endOfCst("2027-01-08")))
        .to.be.revertedWithCustomError(calendar, "WorkingCalendarYearNotPublished")
        .withArgs(2027);
    });

    it("equals the TypeScript helper between many pairs of days", async function () {
      const { calendar } = await loadFixture(publishedFixture);
      const official = officialCalendar([2025, 2026]);
      const start = cst("2025-01-01T15:00");
      for (let i = 0; i < 60; i++) {
        // A deterministic spread of starts and spans (0..~400 days), some past (span 0).
        const from = start + ((i * 97) % 600) * DAY;
        const deadline = Math.min(from + ((i * 53) % 400) * DAY, endOfCst("2026-12-31"));
        expect(Number(await calendar.workingDaysLeft(from, deadline))).to.equal(
          workingDaysLeft(official, from, deadline),
        );
      }
    });
  });

  it("a ten-working-day deadline costs a few storage reads, not a walk per day", async function () {
    const { calendar } = await loadFixture(publishedFixture);
    const gas = await calendar.deadlineAfter.estimateGas(cst("2026-09-25T10:00"), 10);
    const acrossYear = await calendar.deadlineAfter.estimateGas(cst("2025-12-24T10:00"), 10);
    expect(gas).to.be.lessThan(40_000n);
    expect(acrossYear).to.be.lessThan(45_000n);
  });
});
