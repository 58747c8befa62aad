// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IConsortium} from "../consortium/IConsortium.sol";
import {IDataCatalog} from "../catalog/IDataCatalog.sol";
import {IWorkingCalendar} from "../calendar/IWorkingCalendar.sol";
import {Roles} from "../libraries/Roles.sol";
import {ISharingAgreements} from "./ISharingAgreements.sol";

/**
 * @title SharingAgreements
 * @notice Agreements between a provider department and consumer departments on a catalog resource. See
 * {ISharingAgreements} for the life cycle; grants under active agreements live in {Grants}.
 */
contract SharingAgreements is ISharingAgreements, EIP712, Nonces {
    /// @inheritdoc ISharingAgreements
    bytes32 public constant SEAL_TYPEHASH = keccak256(
        "Seal(uint256 agreementId,bytes32 department,bytes32 termsDigest,uint256 nonce,uint256 deadline)"
    );

    /// @inheritdoc ISharingAgreements
    uint256 public constant MAX_CO_CONSUMERS = 16; // the width of `Agreement.pendingSeals`

    /// @dev Parent links from a department up to one above it: central, province, city, county, township are five
    /// levels, so a department is at most four links below another.
    uint256 private constant _MAX_LINKS_BELOW = 4;

    IConsortium private immutable _consortium;
    IDataCatalog private immutable _catalog;
    IWorkingCalendar private immutable _calendar;

    mapping(uint256 agreementId => Agreement) private _agreements;
    uint256 private _agreementCount;

    constructor(
        IConsortium consortium_,
        IDataCatalog catalog_,
        IWorkingCalendar calendar_
    ) EIP712("Kuajie SharingAgreements", "1") {
        _consortium = consortium_;
        _catalog = catalog_;
        _calendar = calendar_;
    }

    // ---------------------------------------------------------------- requests and answers

    /// @inheritdoc ISharingAgreements
    function request(AgreementRequest calldata terms) external returns (uint256 agreementId) {
        return _request(terms, bytes32(0));
    }

    /// @inheritdoc ISharingAgreements
    function requestWithLegalReference(
        AgreementRequest calldata terms,
        bytes32 legalReference
    ) external returns (uint256 agreementId) {
        return _request(terms, legalReference);
    }

    /// @inheritdoc ISharingAgreements
    function approve(uint256 agreementId) external {
        Agreement storage a = _agreementOf(agreementId);
        bytes32 provider = a.provider;
        if (_consortium.activeDepartmentOf(msg.sender) != provider) {
            revert SharingUnauthorizedAccount(msg.sender, provider);
        }
        _approve(agreementId, a, provider, msg.sender, false);
    }

    /// @inheritdoc ISharingAgreements
    function approveWithSeal(uint256 agreementId, address signer, uint256 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert SharingExpiredSignature(deadline);
        Agreement storage a = _agreementOf(agreementId);
        bytes32 provider = a.provider;
        _verifySeal(agreementId, a, provider, signer, deadline, signature);
        _approve(agreementId, a, provider, signer, true);
    }

    /// @inheritdoc ISharingAgreements
    function reject(uint256 agreementId, bytes32 reasonHash) external {
        Agreement storage a = _agreementOf(agreementId);
        bytes32 provider = a.provider;
        if (_consortium.activeDepartmentOf(msg.sender) != provider) {
            revert SharingUnauthorizedAccount(msg.sender, provider);
        }
        if (reasonHash == bytes32(0)) revert SharingMissingReason(agreementId);
        _requireStatus(agreementId, a, AgreementStatus.Requested);
        if (a.providerApproved) revert SharingAlreadySealed(agreementId, provider);
        a.status = AgreementStatus.Rejected;
        emit AgreementRejected(agreementId, provider, reasonHash, false);
    }

    /// @inheritdoc ISharingAgreements
    function seal(uint256 agreementId) external {
        Agreement storage a = _agreementOf(agreementId);
        bytes32 dept = _consortium.activeDepartmentOf(msg.sender);
        if (dept == bytes32(0)) revert SharingUnauthorizedAccount(msg.sender, Roles.MEMBER);
        _seal(agreementId, a, dept, msg.sender, false);
    }

    /// @inheritdoc ISharingAgreements
    function sealWithSignature(
        uint256 agreementId,
        bytes32 department,
        address signer,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert SharingExpiredSignature(deadline);
        Agreement storage a = _agreementOf(agreementId);
        _verifySeal(agreementId, a, department, signer, deadline, signature);
        _seal(agreementId, a, department, signer, true);
    }

    /// @inheritdoc ISharingAgreements
    function escalate(uint256 agreementId) external {
        Agreement storage a = _agreementOf(agreementId);
        bytes32 dept = _consortium.activeDepartmentOf(msg.sender);
        if (dept == bytes32(0)) revert SharingUnauthorizedAccount(msg.sender, Roles.MEMBER);
        _requireStatus(agreementId, a, AgreementStatus.Requested);
        if (a.providerApproved) revert SharingNotEscalable(agreementId);
        uint64 replyDeadline = a.replyDeadline;
        if (block.timestamp <= replyDeadline) revert SharingReplyDeadlineNotReached(agreementId, replyDeadline);
        a.status = AgreementStatus.Escalated;
        emit AgreementEscalated(agreementId, a.provider, dept);
    }

    /// @inheritdoc ISharingAgreements
    function councilDecide(uint256 agreementId, bool approved, bytes32 reasonHash) external {
        if (msg.sender != address(_consortium)) revert SharingUnauthorizedAccount(msg.sender, Roles.COUNCIL);
        Agreement storage a = _agreementOf(agreementId);
        _requireStatus(agreementId, a, AgreementStatus.Escalated);
        if (!approved && reasonHash == bytes32(0)) revert SharingMissingReason(agreementId);
        if (approved) {
            a.providerApproved = true;
            bool active = a.pendingSeals == 0;
            a.status = active ? AgreementStatus.Active : AgreementStatus.Requested;
            emit AgreementDecidedByCouncil(agreementId, true, reasonHash);
            emit AgreementApproved(agreementId, a.provider, true);
            if (active) emit AgreementActivated(agreementId, a.resourceId, a.consumer);
        } else {
            a.status = AgreementStatus.Rejected;
            emit AgreementDecidedByCouncil(agreementId, false, reasonHash);
            emit AgreementRejected(agreementId, a.provider, reasonHash, true);
        }
    }

    // ---------------------------------------------------------------- supervision

    /// @inheritdoc ISharingAgreements
    function suspend(uint256 agreementId) external {
        Agreement storage a = _agreementOf(agreementId);
        (bytes32 actor, bool byCouncil) = _providerOrCouncil(a);
        _requireStatus(agreementId, a, AgreementStatus.Active);
        a.status = AgreementStatus.Suspended;
        a.suspendedByCouncil = byCouncil;
        emit AgreementSuspended(agreementId, actor, byCouncil);
    }

    /// @inheritdoc ISharingAgreements
    function resume(uint256 agreementId) external {
        Agreement storage a = _agreementOf(agreementId);
        (bytes32 actor, bool byCouncil) = _providerOrCouncil(a);
        _requireStatus(agreementId, a, AgreementStatus.Suspended);
        // The provider may not lift the council's suspension.
        if (a.suspendedByCouncil && !byCouncil) revert SharingUnauthorizedAccount(msg.sender, Roles.COUNCIL);
        a.status = AgreementStatus.Active;
        a.suspendedByCouncil = false;
        emit AgreementResumed(agreementId, actor, byCouncil);
    }

    /// @inheritdoc ISharingAgreements
    function terminate(uint256 agreementId, bytes32 reasonHash) external {
        Agreement storage a = _agreementOf(agreementId);
        (bytes32 actor, bool byCouncil) = _providerOrCouncil(a);
        if (reasonHash == bytes32(0)) revert SharingMissingReason(agreementId);
        AgreementStatus status = _effectiveStatus(a);
        // A request is answered by reject and an escalated one by the council's decision, never pre-empted here.
        if (status != AgreementStatus.Active && status != AgreementStatus.Suspended) {
            revert SharingInvalidStatus(agreementId, status);
        }
        a.status = AgreementStatus.Terminated;
        emit AgreementTerminated(agreementId, actor, byCouncil, reasonHash);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISharingAgreements
    function agreement(uint256 agreementId) external view returns (Agreement memory) {
        return _agreements[agreementId];
    }

    /// @inheritdoc ISharingAgreements
    function agreementStatus(uint256 agreementId) external view returns (AgreementStatus) {
        return _effectiveStatus(_agreementOf(agreementId));
    }

    /// @inheritdoc ISharingAgreements
    function agreementCount() external view returns (uint256) {
        return _agreementCount;
    }

    /// @inheritdoc ISharingAgreements
    function termsDigest(uint256 agreementId) external view returns (bytes32) {
        return _termsDigest(_agreementOf(agreementId));
    }

    /// @inheritdoc ISharingAgreements
    function nonces(address signer) public view override(ISharingAgreements, Nonces) returns (uint256) {
        return super.nonces(signer);
    }

    /// @inheritdoc ISharingAgreements
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- internals

    function _request(AgreementRequest calldata terms, bytes32 legalReference) private returns (uint256 agreementId) {
        bytes32 consumer = _consortium.activeDepartmentOf(msg.sender);
        if (consumer == bytes32(0)) revert SharingUnauthorizedAccount(msg.sender, Roles.MEMBER);
        IDataCatalog.Resource memory res = _checkResource(terms.resourceId);
        _checkTerms(terms, res.provider, consumer);
        bool byLaw = _checkLegalBasis(terms, res, legalReference);

        // Ids start at 1; 2**256 agreements cannot be made.
        unchecked {
            agreementId = ++_agreementCount;
        }
        bool conditional =
            byLaw ||
                (res.shareType == IDataCatalog.ShareType.Conditional && !_returnedTo(terms, res.provider, consumer));
        (AgreementStatus status, uint64 replyDeadline) = _store(
            agreementId,
            terms,
            res.provider,
            consumer,
            conditional
        );
        bool requiresConsent = res.personal && !byLaw;
        _agreements[agreementId].requiresConsent = requiresConsent;

        emit AgreementRequested(
            agreementId,
            terms.resourceId,
            consumer,
            res.provider,
            terms,
            replyDeadline,
            requiresConsent,
            status
        );
        if (legalReference != bytes32(0)) emit AgreementLegalReference(agreementId, terms.legalBasis, legalReference);
        if (status == AgreementStatus.Active) emit AgreementActivated(agreementId, terms.resourceId, consumer);
    }

    /// @dev Whether the request uses personal data on a basis other than consent ("by law"), after checking that the
    /// catalog entry accepts the basis and that a by-law request names its legal reference. Nobody but the provider
    /// can check such a basis, so a by-law request needs the provider's approval.
    function _checkLegalBasis(
        AgreementRequest calldata terms,
        IDataCatalog.Resource memory res,
        bytes32 legalReference
    ) private pure returns (bool byLaw) {
        LegalBasis basis = terms.legalBasis;
        if ((res.acceptedBases >> uint8(basis)) & 1 == 0) revert SharingLegalBasisNotAccepted(terms.resourceId, basis);
        byLaw = res.personal && basis != LegalBasis.Consent;
        if (byLaw && legalReference == bytes32(0)) revert SharingLegalReferenceRequired(terms.resourceId, basis);
    }

    /// @dev Whether the resource is returned (回流) to every consumer of the request: marked so in the catalog, and the
    /// lead consumer and each co-consumer below the provider.
    function _returnedTo(
        AgreementRequest calldata terms,
        bytes32 provider,
        bytes32 consumer
    ) private view returns (bool) {
        if (!_catalog.isReturned(terms.resourceId)) return false;
        IConsortium.Department memory above = _consortium.department(provider);
        if (!_isBelow(above, provider, consumer)) return false;
        bytes32[] calldata co = terms.coConsumers;
        for (uint256 i = 0; i < co.length; ++i) {
            if (!_isBelow(above, provider, co[i])) return false;
        }
        return true;
    }

    /// @dev Whether `departmentId` is below `provider`: reached from it by parent links, and with a GB/T 2260 region
    /// code inside the provider's (a province `XX0000` holds `XX....`, a city `XXYY00` holds `XXYY..`).
    function _isBelow(
        IConsortium.Department memory above,
        bytes32 provider,
        bytes32 departmentId
    ) private view returns (bool) {
        IConsortium.Department memory d = _consortium.department(departmentId);
        uint32 region = above.regionCode;
        uint32 scale = region % 10000 == 0 ? 10000 : (region % 100 == 0 ? 100 : 1);
        if (d.regionCode / scale != region / scale) return false;
        bytes32 parent = d.parent;
        for (uint256 link = 0; link < _MAX_LINKS_BELOW && parent != bytes32(0); ++link) {
            if (parent == provider) return true;
            parent = _consortium.department(parent).parent;
        }
        return false;
    }

    /// @dev Stores a new agreement, `Active` at once only when no answer and no seal is needed.
    function _store(
        uint256 agreementId,
        AgreementRequest calldata terms,
        bytes32 provider,
        bytes32 consumer,
        bool conditional
    ) private returns (AgreementStatus status, uint64 replyDeadline) {
        uint16 pendingSeals = uint16((1 << terms.coConsumers.length) - 1); // length <= 16, checked above
        status = (!conditional && pendingSeals == 0) ? AgreementStatus.Active : AgreementStatus.Requested;
        replyDeadline = conditional ? _replyDeadlineFromNow() : 0;
        Agreement storage a = _agreements[agreementId];
        a.resourceId = terms.resourceId;
        a.provider = provider;
        a.consumer = consumer;
        a.fieldMask = terms.fieldMask;
        a.purpose = terms.purpose;
        a.termsHash = terms.termsHash;
        a.validFrom = terms.validFrom;
        a.validUntil = terms.validUntil;
        a.replyDeadline = replyDeadline;
        a.legalBasis = terms.legalBasis;
        a.status = status;
        a.providerApproved = !conditional;
        a.pendingSeals = pendingSeals;
        a.quota = terms.quota;
        if (pendingSeals != 0) a.coConsumers = terms.coConsumers;
    }

    /// @dev The end of the council's number of working days after today (CST). A calendar year the council has not
    /// published reverts the request (`WorkingCalendarYearNotPublished`): a deadline nobody can compute is not set.
    function _replyDeadlineFromNow() private view returns (uint64) {
        // The Consortium bounds the setting to 1..250 working days, inside uint16.
        uint16 workingDays = uint16(_consortium.replyDeadline());
        return _calendar.deadlineAfter(uint64(block.timestamp), workingDays);
    }

    function _checkResource(bytes32 resourceId) private view returns (IDataCatalog.Resource memory res) {
        res = _catalog.resource(resourceId);
        if (res.status == IDataCatalog.ResourceStatus.None) revert SharingUnknownResource(resourceId);
        if (res.status == IDataCatalog.ResourceStatus.Retired) revert SharingResourceRetired(resourceId);
        if (res.shareType == IDataCatalog.ShareType.NotShareable) revert SharingResourceNotShareable(resourceId);
    }

    function _checkTerms(AgreementRequest calldata terms, bytes32 provider, bytes32 consumer) private view {
        if (consumer == provider) revert SharingConsumerIsProvider(consumer);
        uint256 allowed = _catalog.fullMask(terms.resourceId);
        if (terms.fieldMask == 0 || terms.fieldMask & ~allowed != 0) {
            revert SharingInvalidFieldMask(terms.fieldMask, allowed);
        }
        if (terms.purpose == bytes32(0)) revert SharingInvalidPurpose();
        if (terms.termsHash == bytes32(0)) revert SharingInvalidTermsHash();
        if (terms.validUntil <= terms.validFrom || terms.validUntil <= block.timestamp) {
            revert SharingInvalidWindow(terms.validFrom, terms.validUntil);
        }
        if ((terms.quota.per == Period.None) != (terms.quota.calls == 0)) {
            revert SharingInvalidQuota(terms.quota.calls, terms.quota.per);
        }
        bytes32[] calldata co = terms.coConsumers;
        if (co.length > MAX_CO_CONSUMERS) revert SharingTooManyCoConsumers(co.length, MAX_CO_CONSUMERS);
        for (uint256 i = 0; i < co.length; ++i) {
            bytes32 dept = co[i];
            if (dept == provider || dept == consumer || !_consortium.isActive(dept)) {
                revert SharingInvalidCoConsumer(dept);
            }
            for (uint256 j = 0; j < i; ++j) {
                if (co[j] == dept) revert SharingInvalidCoConsumer(dept);
            }
        }
    }

    /// @dev The provider's approval: needs a `Requested` agreement the provider has not approved yet.
    function _approve(uint256 agreementId, Agreement storage a, bytes32 provider, address signer, bool viaSig) private {
        _requireStatus(agreementId, a, AgreementStatus.Requested);
        if (a.providerApproved) revert SharingAlreadySealed(agreementId, provider);
        a.providerApproved = true;
        bool active = a.pendingSeals == 0;
        if (active) a.status = AgreementStatus.Active;
        emit AgreementSealed(agreementId, provider, signer, viaSig);
        emit AgreementApproved(agreementId, provider, false);
        if (active) emit AgreementActivated(agreementId, a.resourceId, a.consumer);
    }

    /// @dev A co-consumer's seal: needs a `Requested` or `Escalated` agreement it has not sealed yet.
    function _seal(uint256 agreementId, Agreement storage a, bytes32 dept, address signer, bool viaSig) private {
        AgreementStatus status = _effectiveStatus(a);
        if (status != AgreementStatus.Requested && status != AgreementStatus.Escalated) {
            revert SharingInvalidStatus(agreementId, status);
        }
        uint16 bit = _coConsumerBit(agreementId, a, dept);
        uint16 pending = a.pendingSeals;
        if (pending & bit == 0) revert SharingAlreadySealed(agreementId, dept);
        pending &= ~bit;
        a.pendingSeals = pending;
        bool active = pending == 0 && a.providerApproved;
        if (active) a.status = AgreementStatus.Active;
        emit AgreementSealed(agreementId, dept, signer, viaSig);
        if (active) emit AgreementActivated(agreementId, a.resourceId, a.consumer);
    }

    function _coConsumerBit(uint256 agreementId, Agreement storage a, bytes32 dept) private view returns (uint16) {
        bytes32[] storage co = a.coConsumers;
        uint256 n = co.length;
        for (uint256 i = 0; i < n; ++i) {
            if (co[i] == dept) return uint16(1 << i);
        }
        revert SharingNotCoConsumer(agreementId, dept);
    }

    /// @dev ERC-2612 order: the caller checked the deadline; the nonce is consumed while hashing, then the signature
    /// is checked, then that the signer acts for `department`.
    function _verifySeal(
        uint256 agreementId,
        Agreement storage a,
        bytes32 department,
        address signer,
        uint256 deadline,
        bytes calldata signature
    ) private {
        bytes32 structHash = keccak256(
            abi.encode(SEAL_TYPEHASH, agreementId, department, _termsDigest(a), _useNonce(signer), deadline)
        );
        if (!SignatureChecker.isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature)) {
            revert SharingInvalidSignature(signer);
        }
        if (_consortium.activeDepartmentOf(signer) != department) {
            revert SharingUnauthorizedAccount(signer, department);
        }
    }

    function _providerOrCouncil(Agreement storage a) private view returns (bytes32 actor, bool byCouncil) {
        if (msg.sender == address(_consortium)) return (bytes32(0), true);
        actor = a.provider;
        if (_consortium.activeDepartmentOf(msg.sender) != actor) revert SharingUnauthorizedAccount(msg.sender, actor);
    }

    function _requireStatus(uint256 agreementId, Agreement storage a, AgreementStatus needed) private view {
        AgreementStatus status = _effectiveStatus(a);
        if (status != needed) revert SharingInvalidStatus(agreementId, status);
    }

    function _effectiveStatus(Agreement storage a) private view returns (AgreementStatus status) {
        status = a.status;
        if (
            status != AgreementStatus.Rejected &&
            status != AgreementStatus.Terminated &&
            block.timestamp >= a.validUntil
        ) {
            status = AgreementStatus.Expired;
        }
    }

    function _agreementOf(uint256 agreementId) private view returns (Agreement storage a) {
        a = _agreements[agreementId];
        // Every stored agreement has a lead consumer (an active department at request time).
        if (a.consumer == bytes32(0)) revert SharingUnknownAgreement(agreementId);
    }

    function _termsDigest(Agreement storage a) private view returns (bytes32) {
        AgreementRequest memory terms = AgreementRequest({
            resourceId: a.resourceId,
            coConsumers: a.coConsumers,
            fieldMask: a.fieldMask,
            purpose: a.purpose,
            legalBasis: a.legalBasis,
            validFrom: a.validFrom,
            validUntil: a.validUntil,
            quota: a.quota,
            termsHash: a.termsHash
        });
        return keccak256(abi.encode(a.provider, a.consumer, terms));
    }
}
