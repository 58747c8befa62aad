// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title WorkingCalendarMock
 * @notice Test double for IWorkingCalendar's deadline views: Monday to Friday are working days, nothing else (no
 * holidays, no make-up days), counted in China Standard Time. Tests only.
 */
contract WorkingCalendarMock {
    uint64 private constant _DAY = 1 days;
    uint64 private constant _CST = 8 hours;

    function isWorkingDay(uint64 timestamp) public pure returns (bool) {
        return _isWeekday((timestamp + _CST) / _DAY);
    }

    function deadlineAfter(uint64 from, uint16 workingDays) external pure returns (uint64) {
        uint64 day = (from + _CST) / _DAY;
        for (uint16 counted = 0; counted < workingDays;) {
            ++day;
            if (_isWeekday(day)) ++counted;
        }
        return (day + 1) * _DAY - _CST - 1;
    }

    /// @dev 1970-01-01 (day 0) was a Thursday.
    function _isWeekday(uint64 day) private pure returns (bool) {
        return (day + 3) % 7 < 5;
    }
}
