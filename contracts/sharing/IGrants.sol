// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISharingAgreements} from "./ISharingAgreements.sol";

/**
 * @title IGrants
 * @notice Operational credentials under an active sharing agreement: which consumer system account (the grantee) may
 * fetch which subset of the agreement's fields, until when and how often. A consumer department of the agreement
 * (the lead consumer or a co-consumer) issues a grant within the agreement's bounds; the provider, that consumer or
 * the council may pause or revoke it. A pause is lifted only by the party that imposed it or by the council: a
 * consumer cannot undo the pause the council or the provider put on its grant. `Revoked` is final; expiry is by time.
 *
 * `checkGrant` answers in one call whether a grant may be used now, and if not, why.
 */
interface IGrants {
    /// @notice Stored grant status. Expiry is computed by `checkGrant`.
    enum GrantStatus {
        Active,
        Paused,
        Revoked
    }

    /// @notice Who paused a grant (`None` while it is not paused). The council can lift any pause; a provider's or a
    /// consumer's pause can also be lifted by the same party.
    enum Party {
        None,
        Provider,
        Consumer,
        Council
    }

    /// @notice Why a grant may not be used now (`Usable` when it may). The checks run in this order, the first
    /// failing one is the answer: UnknownGrant, GrantNotOwned (`checkGrantFor` only), GrantRevoked, GrantPaused,
    /// AgreementNotActive (stored status not `Active`), AgreementNotStarted, AgreementExpired, GrantExpired,
    /// ConsumerSuspended (the grant's consumer), ProviderSuspended.
    enum GrantCheck {
        Usable,
        UnknownGrant,
        GrantPaused,
        GrantRevoked,
        GrantExpired,
        AgreementNotActive,
        AgreementNotStarted,
        AgreementExpired,
        ConsumerSuspended,
        ProviderSuspended,
        GrantNotOwned
    }

    /// @notice Stored grant. Five slots: 0 agreementId, 1 consumer, 2 fieldMask, 3 grantee + expiresAt + status +
    /// pausedBy (30 bytes), 4 quota.
    struct Grant {
        uint256 agreementId;
        bytes32 consumer; // the issuing consumer department (lead consumer or co-consumer of the agreement)
        uint256 fieldMask; // non-zero subset of the agreement's field mask
        address grantee; // the consumer's system account that may fetch
        uint64 expiresAt; // exclusive; no later than the agreement's validUntil
        GrantStatus status;
        Party pausedBy; // who imposed the current pause; `None` unless `status` is `Paused`
        ISharingAgreements.Quota quota; // no larger than the agreement's
    }

    // ---------------------------------------------------------------- errors

    /// @notice `account` may not do this; `needed` is the department it had to act for, or a `Roles` constant.
    /// For grant actions `needed` is the grant's consumer (the provider and the council may act too); for lifting a
    /// pause it is the department that paused the grant, or `Roles.COUNCIL` when the council did.
    error GrantsUnauthorizedAccount(address account, bytes32 needed);
    /// @notice The agreement id does not exist.
    error GrantsUnknownAgreement(uint256 agreementId);
    /// @notice The agreement is not active (its effective status is `status`).
    error GrantsAgreementNotActive(uint256 agreementId, ISharingAgreements.AgreementStatus status);
    /// @notice The caller's department is neither the lead consumer nor a co-consumer of the agreement.
    error GrantsNotConsumer(uint256 agreementId, bytes32 departmentId);
    /// @notice The grantee is the zero address.
    error GrantsInvalidGrantee();
    /// @notice The field mask is zero or not a subset of the agreement's `allowed` mask.
    error GrantsInvalidFieldMask(uint256 fieldMask, uint256 allowed);
    /// @notice The expiry is not in the future or later than the agreement's `validUntil`.
    error GrantsInvalidExpiry(uint64 expiresAt, uint64 validUntil);
    /// @notice The quota is inconsistent or larger than the agreement's `allowed` quota.
    error GrantsInvalidQuota(ISharingAgreements.Quota quota, ISharingAgreements.Quota allowed);
    /// @notice The grant id does not exist.
    error GrantsUnknownGrant(uint256 grantId);
    /// @notice The action is not allowed in the grant's status.
    error GrantsInvalidStatus(uint256 grantId, GrantStatus status);

    // ---------------------------------------------------------------- events

    /// @notice A grant was issued by `consumer` to `grantee`.
    event GrantIssued(
        uint256 indexed grantId,
        uint256 indexed agreementId,
        bytes32 indexed consumer,
        address grantee,
        uint256 fieldMask,
        uint64 expiresAt,
        ISharingAgreements.Quota quota
    );
    /// @notice A grant was paused. `actor` is the acting department, or zero when `byCouncil`; `pausedBy` says in which
    /// capacity it acted, and so who may lift the pause.
    event GrantPaused(
        uint256 indexed grantId,
        uint256 indexed agreementId,
        bytes32 indexed actor,
        bool byCouncil,
        Party pausedBy
    );
    /// @notice A grant was resumed. `actor` is the acting department, or zero when `byCouncil`; `pausedBy` is the party
    /// whose pause was lifted.
    event GrantResumed(
        uint256 indexed grantId,
        uint256 indexed agreementId,
        bytes32 indexed actor,
        bool byCouncil,
        Party pausedBy
    );
    /// @notice A grant was revoked for good. `actor` is the acting department, or zero when `byCouncil`.
    event GrantRevoked(uint256 indexed grantId, uint256 indexed agreementId, bytes32 indexed actor, bool byCouncil);

    // ---------------------------------------------------------------- actions

    /**
     * @notice Issues a grant under an active, unexpired agreement (it may not have started yet). Only an operator of
     * the lead consumer or of a co-consumer.
     * @param fieldMask non-zero subset of the agreement's field mask
     * @param expiresAt in the future and at most the agreement's `validUntil`; zero means the agreement's `validUntil`
     * @param quotaCalls with `quotaPeriod`: if the agreement's quota is limited, the same period and 1..its calls;
     * if unlimited, any consistent quota (`calls == 0` exactly when the period is `None`)
     * @return grantId the new grant's id (sequential from 1)
     */
    function issue(
        uint256 agreementId,
        address grantee,
        uint256 fieldMask,
        uint64 expiresAt,
        uint32 quotaCalls,
        ISharingAgreements.Period quotaPeriod
    ) external returns (uint256 grantId);

    /// @notice Pauses an active grant and records who paused it. Only an operator of the provider or of the grant's
    /// consumer, or the council.
    function pause(uint256 grantId) external;

    /// @notice Resumes a paused grant. Only the council, or an operator of the department that paused it (the
    /// provider or the grant's consumer); a pause by the council is lifted only by the council.
    function resume(uint256 grantId) external;

    /// @notice Revokes an active or paused grant for good. Only an operator of the provider or of the grant's
    /// consumer, or the council.
    function revoke(uint256 grantId) external;

    // ---------------------------------------------------------------- views

    /// @notice Whether the grant may be used now (`Usable`), and if not, the first failing check (see `GrantCheck`).
    function checkGrant(uint256 grantId) external view returns (GrantCheck reason);

    /// @notice As `checkGrant`, and `GrantNotOwned` when `account` is not the grantee.
    function checkGrantFor(uint256 grantId, address account) external view returns (GrantCheck reason);

    /// @notice The stored grant (all zero for an unknown id).
    function grant(uint256 grantId) external view returns (Grant memory);

    /// @notice Number of grants so far (the last id).
    function grantCount() external view returns (uint256);

    /// @notice The agreements contract the grants are issued under.
    function sharingAgreements() external view returns (ISharingAgreements);
}
