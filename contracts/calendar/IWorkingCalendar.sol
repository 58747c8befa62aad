// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IWorkingCalendar
 * @notice The official working-day calendar the council publishes, one year at a time (国务院办公厅 holiday notice):
 * weekends and public holidays are not working days, the make-up working days (调休) are. A year's days fit in two
 * words as a bitmap (bit `d` of the year's bitmap is day-of-year `d`, 0 = 1 January, set when it is a working day).
 * Days are counted in China Standard Time (UTC+8, no daylight saving).
 *
 * Deadlines of the sharing rules (a conditional request's reply, a responsibility's due date, an objection's answer)
 * are counted here in working days, so that every contract and every gateway agrees on when a deadline has passed.
 */
interface IWorkingCalendar {
    /// @notice `year` is outside the range the calendar accepts.
    error WorkingCalendarYearOutOfRange(uint16 year);
    /// @notice A deadline needed a year the council has not published.
    error WorkingCalendarYearNotPublished(uint16 year);
    /// @notice Only the consortium (a council `Call` proposal) publishes a year.
    error WorkingCalendarUnauthorized(address caller);
    /// @notice `secondWord` has bits set past the last day of `year` (day-of-year 364, or 365 in a leap year).
    error WorkingCalendarInvalidBitmap(uint16 year, uint256 secondWord);

    /// @notice The council published (or republished) `year`'s calendar.
    event WorkingCalendarPublished(uint16 indexed year, uint256 firstWord, uint256 secondWord, uint16 workingDays);

    /// @notice Publishes `year`'s working days (bit `d` of `firstWord | secondWord << 256` = day-of-year `d`).
    function publishYear(uint16 year, uint256 firstWord, uint256 secondWord) external;

    /// @notice Whether `year` has been published.
    function isPublished(uint16 year) external view returns (bool);

    /// @notice Whether the CST day containing `timestamp` is a working day. Reverts if its year is not published.
    function isWorkingDay(uint64 timestamp) external view returns (bool);

    /// @notice The end (23:59:59 CST) of the `workingDays`-th working day after the CST day containing `from`
    /// (the day of filing itself is not counted). Reverts if a year it needs is not published.
    function deadlineAfter(uint64 from, uint16 workingDays) external view returns (uint64 deadline);

    /// @notice Working days from the day after `from`'s CST day up to and including `deadline`'s day (0 when past).
    function workingDaysLeft(uint64 from, uint64 deadline) external view returns (uint16);
}
