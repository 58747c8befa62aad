// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IConsortium} from "../consortium/IConsortium.sol";
import {IWorkingCalendar} from "./IWorkingCalendar.sol";

/**
 * @title WorkingCalendar
 * @notice The council's working-day calendar. See {IWorkingCalendar}.
 * @dev Days are numbered from 1970-01-01 in China Standard Time: day `d` runs from `d * 1 days - 8 hours` to
 * `(d + 1) * 1 days - 8 hours - 1` in Unix time. A year is two words: days 0..255 of the year in the first, days
 * 256..365 in the low 110 bits of the second. Counting walks whole words with a popcount, so a deadline of ten working
 * days costs a few storage reads, not one per day.
 */
contract WorkingCalendar is IWorkingCalendar {
    /// @dev The first year whose days the day numbering reaches, and a last year far beyond any deadline.
    uint16 private constant _MIN_YEAR = 1970;
    uint16 private constant _MAX_YEAR = 9999;
    uint64 private constant _CST_OFFSET = 8 hours;
    /// @dev Set in the stored second word of a published year: it holds at most 110 days, so bit 255 is free and a
    /// year without a single working day still reads as published.
    uint256 private constant _PUBLISHED = 1 << 255;

    IConsortium private immutable _consortium;

    /// @dev Two slots per year: the first word as published, the second with the `_PUBLISHED` flag.
    mapping(uint16 year => uint256[2] words) private _years;

    constructor(IConsortium consortium_) {
        _consortium = consortium_;
    }

    /// @inheritdoc IWorkingCalendar
    function publishYear(uint16 year, uint256 firstWord, uint256 secondWord) external {
        if (msg.sender != address(_consortium)) revert WorkingCalendarUnauthorized(msg.sender);
        if (year < _MIN_YEAR || year > _MAX_YEAR) revert WorkingCalendarYearOutOfRange(year);
        if (secondWord >> (_daysIn(year) - 256) != 0) revert WorkingCalendarInvalidBitmap(year, secondWord);
        _years[year] = [firstWord, secondWord | _PUBLISHED];
        emit WorkingCalendarPublished(
            year,
            firstWord,
            secondWord,
            uint16(_popcount(firstWord) + _popcount(secondWord))
        );
    }

    /// @inheritdoc IWorkingCalendar
    function isPublished(uint16 year) external view returns (bool) {
        return _years[year][1] & _PUBLISHED != 0;
    }

    /// @inheritdoc IWorkingCalendar
    function isWorkingDay(uint64 timestamp) external view returns (bool) {
        (uint16 year, uint256 dayOfYear) = _yearAndDayOf(_dayOf(timestamp));
        uint256 word = _wordsOf(year)[dayOfYear >> 8];
        return (word >> (dayOfYear & 0xff)) & 1 == 1;
    }

    /// @inheritdoc IWorkingCalendar
    function deadlineAfter(uint64 from, uint16 workingDays) external view returns (uint64 deadline) {
        uint256 day = _dayOf(from);
        if (workingDays == 0) return _endOf(day);
        (uint16 year, uint256 dayOfYear) = _yearAndDayOf(day + 1);
        uint256 remaining = workingDays;
        // Every pass consumes a published year or returns; the first unpublished year reverts.
        while (true) {
            uint256[2] memory words = _wordsOf(year);
            uint256 yearStart = _firstDayOf(year);
            for (uint256 w = dayOfYear >> 8; w < 2; ++w) {
                // Drop the days before the start (only in the word the walk starts in).
                uint256 word = (words[w] >> (dayOfYear & 0xff)) << (dayOfYear & 0xff);
                dayOfYear = 0;
                uint256 count = _popcount(word);
                if (count >= remaining) {
                    // remaining <= count <= 256: clear the working days before the one the deadline falls on.
                    for (uint256 i = 1; i < remaining; ++i) word &= word - 1;
                    return _endOf(yearStart + (w << 8) + Math.log2(word & (~word + 1)));
                }
                remaining -= count;
            }
            ++year;
        }
    }

    /// @inheritdoc IWorkingCalendar
    function workingDaysLeft(uint64 from, uint64 deadline) external view returns (uint16) {
        uint256 first = _dayOf(from) + 1;
        uint256 last = _dayOf(deadline);
        if (last < first) return 0;
        (uint16 year, uint256 startOfYear) = _yearAndDayOf(first);
        (uint16 lastYear, uint256 endOfLastYear) = _yearAndDayOf(last);
        uint256 count;
        for (; year <= lastYear; ++year) {
            uint256 end = year == lastYear ? endOfLastYear : _daysIn(year) - 1;
            count += _countDays(_wordsOf(year), startOfYear, end);
            startOfYear = 0;
        }
        return count > type(uint16).max ? type(uint16).max : uint16(count);
    }

    // ---------------------------------------------------------------- days

    /// @dev The two words of a published year, the flag cleared; reverts if the year is not published.
    function _wordsOf(uint16 year) private view returns (uint256[2] memory words) {
        words = _years[year];
        if (words[1] & _PUBLISHED == 0) revert WorkingCalendarYearNotPublished(year);
        words[1] &= ~_PUBLISHED;
    }

    /// @dev Working days of a year from day-of-year `start` to `end`, both included (start <= end < days in year).
    function _countDays(uint256[2] memory words, uint256 start, uint256 end) private pure returns (uint256 count) {
        for (uint256 w = start >> 8; w <= end >> 8; ++w) {
            uint256 lo = w == start >> 8 ? start & 0xff : 0;
            uint256 hi = w == end >> 8 ? end & 0xff : 255;
            // Bits lo..hi: shift the high ones out to the left, then the low ones out to the right.
            uint256 word = (words[w] << (255 - hi)) >> (255 - hi + lo);
            count += _popcount(word);
        }
    }

    /// @dev The CST day number of a Unix timestamp.
    function _dayOf(uint64 timestamp) private pure returns (uint256) {
        return (uint256(timestamp) + _CST_OFFSET) / 1 days;
    }

    /// @dev The last second (23:59:59 CST) of day `day`.
    function _endOf(uint256 day) private pure returns (uint64) {
        // Day numbers come from years <= 9999, so the result stays far inside 64 bits.
        return uint64((day + 1) * 1 days - _CST_OFFSET - 1);
    }

    /// @dev The year (checked against the accepted range) and day-of-year (0-based) of day number `day`.
    function _yearAndDayOf(uint256 day) private pure returns (uint16, uint256) {
        // 146097 days in 400 Gregorian years: the estimate is off by at most one year either way.
        uint256 year = _MIN_YEAR + (day * 400) / 146097;
        if (year > _MAX_YEAR + 1) revert WorkingCalendarYearOutOfRange(type(uint16).max);
        if (_firstDayOf(year) > day) --year;
        else if (_firstDayOf(year + 1) <= day) ++year;
        if (year > _MAX_YEAR) revert WorkingCalendarYearOutOfRange(uint16(year));
        return (uint16(year), day - _firstDayOf(year));
    }

    /// @dev The day number of 1 January of `year` (>= 1970).
    function _firstDayOf(uint256 year) private pure returns (uint256) {
        return 365 * (year - _MIN_YEAR) + _leapYearsBefore(year) - _leapYearsBefore(_MIN_YEAR);
    }

    /// @dev Leap years in 1..year-1 of the proleptic Gregorian calendar.
    function _leapYearsBefore(uint256 year) private pure returns (uint256) {
        uint256 y = year - 1;
        return y / 4 - y / 100 + y / 400;
    }

    function _daysIn(uint256 year) private pure returns (uint256) {
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return leap ? 366 : 365;
    }

    /// @dev Set bits of a word, by the parallel (SWAR) count: pairs, nibbles, bytes, then 16-bit lanes, whose sums
    /// (at most 256) still fit; the final multiplication adds all lanes into the top one.
    function _popcount(uint256 x) private pure returns (uint256) {
        // Each step keeps every lane's partial sum inside its lane, so nothing carries across lanes; the last
        // multiplication overflows by design, only its top 16 bits are kept.
        unchecked {
            x -= (x >> 1) & 0x5555555555555555555555555555555555555555555555555555555555555555;
            x =
                (x & 0x3333333333333333333333333333333333333333333333333333333333333333) +
                ((x >> 2) & 0x3333333333333333333333333333333333333333333333333333333333333333);
            x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f;
            x = (x + (x >> 8)) & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff;
            return (x * 0x0001000100010001000100010001000100010001000100010001000100010001) >> 240;
        }
    }
}
