import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deadlineAfter, cstDateOf, type YearWords } from "../../core/calendar/working-days";
import { weekdayYearWords } from "../support/calendar";
import { CONSUMER, OTHER, PROVIDER, RES_UNCONDITIONAL, Status, deploySharing } from "./fixtures";

const DAY = 86_400;
const cstMidnight = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) / 1000 - 8 * 3600;

/**
 * Reply deadlines counted in working days on the council's calendar. The chain cannot go back to 2026's National Day
 * (test/calendar covers the official 2026 dates); here a year the fixture published two years ahead is republished
 * with a National Day week off and a make-up Saturday, and the chain moved to the Friday before it.
 */
describe("SharingAgreements: reply deadlines in working days", function () {
  async function holidayFixture() {
    const f = await deploySharing();
    const year = new Date(((await time.latest()) + 8 * 3600) * 1000).getUTCFullYear() + 2;
    const words = weekdayYearWords(year);
    const bits = [words.firstWord, words.secondWord];
    const dayOfYear = (month: number, day: number) => (cstMidnight(year, month, day) - cstMidnight(year, 1, 1)) / DAY;
    for (let d = 1; d <= 7; d++) bits[dayOfYear(10, d) >> 8] &= ~(1n << BigInt(dayOfYear(10, d) & 0xff));
    // The first Saturday after the week off is a make-up working day (调休).
    let makeUp = 8;
    while (new Date((cstMidnight(year, 10, makeUp) + 8 * 3600) * 1000).getUTCDay() !== 6) makeUp++;
    bits[dayOfYear(10, makeUp) >> 8] |= 1n << BigInt(dayOfYear(10, makeUp) & 0xff);
    const holidayYear: YearWords = { firstWord: bits[0], secondWord: bits[1] };
    const publish = f.calendar.interface.encodeFunctionData("publishYear", [year, bits[0], bits[1]]);
    await f.consortium.councilCall(await f.calendar.getAddress(), publish);

    let friday = 30;
    while (new Date((cstMidnight(year, 9, friday) + 8 * 3600) * 1000).getUTCDay() !== 5) friday--;
    const filedAt = cstMidnight(year, 9, friday) + 10 * 3600; // 10:00 CST
    // The fixture's validity window ends a year after deployment; this chain is two years on.
    const window = { validFrom: BigInt(filedAt), validUntil: BigInt(filedAt + 400 * DAY) };
    return { ...f, year, holidayYear, filedAt, makeUp, window };
  }

  it("counts ten working days from the Friday before the holiday week, skipping it and counting the make-up Saturday", async function () {
    const { sharing, calendar, consumerOp, otherOp, terms, year, holidayYear, filedAt, makeUp, window } =
      await loadFixture(holidayFixture);
    await time.setNextBlockTimestamp(filedAt);
    await sharing.connect(consumerOp).request(terms(window));
    const deadline = (await sharing.agreement(1n)).replyDeadline;

    const expected = deadlineAfter(new Map([[year, holidayYear]]), filedAt, 10);
    expect(deadline).to.equal(BigInt(expected));
    expect(await calendar.deadlineAfter(filedAt, 10)).to.equal(deadline);
    // The week off pushes the deadline past 7 October; the make-up Saturday is among the ten days.
    expect(cstDateOf(Number(deadline)) > `${year}-10-07`).to.equal(true);
    expect(await calendar.workingDaysLeft(filedAt, deadline)).to.equal(10);
    expect(await calendar.isWorkingDay(cstMidnight(year, 10, 3) + 12 * 3600)).to.equal(false);
    expect(await calendar.isWorkingDay(cstMidnight(year, 10, makeUp) + 12 * 3600)).to.equal(true);
    // At 23:59:59 CST of the tenth working day it is not yet late; one second later escalation is allowed.
    await time.setNextBlockTimestamp(deadline);
    await expect(sharing.connect(otherOp).escalate(1n))
      .to.be.revertedWithCustomError(sharing, "SharingReplyDeadlineNotReached")
      .withArgs(1n, deadline);
    await expect(sharing.connect(otherOp).escalate(1n))
      .to.emit(sharing, "AgreementEscalated")
      .withArgs(1n, PROVIDER, OTHER);
    expect(await sharing.agreementStatus(1n)).to.equal(Status.Escalated);
  });

  it("refuses a conditional request whose deadline needs a year the council has not published", async function () {
    const { sharing, calendar, consumerOp, terms, year, window } = await loadFixture(holidayFixture);
    // The fixture published up to `year`; ten working days after 24 December reach into the next year.
    await time.increaseTo(cstMidnight(year, 12, 24) + 10 * 3600);
    await expect(sharing.connect(consumerOp).request(terms(window)))
      .to.be.revertedWithCustomError(calendar, "WorkingCalendarYearNotPublished")
      .withArgs(year + 1);
    // An unconditional resource needs no deadline, so it is not held up.
    await expect(
      sharing.connect(consumerOp).request(terms({ ...window, resourceId: RES_UNCONDITIONAL, fieldMask: 1n })),
    )
      .to.emit(sharing, "AgreementActivated")
      .withArgs(1n, RES_UNCONDITIONAL, CONSUMER);
  });
});
