// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title ISharingAgreements
 * @notice Inter-departmental data-sharing agreements (府际服务契约): a lead consumer department (and optional
 * co-consumers) agree with the provider of a catalog resource on which data items, for which purpose, under which
 * legal basis, in which validity window and with which call quota the resource may be used.
 *
 * Life cycle (the resource's sharing class decides the start):
 * - Unconditional resource: the provider's approval is implied. Without co-consumers the agreement is `Active` at
 *   once; with co-consumers it stays `Requested` until every co-consumer has sealed it.
 * - Conditional resource: `Requested` until the provider approves (a direct call by its operator, or an EIP-712
 *   seal signed by its operator and submitted by anyone) or rejects it with a reason hash. Every co-consumer must
 *   seal too (directly or by EIP-712 seal); the agreement becomes `Active` when the provider's approval and all
 *   co-consumer seals are in. The reply deadline is the end (23:59:59 CST) of the council's number of working days
 *   ({IConsortium-replyDeadline}) after the day of the request, on the council's {IWorkingCalendar}; a request whose
 *   deadline needs a calendar year the council has not published reverts. Past the reply deadline without an answer,
 *   any member may escalate it to the council (`Escalated`); the council's decision (a call by the Consortium
 *   contract) counts as the provider's answer.
 * - Returned resource (回流, {IDataCatalog-setReturned}): for a lead consumer and co-consumers all below the provider
 *   (parent links and GB/T 2260 region), a conditional resource starts as an unconditional one does.
 * - Personal resource on a legal basis other than consent (statutory duty, contract, public interest): the request
 *   names a legal-reference hash ({requestWithLegalReference}) and needs the provider's approval, as a conditional
 *   one does, whatever the resource's sharing class. The basis must be one the catalog entry accepts.
 * - Not shareable resource: the request reverts.
 * - A request is answered by the provider (`approve`, or `reject` with a reason); once escalated, only the council
 *   decides it. The provider or the council may suspend an active agreement; a suspension by the council is lifted
 *   only by the council, one by the provider by the provider or the council. The provider or the council may
 *   terminate an active or suspended agreement, with a reason hash. `Rejected` and `Terminated` are final. Validity
 *   ends by time: `Expired` is never stored, the status views compute it.
 */
interface ISharingAgreements {
    /// @notice Legal basis of the use (PIPL Art. 13): consent, statutory duty, contract, public interest.
    enum LegalBasis {
        Consent,
        StatutoryDuty,
        Contract,
        PublicInterest
    }

    /// @notice Period of a call quota. `None` means unlimited (and then `calls` must be zero).
    enum Period {
        None,
        Minute,
        Hour,
        Day,
        Month
    }

    /// @notice Agreement status. `Expired` is never stored: `agreementStatus` reports it for an agreement that is not
    /// `Rejected` or `Terminated` once `block.timestamp >= validUntil`.
    enum AgreementStatus {
        Requested,
        Active,
        Rejected,
        Escalated,
        Suspended,
        Terminated,
        Expired
    }

    /// @notice At most `calls` calls per `per`; `Period.None` with `calls == 0` is unlimited. Fits in one slot.
    struct Quota {
        uint32 calls;
        Period per;
    }

    /// @notice What a lead consumer asks for. Together with the provider and the lead consumer these are the terms
    /// that seals sign (see `termsDigest`).
    struct AgreementRequest {
        bytes32 resourceId;
        bytes32[] coConsumers; // distinct active members, neither the provider nor the lead consumer; at most 16
        uint256 fieldMask; // non-zero subset of the resource's items
        bytes32 purpose; // purpose code, non-zero
        LegalBasis legalBasis;
        uint64 validFrom;
        uint64 validUntil; // exclusive; after validFrom and in the future
        Quota quota;
        bytes32 termsHash; // hash of the agreement's text, non-zero
    }

    /// @notice Stored agreement. Nine slots (plus one per co-consumer):
    /// 0 resourceId, 1 provider, 2 consumer, 3 fieldMask, 4 purpose, 5 termsHash,
    /// 6 validFrom + validUntil + replyDeadline + legalBasis + status + requiresConsent + providerApproved +
    /// pendingSeals + suspendedByCouncil (31 bytes), 7 quota, 8 coConsumers.
    struct Agreement {
        bytes32 resourceId;
        bytes32 provider;
        bytes32 consumer; // the lead consumer
        uint256 fieldMask;
        bytes32 purpose;
        bytes32 termsHash;
        uint64 validFrom;
        uint64 validUntil;
        uint64 replyDeadline; // end of the last working day to answer (WorkingCalendar); zero when no answer is needed
        LegalBasis legalBasis;
        AgreementStatus status; // stored status, never `Expired`
        bool requiresConsent; // personal resource and legal basis `Consent`
        bool providerApproved; // by the provider (or the council, or implied for an unconditional resource)
        uint16 pendingSeals; // bit i set while coConsumers[i] has not sealed
        bool suspendedByCouncil; // while `Suspended`: whether the council (not the provider) suspended it
        Quota quota;
        bytes32[] coConsumers;
    }

