// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IWorkingCalendar} from "../calendar/IWorkingCalendar.sol";
import {IDataCatalog} from "../catalog/IDataCatalog.sol";
import {IConsortium} from "../consortium/IConsortium.sol";
import {Roles} from "../libraries/Roles.sol";
import {IObjections} from "./IObjections.sol";

/**
 * @title Objections
 * @notice Data-quality objections and their answers. See {IObjections}.
 */
contract Objections is IObjections {
    IConsortium private immutable _consortium;
    IDataCatalog private immutable _catalog;
    IWorkingCalendar private immutable _calendar;

    mapping(uint256 objectionId => Objection) private _objections;
    uint256 private _objectionCount;

    constructor(IConsortium consortium_, IDataCatalog catalog_, IWorkingCalendar calendar_) {
        _consortium = consortium_;
        _catalog = catalog_;
        _calendar = calendar_;
    }

    /// @inheritdoc IObjections
    function raise(
        bytes32 resourceId,
        uint256 fieldMask,
        string calldata description,
        bytes32 evidenceHash
    ) external returns (uint256 objectionId) {
        bytes32 consumer = _consortium.activeDepartmentOf(msg.sender);
        if (consumer == bytes32(0)) revert ObjectionUnauthorizedAccount(msg.sender, Roles.MEMBER);
        if (bytes(description).length == 0) revert ObjectionEmptyDescription();
        if (evidenceHash == bytes32(0)) revert ObjectionMissingHash();
        objectionId = ++_objectionCount;
        Objection storage o = _objections[objectionId];
        _open(o, resourceId, consumer, fieldMask);
        o.evidenceHash = evidenceHash;
        emit ObjectionRaised(
            objectionId,
            resourceId,
            o.provider,
            consumer,
            fieldMask,
            evidenceHash,
            o.answerDeadline,
            description
        );
    }

    /// @inheritdoc IObjections
    function correct(uint256 objectionId, bytes32 noteHash) external {
        Objection storage o = _objectionOfProvider(objectionId);
        ObjectionStatus status = o.status;
        if (status != ObjectionStatus.Raised && status != ObjectionStatus.Upheld) {
            revert ObjectionInvalidStatus(objectionId, status);
        }
        uint32 version;
        if (noteHash == bytes32(0)) {
            version = _catalog.resource(o.resourceId).version;
            if (version <= o.versionAtRaise) revert ObjectionNotCorrected(objectionId, o.versionAtRaise);
            o.correctedVersion = version;
        } else {
            o.answerHash = noteHash;
        }
        bool onTime = _recordAnswer(o);
        o.status = ObjectionStatus.Corrected;
        emit ObjectionCorrected(objectionId, o.resourceId, o.provider, version, noteHash, onTime);
    }

    /// @inheritdoc IObjections
    function dispute(uint256 objectionId, bytes32 reasonHash) external {
        Objection storage o = _objectionOfProvider(objectionId);
        if (o.status != ObjectionStatus.Raised) revert ObjectionInvalidStatus(objectionId, o.status);
        if (reasonHash == bytes32(0)) revert ObjectionMissingHash();
        o.answerHash = reasonHash;
        bool onTime = _recordAnswer(o);
        o.status = ObjectionStatus.Disputed;
        emit ObjectionDisputed(objectionId, o.resourceId, o.provider, reasonHash, onTime);
    }

    /// @inheritdoc IObjections
    function escalate(uint256 objectionId) external {
        Objection storage o = _objectionOf(objectionId);
        bytes32 consumer = o.consumer;
        if (_consortium.activeDepartmentOf(msg.sender) != consumer) {
            revert ObjectionUnauthorizedAccount(msg.sender, consumer);
        }
        ObjectionStatus status = o.status;
        if (status == ObjectionStatus.Raised) {
            uint64 answerDeadline = o.answerDeadline;
            if (block.timestamp <= answerDeadline) {
                revert ObjectionAnswerDeadlineNotReached(objectionId, answerDeadline);
            }
        } else if (status != ObjectionStatus.Disputed) {
            revert ObjectionInvalidStatus(objectionId, status);
        }
        o.status = ObjectionStatus.Escalated;
        emit ObjectionEscalated(objectionId, o.resourceId, o.provider);
    }

    /// @inheritdoc IObjections
    function councilDecide(uint256 objectionId, bool upheld, bytes32 reasonHash) external {
        if (msg.sender != address(_consortium)) revert ObjectionUnauthorizedAccount(msg.sender, Roles.COUNCIL);
        Objection storage o = _objectionOf(objectionId);
        if (o.status != ObjectionStatus.Escalated) revert ObjectionInvalidStatus(objectionId, o.status);
        if (!upheld && reasonHash == bytes32(0)) revert ObjectionMissingHash();
        o.status = upheld ? ObjectionStatus.Upheld : ObjectionStatus.Dismissed;
        emit ObjectionDecidedByCouncil(objectionId, o.resourceId, o.provider, upheld, reasonHash);
    }

    /// @inheritdoc IObjections
    function objection(uint256 objectionId) external view returns (Objection memory) {
        return _objections[objectionId];
    }

    /// @inheritdoc IObjections
    function objectionCount() external view returns (uint256) {
        return _objectionCount;
    }

    /// @inheritdoc IObjections
    function isOverdue(uint256 objectionId) external view returns (bool) {
        Objection storage o = _objections[objectionId];
        return o.status == ObjectionStatus.Raised && block.timestamp > o.answerDeadline;
    }

    /// @dev Checks the resource and the field mask and fills in the new objection `o` up to its evidence.
    function _open(Objection storage o, bytes32 resourceId, bytes32 consumer, uint256 fieldMask) private {
        IDataCatalog.Resource memory r = _catalog.resource(resourceId);
        if (r.status != IDataCatalog.ResourceStatus.Active) revert ObjectionResourceNotActive(resourceId);
        if (r.provider == consumer) revert ObjectionOwnResource(resourceId);
        uint256 allowed = _catalog.fullMask(resourceId);
        if (fieldMask == 0 || fieldMask & ~allowed != 0) revert ObjectionInvalidFieldMask(fieldMask, allowed);
        o.resourceId = resourceId;
        o.provider = r.provider;
        o.consumer = consumer;
        o.fieldMask = fieldMask;
        // The Consortium keeps the setting within 1 .. 250 working days: it fits a uint16.
        uint16 answerDays = uint16(_consortium.objectionAnswerDeadline());
        o.answerDeadline = _calendar.deadlineAfter(uint64(block.timestamp), answerDays);
        o.versionAtRaise = r.version;
        o.status = ObjectionStatus.Raised;
    }

    function _objectionOf(uint256 objectionId) private view returns (Objection storage o) {
        o = _objections[objectionId];
        if (o.status == ObjectionStatus.None) revert ObjectionUnknown(objectionId);
    }

    /// @dev The objection, if the caller acts for its provider.
    function _objectionOfProvider(uint256 objectionId) private view returns (Objection storage o) {
        o = _objectionOf(objectionId);
        bytes32 provider = o.provider;
        if (_consortium.activeDepartmentOf(msg.sender) != provider) {
            revert ObjectionUnauthorizedAccount(msg.sender, provider);
        }
    }

    /// @dev Records the provider's first answer and tells whether it came by the deadline. A correction after the
    /// council upheld a dispute keeps the time of the dispute, the first answer.
    function _recordAnswer(Objection storage o) private returns (bool onTime) {
        uint64 answeredAt = o.answeredAt;
        if (answeredAt == 0) {
            answeredAt = uint64(block.timestamp);
            o.answeredAt = answeredAt;
        }
        onTime = answeredAt <= o.answerDeadline;
    }
}
