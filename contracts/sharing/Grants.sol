// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsortium} from "../consortium/IConsortium.sol";
import {Roles} from "../libraries/Roles.sol";
import {ISharingAgreements} from "./ISharingAgreements.sol";
import {IGrants} from "./IGrants.sol";

/**
 * @title Grants
 * @notice Grants to consumer system accounts under active sharing agreements. See {IGrants}.
 */
contract Grants is IGrants {
    IConsortium private immutable _consortium;
    ISharingAgreements private immutable _agreements;

    mapping(uint256 grantId => Grant) private _grants;
    uint256 private _grantCount;

    constructor(IConsortium consortium_, ISharingAgreements sharingAgreements_) {
        _consortium = consortium_;
        _agreements = sharingAgreements_;
    }

    // ---------------------------------------------------------------- actions

    /// @inheritdoc IGrants
    function issue(
        uint256 agreementId,
        address grantee,
        uint256 fieldMask,
        uint64 expiresAt,
        uint32 quotaCalls,
        ISharingAgreements.Period quotaPeriod
    ) external returns (uint256 grantId) {
        bytes32 consumer = _consortium.activeDepartmentOf(msg.sender);
        if (consumer == bytes32(0)) revert GrantsUnauthorizedAccount(msg.sender, Roles.MEMBER);
        ISharingAgreements.Agreement memory a = _agreements.agreement(agreementId);
        // Every stored agreement has a lead consumer; an unknown id reads as all zero.
        if (a.consumer == bytes32(0)) revert GrantsUnknownAgreement(agreementId);
        if (!_isConsumer(a, consumer)) revert GrantsNotConsumer(agreementId, consumer);
        if (a.status != ISharingAgreements.AgreementStatus.Active || block.timestamp >= a.validUntil) {
            revert GrantsAgreementNotActive(agreementId, _agreements.agreementStatus(agreementId));
        }
        if (grantee == address(0)) revert GrantsInvalidGrantee();
        if (fieldMask == 0 || fieldMask & ~a.fieldMask != 0) revert GrantsInvalidFieldMask(fieldMask, a.fieldMask);
        if (expiresAt == 0) expiresAt = a.validUntil;
        if (expiresAt <= block.timestamp || expiresAt > a.validUntil) {
            revert GrantsInvalidExpiry(expiresAt, a.validUntil);
        }
        ISharingAgreements.Quota memory quota = ISharingAgreements.Quota(quotaCalls, quotaPeriod);
        _checkQuota(quota, a.quota);

        // Ids start at 1; 2**256 grants cannot be made.
        unchecked {
            grantId = ++_grantCount;
        }
        _grants[grantId] = Grant({
            agreementId: agreementId,
            consumer: consumer,
            fieldMask: fieldMask,
            grantee: grantee,
            expiresAt: expiresAt,
            status: GrantStatus.Active,
            pausedBy: Party.None,
            quota: quota
        });
        emit GrantIssued(grantId, agreementId, consumer, grantee, fieldMask, expiresAt, quota);
    }

    /// @inheritdoc IGrants
    function pause(uint256 grantId) external {
        Grant storage g = _grantOf(grantId);
        (bytes32 actor, bool byCouncil) = _authorize(g);
        _requireStatus(grantId, g, GrantStatus.Active);
        Party pausedBy = byCouncil ? Party.Council : (actor == g.consumer ? Party.Consumer : Party.Provider);
        g.status = GrantStatus.Paused;
        g.pausedBy = pausedBy;
        emit GrantPaused(grantId, g.agreementId, actor, byCouncil, pausedBy);
    }

    /// @inheritdoc IGrants
    function resume(uint256 grantId) external {
        Grant storage g = _grantOf(grantId);
        (bytes32 actor, bool byCouncil) = _authorize(g);
        _requireStatus(grantId, g, GrantStatus.Paused);
        Party pausedBy = g.pausedBy;
        if (!byCouncil) _requirePauser(g, pausedBy, actor);
        g.status = GrantStatus.Active;
        g.pausedBy = Party.None;
        emit GrantResumed(grantId, g.agreementId, actor, byCouncil, pausedBy);
    }

    /// @inheritdoc IGrants
    function revoke(uint256 grantId) external {
        Grant storage g = _grantOf(grantId);
        (bytes32 actor, bool byCouncil) = _authorize(g);
        GrantStatus status = g.status;
        if (status == GrantStatus.Revoked) revert GrantsInvalidStatus(grantId, status);
        g.status = GrantStatus.Revoked;
        emit GrantRevoked(grantId, g.agreementId, actor, byCouncil);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IGrants
    function checkGrant(uint256 grantId) external view returns (GrantCheck reason) {
        return _check(grantId, address(0), false);
    }

    /// @inheritdoc IGrants
    function checkGrantFor(uint256 grantId, address account) external view returns (GrantCheck reason) {
        return _check(grantId, account, true);
    }

    /// @inheritdoc IGrants
    function grant(uint256 grantId) external view returns (Grant memory) {
        return _grants[grantId];
    }

    /// @inheritdoc IGrants
    function grantCount() external view returns (uint256) {
        return _grantCount;
    }

    /// @inheritdoc IGrants
    function sharingAgreements() external view returns (ISharingAgreements) {
        return _agreements;
    }

    // ---------------------------------------------------------------- internals

    function _check(uint256 grantId, address account, bool checkOwner) private view returns (GrantCheck) {
        Grant storage g = _grants[grantId];
        address grantee = g.grantee;
        // Every stored grant has a non-zero grantee.
        if (grantee == address(0)) return GrantCheck.UnknownGrant;
        if (checkOwner && account != grantee) return GrantCheck.GrantNotOwned;
        GrantStatus status = g.status;
        if (status == GrantStatus.Revoked) return GrantCheck.GrantRevoked;
        if (status == GrantStatus.Paused) return GrantCheck.GrantPaused;
        ISharingAgreements.Agreement memory a = _agreements.agreement(g.agreementId);
        if (a.status != ISharingAgreements.AgreementStatus.Active) return GrantCheck.AgreementNotActive;
        if (block.timestamp < a.validFrom) return GrantCheck.AgreementNotStarted;
        if (block.timestamp >= a.validUntil) return GrantCheck.AgreementExpired;
        if (block.timestamp >= g.expiresAt) return GrantCheck.GrantExpired;
        if (!_consortium.isActive(g.consumer)) return GrantCheck.ConsumerSuspended;
        if (!_consortium.isActive(a.provider)) return GrantCheck.ProviderSuspended;
        return GrantCheck.Usable;
    }

    /// @dev The council (the Consortium contract), an operator of the grant's consumer, or one of the provider.
    function _authorize(Grant storage g) private view returns (bytes32 actor, bool byCouncil) {
        if (msg.sender == address(_consortium)) return (bytes32(0), true);
        actor = _consortium.activeDepartmentOf(msg.sender);
        bytes32 consumer = g.consumer;
        if (actor != bytes32(0) && (actor == consumer || actor == _agreements.agreement(g.agreementId).provider)) {
            return (actor, false);
        }
        revert GrantsUnauthorizedAccount(msg.sender, consumer);
    }

    /// @dev A department may lift only its own pause: the consumer's if it is the grant's consumer, the provider's
    /// otherwise (`_authorize` let only those two through).
    function _requirePauser(Grant storage g, Party pausedBy, bytes32 actor) private view {
        Party actingAs = actor == g.consumer ? Party.Consumer : Party.Provider;
        if (actingAs == pausedBy) return;
        if (pausedBy == Party.Council) revert GrantsUnauthorizedAccount(msg.sender, Roles.COUNCIL);
        bytes32 pauser = pausedBy == Party.Consumer ? g.consumer : _agreements.agreement(g.agreementId).provider;
        revert GrantsUnauthorizedAccount(msg.sender, pauser);
    }

    function _requireStatus(uint256 grantId, Grant storage g, GrantStatus needed) private view {
        GrantStatus status = g.status;
        if (status != needed) revert GrantsInvalidStatus(grantId, status);
    }

    function _grantOf(uint256 grantId) private view returns (Grant storage g) {
        g = _grants[grantId];
        if (g.grantee == address(0)) revert GrantsUnknownGrant(grantId);
    }

    function _isConsumer(ISharingAgreements.Agreement memory a, bytes32 dept) private pure returns (bool) {
        if (a.consumer == dept) return true;
        for (uint256 i = 0; i < a.coConsumers.length; ++i) {
            if (a.coConsumers[i] == dept) return true;
        }
        return false;
    }

    /// @dev A grant's quota must be consistent and, under a limited agreement, the same period with 1..calls calls.
    function _checkQuota(ISharingAgreements.Quota memory quota, ISharingAgreements.Quota memory allowed) private pure {
        bool consistent = (quota.per == ISharingAgreements.Period.None) == (quota.calls == 0);
        bool within =
            allowed.per == ISharingAgreements.Period.None || (quota.per == allowed.per && quota.calls <= allowed.calls);
        if (!consistent || !within) revert GrantsInvalidQuota(quota, allowed);
    }
}