    // ---------------------------------------------------------------- errors

    /// @notice `account` may not do this; `needed` is the department it had to act for, or a `Roles` constant.
    error SharingUnauthorizedAccount(address account, bytes32 needed);
    /// @notice The resource is not in the catalog.
    error SharingUnknownResource(bytes32 resourceId);
    /// @notice The resource is retired.
    error SharingResourceRetired(bytes32 resourceId);
    /// @notice The resource is not shareable (不予共享).
    error SharingResourceNotShareable(bytes32 resourceId);
    /// @notice The lead consumer is the provider itself.
    error SharingConsumerIsProvider(bytes32 departmentId);
    /// @notice A co-consumer is not an active member, is the provider or the lead consumer, or is listed twice.
    error SharingInvalidCoConsumer(bytes32 departmentId);
    /// @notice More co-consumers than `max`.
    error SharingTooManyCoConsumers(uint256 count, uint256 max);
    /// @notice The field mask is zero or not a subset of `allowed`.
    error SharingInvalidFieldMask(uint256 fieldMask, uint256 allowed);
    /// @notice The purpose code is zero.
    error SharingInvalidPurpose();
    /// @notice The terms hash is zero.
    error SharingInvalidTermsHash();
    /// @notice `validUntil` is not after `validFrom`, or not in the future.
    error SharingInvalidWindow(uint64 validFrom, uint64 validUntil);
    /// @notice The quota is inconsistent: `calls` must be zero exactly when the period is `None`.
    error SharingInvalidQuota(uint32 calls, Period per);
    /// @notice The agreement id does not exist.
    error SharingUnknownAgreement(uint256 agreementId);
    /// @notice The action is not allowed in the agreement's current (effective) status.
    error SharingInvalidStatus(uint256 agreementId, AgreementStatus status);
    /// @notice The department already approved or sealed the agreement.
    error SharingAlreadySealed(uint256 agreementId, bytes32 departmentId);
    /// @notice The department is not a co-consumer of the agreement.
    error SharingNotCoConsumer(uint256 agreementId, bytes32 departmentId);
    /// @notice A reason hash is required.
    error SharingMissingReason(uint256 agreementId);
    /// @notice The reply deadline has not passed yet.
    error SharingReplyDeadlineNotReached(uint256 agreementId, uint64 replyDeadline);
    /// @notice The provider has already answered (or no answer was needed): nothing to escalate.
    error SharingNotEscalable(uint256 agreementId);
    /// @notice The resource's catalog entry does not accept agreements on this legal basis.
    error SharingLegalBasisNotAccepted(bytes32 resourceId, LegalBasis legalBasis);
    /// @notice A personal resource on a basis other than consent needs a legal-reference hash
    /// ({requestWithLegalReference}).
    error SharingLegalReferenceRequired(bytes32 resourceId, LegalBasis legalBasis);
    /// @notice The seal's deadline has passed.
    error SharingExpiredSignature(uint256 deadline);
    /// @notice The signature is not `signer`'s over the seal (wrong signer, domain, nonce or terms).
    error SharingInvalidSignature(address signer);

    // ---------------------------------------------------------------- events

    /// @notice An agreement was requested. `status` is `Active` when it started at once (unconditional resource
    /// without co-consumers), `Requested` otherwise.
    event AgreementRequested(
        uint256 indexed agreementId,
        bytes32 indexed resourceId,
        bytes32 indexed consumer,
        bytes32 provider,
        AgreementRequest terms,
        uint64 replyDeadline,
        bool requiresConsent,
        AgreementStatus status
    );
    /// @notice The lead consumer named the legal reference (hash of the statute, contract or decision) its request
    /// relies on; emitted right after {AgreementRequested}.
    event AgreementLegalReference(uint256 indexed agreementId, LegalBasis legalBasis, bytes32 legalReference);
    /// @notice A party sealed the agreement: the provider (its approval) or a co-consumer. `signer` is the operator
    /// account that called or signed.
    event AgreementSealed(
        uint256 indexed agreementId,
        bytes32 indexed departmentId,
        address indexed signer,
        bool viaSignature
    );
    /// @notice The provider's approval is in (by the provider itself or by the council).
    event AgreementApproved(uint256 indexed agreementId, bytes32 indexed provider, bool byCouncil);
    /// @notice The agreement became active.
    event AgreementActivated(uint256 indexed agreementId, bytes32 indexed resourceId, bytes32 indexed consumer);
    /// @notice The request was rejected (by the provider or the council) with a reason hash.
    event AgreementRejected(uint256 indexed agreementId, bytes32 indexed provider, bytes32 reasonHash, bool byCouncil);
    /// @notice A member escalated an unanswered request to the council.
    event AgreementEscalated(uint256 indexed agreementId, bytes32 indexed provider, bytes32 indexed escalatedBy);
    /// @notice The council decided an escalated request.
    event AgreementDecidedByCouncil(uint256 indexed agreementId, bool approved, bytes32 reasonHash);
    /// @notice The agreement was suspended. `actor` is the provider, or zero when `byCouncil`.
    event AgreementSuspended(uint256 indexed agreementId, bytes32 indexed actor, bool byCouncil);
    /// @notice The agreement was resumed. `actor` is the provider, or zero when `byCouncil`.
    event AgreementResumed(uint256 indexed agreementId, bytes32 indexed actor, bool byCouncil);
    /// @notice The agreement was terminated for good, for the reason whose hash is `reasonHash`. `actor` is the provider,
    /// or zero when `byCouncil`.
    event AgreementTerminated(uint256 indexed agreementId, bytes32 indexed actor, bool byCouncil, bytes32 reasonHash);

