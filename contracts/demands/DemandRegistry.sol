// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IWorkingCalendar} from "../calendar/IWorkingCalendar.sol";
import {IDataCatalog} from "../catalog/IDataCatalog.sol";
import {IConsortium} from "../consortium/IConsortium.sol";
import {Roles} from "../libraries/Roles.sol";
import {IDemandRegistry} from "./IDemandRegistry.sol";

/**
 * @title DemandRegistry
 * @notice Demands for data and the responsibilities the council assigns for them. See {IDemandRegistry}.
 */
contract DemandRegistry is IDemandRegistry {
    /// @inheritdoc IDemandRegistry
    uint16 public constant MAX_WORKING_DAYS = 250; // about one year of working days

    IConsortium private immutable _consortium;
    IDataCatalog private immutable _catalog;
    IWorkingCalendar private immutable _calendar;

    mapping(uint256 demandId => Demand) private _demands;
    uint256 private _demandCount;

    constructor(IConsortium consortium_, IDataCatalog catalog_, IWorkingCalendar calendar_) {
        _consortium = consortium_;
        _catalog = catalog_;
        _calendar = calendar_;
    }

    /// @inheritdoc IDemandRegistry
    function publish(string calldata details) external returns (uint256 demandId) {
        bytes32 requester = _consortium.activeDepartmentOf(msg.sender);
        if (requester == bytes32(0)) revert DemandUnauthorizedAccount(msg.sender, Roles.MEMBER);
        if (bytes(details).length == 0) revert DemandEmptyDetails();
        demandId = ++_demandCount;
        bytes32 detailsHash = keccak256(bytes(details));
        Demand storage d = _demands[demandId];
        d.requester = requester;
        d.detailsHash = detailsHash;
        d.status = DemandStatus.Open;
        emit DemandPublished(demandId, requester, detailsHash, details);
    }

    /// @inheritdoc IDemandRegistry
    function answer(uint256 demandId, bytes32 resourceId) external {
        bytes32 provider = _consortium.activeDepartmentOf(msg.sender);
        if (provider == bytes32(0)) revert DemandUnauthorizedAccount(msg.sender, Roles.MEMBER);
        Demand storage d = _demandIn(demandId, DemandStatus.Open);
        _requireProvidedBy(resourceId, provider);
        d.resourceId = resourceId;
        d.responsible = provider;
        d.settledAt = uint64(block.timestamp);
        d.status = DemandStatus.Answered;
        emit DemandAnswered(demandId, provider, resourceId, d.requester);
    }

    /// @inheritdoc IDemandRegistry
    function assign(uint256 demandId, bytes32 responsible, uint16 workingDays) external {
        if (msg.sender != address(_consortium)) revert DemandUnauthorizedAccount(msg.sender, Roles.COUNCIL);
        Demand storage d = _demandOf(demandId);
        DemandStatus status = d.status;
        if (status != DemandStatus.Open && status != DemandStatus.Assigned)
            revert DemandInvalidStatus(demandId, status);
        if (!_consortium.isActive(responsible)) revert DemandInactiveDepartment(responsible);
        if (workingDays == 0 || workingDays > MAX_WORKING_DAYS) {
            revert DemandInvalidWorkingDays(workingDays, MAX_WORKING_DAYS);
        }
        uint64 dueAt = _calendar.deadlineAfter(uint64(block.timestamp), workingDays);
        d.responsible = responsible;
        d.dueAt = dueAt;
        d.workingDays = workingDays;
        d.status = DemandStatus.Assigned;
        emit ResponsibilityAssigned(demandId, responsible, d.requester, workingDays, dueAt);
    }

    /// @inheritdoc IDemandRegistry
    function fulfil(uint256 demandId, bytes32 resourceId) external {
        Demand storage d = _demandOf(demandId);
        bytes32 responsible = d.responsible;
        // An open demand has no responsible department yet: nobody may fulfil it.
        if (responsible == bytes32(0)) revert DemandInvalidStatus(demandId, d.status);
        if (_consortium.activeDepartmentOf(msg.sender) != responsible) {
            revert DemandUnauthorizedAccount(msg.sender, responsible);
        }
        if (d.status != DemandStatus.Assigned) revert DemandInvalidStatus(demandId, d.status);
        _requireProvidedBy(resourceId, responsible);
        bool onTime = block.timestamp <= d.dueAt;
        d.resourceId = resourceId;
        d.settledAt = uint64(block.timestamp);
        d.status = DemandStatus.Fulfilled;
        emit ResponsibilityFulfilled(demandId, responsible, resourceId, onTime);
    }

    /// @inheritdoc IDemandRegistry
    function demand(uint256 demandId) external view returns (Demand memory) {
        return _demands[demandId];
    }

    /// @inheritdoc IDemandRegistry
    function demandCount() external view returns (uint256) {
        return _demandCount;
    }

    /// @inheritdoc IDemandRegistry
    function isOverdue(uint256 demandId) external view returns (bool) {
        Demand storage d = _demands[demandId];
        return d.status == DemandStatus.Assigned && block.timestamp > d.dueAt;
    }

    function _demandOf(uint256 demandId) private view returns (Demand storage d) {
        d = _demands[demandId];
        if (d.status == DemandStatus.None) revert DemandUnknown(demandId);
    }

    function _demandIn(uint256 demandId, DemandStatus expected) private view returns (Demand storage d) {
        d = _demandOf(demandId);
        if (d.status != expected) revert DemandInvalidStatus(demandId, d.status);
    }

    function _requireProvidedBy(bytes32 resourceId, bytes32 department) private view {
        IDataCatalog.Resource memory r = _catalog.resource(resourceId);
        if (r.status != IDataCatalog.ResourceStatus.Active) revert DemandResourceNotActive(resourceId);
        if (r.provider != department) revert DemandResourceNotProvided(resourceId, department);
    }
}
