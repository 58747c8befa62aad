// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IDemandRegistry
 * @notice The demand list and the responsibility list (需求清单 → 责任清单, 政务数据共享条例): a department publishes the
 * data it needs; a provider answers the demand by linking a catalog resource it provides, or the council assigns the
 * responsibility to a department with a due date counted in working days on the council's calendar; the responsible
 * department fulfils it by linking a catalog resource it provides (registered or extended for the purpose).
 *
 * The demand's texts (description, data items, purpose, legal basis, why the existing catalog entries do not serve)
 * are the canonical demand JSON, emitted in full with its keccak256 stored, as the catalog does with its metadata.
 *
 * Life cycle: `Open` → `Answered` (a provider linked a resource) or `Assigned` (by the council; the council may
 * reassign an assigned demand) → `Fulfilled` (by the responsible department). `Answered` and `Fulfilled` are final.
 * An assigned demand past its due date is overdue ({isOverdue}); it can still be fulfilled, late.
 */
interface IDemandRegistry {
    /// @notice Demand status. `None` means never published.
    enum DemandStatus {
        None,
        Open,
        Answered,
        Assigned,
        Fulfilled
    }

    /// @notice Stored demand. Five slots: requester, detailsHash, resourceId, responsible, and
    /// dueAt + settledAt + workingDays + status (19 bytes).
    struct Demand {
        bytes32 requester; // the department that published the demand
        bytes32 detailsHash; // keccak256 of the canonical demand JSON
        bytes32 resourceId; // the resource that answered or fulfilled it; zero before
        bytes32 responsible; // the department that answered it, or the one the council assigned; zero while open
        uint64 dueAt; // end of the due date (CST) while assigned; zero unless assigned or fulfilled
        uint64 settledAt; // when it was answered or fulfilled; zero before
        uint16 workingDays; // the working days the council allowed; zero unless assigned
        DemandStatus status;
    }

    // ---------------------------------------------------------------- errors

    /// @notice `account` may not do this; `needed` is the department it had to act for, or a `Roles` constant.
    error DemandUnauthorizedAccount(address account, bytes32 needed);
    /// @notice The demand id does not exist.
    error DemandUnknown(uint256 demandId);
    /// @notice The demand JSON is empty.
    error DemandEmptyDetails();
    /// @notice The action is not allowed in the demand's current status.
    error DemandInvalidStatus(uint256 demandId, DemandStatus status);
    /// @notice The linked resource is not an active catalog entry.
    error DemandResourceNotActive(bytes32 resourceId);
    /// @notice The linked resource is not provided by `departmentId`, the department that links it.
    error DemandResourceNotProvided(bytes32 resourceId, bytes32 departmentId);
    /// @notice The department the council assigns is not an active member.
    error DemandInactiveDepartment(bytes32 departmentId);
    /// @notice The due date is outside 1..`max` working days.
    error DemandInvalidWorkingDays(uint16 workingDays, uint16 max);

    // ---------------------------------------------------------------- events

    /// @notice `requester` published a demand; `details` is the canonical demand JSON, `detailsHash` its keccak256.
    event DemandPublished(uint256 indexed demandId, bytes32 indexed requester, bytes32 detailsHash, string details);
    /// @notice `provider` answered the demand by linking `resourceId`.
    event DemandAnswered(
        uint256 indexed demandId,
        bytes32 indexed provider,
        bytes32 indexed resourceId,
        bytes32 requester
    );
    /// @notice The council assigned the demand to `responsible`, due `workingDays` working days later, at `dueAt`.
    event ResponsibilityAssigned(
        uint256 indexed demandId,
        bytes32 indexed responsible,
        bytes32 indexed requester,
        uint16 workingDays,
        uint64 dueAt
    );
    /// @notice `responsible` fulfilled the demand by linking `resourceId`; `onTime` unless past the due date.
    event ResponsibilityFulfilled(
        uint256 indexed demandId,
        bytes32 indexed responsible,
        bytes32 indexed resourceId,
        bool onTime
    );

    // ---------------------------------------------------------------- functions

    /**
     * @notice Publishes a demand of the caller's department. Only an operator of an active department.
     * @param details the canonical demand JSON (emitted; its keccak256 is stored), non-empty
     * @return demandId sequential, from 1
     */
    function publish(string calldata details) external returns (uint256 demandId);

    /// @notice Answers an open demand by linking an active resource the caller's department provides. Only an operator
    /// of an active department.
    function answer(uint256 demandId, bytes32 resourceId) external;

    /**
     * @notice Assigns an open or assigned demand to `responsible`, due at the end of the `workingDays`-th working day
     * after today (CST) on the council's calendar. Only the council (a `Call` proposal executed by the Consortium).
     */
    function assign(uint256 demandId, bytes32 responsible, uint16 workingDays) external;

    /// @notice Fulfils an assigned demand by linking an active resource the responsible department provides. Only an
    /// operator of the responsible department, while it is active.
    function fulfil(uint256 demandId, bytes32 resourceId) external;

    /// @notice The stored demand (status `None` if unknown).
    function demand(uint256 demandId) external view returns (Demand memory);

    /// @notice How many demands were published (the last id).
    function demandCount() external view returns (uint256);

    /// @notice Whether the demand is assigned, not fulfilled, and its due date has passed.
    function isOverdue(uint256 demandId) external view returns (bool);

    /// @notice The longest due date the council may set, in working days.
    function MAX_WORKING_DAYS() external view returns (uint16);
}