    // ---------------------------------------------------------------- requests and answers

    /**
     * @notice Requests an agreement for the caller's department (the lead consumer). Only an operator of an active
     * department.
     * @return agreementId the new agreement's id (sequential from 1)
     */
    function request(AgreementRequest calldata terms) external returns (uint256 agreementId);

    /**
     * @notice As {request}, naming the legal reference (a non-zero hash of the statute, contract or decision) the
     * request relies on; needed for a personal resource on a legal basis other than consent, and then the provider
     * must approve (the agreement starts `Requested` with a reply deadline, as for a conditional resource).
     * @return agreementId the new agreement's id
     */
    function requestWithLegalReference(
        AgreementRequest calldata terms,
        bytes32 legalReference
    ) external returns (uint256 agreementId);

    /// @notice Approves a requested agreement. Only an operator of the provider.
    function approve(uint256 agreementId) external;

    /**
     * @notice Approves a requested agreement with the provider's EIP-712 seal (`Seal` with `department` = the
     * provider). Anyone may submit it. `signer` must be an operator of the provider (EOA or ERC-1271 wallet).
     */
    function approveWithSeal(uint256 agreementId, address signer, uint256 deadline, bytes calldata signature) external;

    /// @notice Rejects a requested agreement with a non-zero reason hash. Only an operator of the provider.
    function reject(uint256 agreementId, bytes32 reasonHash) external;

    /// @notice Seals a requested or escalated agreement for the caller's department. Only an operator of a
    /// co-consumer.
    function seal(uint256 agreementId) external;

    /**
     * @notice Seals a requested or escalated agreement for co-consumer `department` with an EIP-712 seal signed by
     * `signer`, an operator of that department. Anyone may submit it.
     */
    function sealWithSignature(
        uint256 agreementId,
        bytes32 department,
        address signer,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Escalates a requested agreement the provider has not answered by its reply deadline to the council.
    /// Only an operator of an active department, strictly after the reply deadline.
    function escalate(uint256 agreementId) external;

    /**
     * @notice The council's decision on an escalated agreement. Only the Consortium contract (a council `Call`
     * proposal). Approval counts as the provider's approval (co-consumer seals are still needed); rejection needs a
     * non-zero reason hash.
     */
    function councilDecide(uint256 agreementId, bool approved, bytes32 reasonHash) external;

    // ---------------------------------------------------------------- supervision

    /// @notice Suspends an active agreement and records whether the council did. Only an operator of the provider, or
    /// the council.
    function suspend(uint256 agreementId) external;

    /// @notice Resumes a suspended agreement. The council always may; an operator of the provider only if the
    /// provider suspended it (`SharingUnauthorizedAccount(account, Roles.COUNCIL)` otherwise).
    function resume(uint256 agreementId) external;

    /// @notice Terminates an active or suspended agreement for good, with a non-zero reason hash. Only an operator of
    /// the provider, or the council. A request is answered by `reject`; an escalated one by the council's decision.
    function terminate(uint256 agreementId, bytes32 reasonHash) external;

    // ---------------------------------------------------------------- views

    /// @notice The stored agreement (all zero for an unknown id; its `status` is never `Expired`).
    function agreement(uint256 agreementId) external view returns (Agreement memory);

    /// @notice The agreement's effective status now, `Expired` included. Reverts for an unknown id.
    function agreementStatus(uint256 agreementId) external view returns (AgreementStatus);

    /// @notice Number of agreements so far (the last id).
    function agreementCount() external view returns (uint256);

    /// @notice The hash of the agreement's terms that seals sign:
    /// `keccak256(abi.encode(provider, consumer, AgreementRequest))`. Reverts for an unknown id.
    function termsDigest(uint256 agreementId) external view returns (bytes32);

    /// @notice The next seal nonce of `signer`.
    function nonces(address signer) external view returns (uint256);

    /// @notice `keccak256("Seal(uint256 agreementId,bytes32 department,bytes32 termsDigest,uint256 nonce,uint256 deadline)")`.
    // solhint-disable-next-line func-name-mixedcase
    function SEAL_TYPEHASH() external view returns (bytes32);

    /// @notice Maximum number of co-consumers of one agreement.
    // solhint-disable-next-line func-name-mixedcase
    function MAX_CO_CONSUMERS() external view returns (uint256);

    /// @notice The EIP-712 domain separator (name "Kuajie SharingAgreements", version "1").
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);
}
