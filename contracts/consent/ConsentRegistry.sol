// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IConsortium} from "../consortium/IConsortium.sol";
import {Roles} from "../libraries/Roles.sol";
import {IConsentRegistry} from "./IConsentRegistry.sol";

/**
 * @title ConsentRegistry
 * @notice See {IConsentRegistry}. Storage is one slot per consent key (gas: recording a consent is dominated by that
 * one fresh slot and its event); the terms that no rule on chain reads (resource, purpose, evidence, full recorder
 * id) live only in {ConsentRecorded}.
 */
contract ConsentRegistry is IConsentRegistry, EIP712, Nonces {
    /// @inheritdoc IConsentRegistry
    bytes32 public constant CONSENT_TYPEHASH = keccak256(
        "Consent(bytes32 subjectRef,bytes32 recipient,bytes32 resourceId,bytes32 purpose,bool separate,uint64 validFrom,uint64 validUntil,uint256 nonce,uint256 deadline)"
    );

    /// @inheritdoc IConsentRegistry
    bytes32 public constant WITHDRAWAL_TYPEHASH = keccak256(
        "Withdrawal(bytes32 consentId,uint256 nonce,uint256 deadline)"
    );

    /// @inheritdoc IConsentRegistry
    bytes32 public constant KEY_ROTATION_TYPEHASH = keccak256(
        "SubjectKeyRotation(bytes32 subjectRef,address newKey,uint256 nonce,uint256 deadline)"
    );

    // Bit offsets of the fields of a packed {IConsentRegistry-ConsentRecord} (Solidity packs struct fields from the
    // low-order end of the slot, in declaration order).
    uint256 private constant _VALID_UNTIL_SHIFT = 40;
    uint256 private constant _STATUS_SHIFT = 80;
    uint256 private constant _SEPARATE_SHIFT = 88;
    uint256 private constant _EVIDENCE_KIND_SHIFT = 96;
    uint256 private constant _SERIAL_SHIFT = 104;
    uint256 private constant _RECORDER_SHIFT = 136;
    // Above the 232 bits of a record: never stored, only carried from {_record} to {_emitRecorded}.
    uint256 private constant _AFTER_WITHDRAWAL_SHIFT = 255;
    uint256 private constant _AFTER_WITHDRAWAL_FLAG = uint256(1) << _AFTER_WITHDRAWAL_SHIFT;

    IConsortium private immutable _consortium;

    /**
     * @dev The current consent of each key, one slot each (layout in {IConsentRegistry-ConsentRecord}), addressed by
     * `keyHash = keccak256(abi.encode(subjectRef, recipient, resourceId, purpose))`.
     *
     * Only the low 96 bits of the recording department's id are kept, and {revoke} compares the caller's department
     * with them. That is safe: department ids are keccak256 hashes of unified social credit codes, so an operator of
     * another department could revoke only if its department's id had the same low 96 bits, a second pre-image on 96
     * bits (about 2^96 hashes, more than there are valid 18-character codes, and the council admits each department);
     * an accidental match among n honest departments has probability about n^2 / 2^97.
     */
    mapping(bytes32 keyHash => ConsentRecord) private _records;

    /// @dev The subject's signing key, bound on its first signed consent: the only key whose signatures count as the
    /// subject's (a fresh key per consent would otherwise make any department's own key "the subject's signature").
    mapping(bytes32 subjectRef => address key) private _subjectKeys;

    constructor(IConsortium consortium_) EIP712("Kuajie ConsentRegistry", "1") {
        _consortium = consortium_;
    }

    // ---------------------------------------------------------------- recording

    /// @inheritdoc IConsentRegistry
    function record(ConsentTerms calldata terms, bytes32 evidenceHash) external returns (bytes32 consentId) {
        (bytes32 recorder, bool recipientActive) = _recorderAndRecipient(terms.key.recipient);
        uint256 packedTerms = _validateTerms(terms);
        if (evidenceHash == 0) revert ConsentZeroEvidence();
        if (!recipientActive) revert ConsentInactiveRecipient(terms.key.recipient);
        consentId = _record(terms, packedTerms, recorder, EvidenceKind.RecordHash, evidenceHash);
    }

    /// @inheritdoc IConsentRegistry
    function recordBatch(ConsentInput[] calldata inputs) external returns (bytes32[] memory consentIds) {
        bytes32 recorder = _recordingDepartment();
        uint256 count = inputs.length;
        if (count == 0) revert ConsentEmptyBatch();
        consentIds = new bytes32[](count);
        // A counter's forms are mostly for one recipient: ask the consortium again only when the recipient changes.
        bytes32 checkedRecipient;
        for (uint256 i; i < count; ++i) {
            ConsentInput calldata input = inputs[i];
            uint256 packedTerms = _validateTerms(input.terms);
            if (input.evidenceHash == 0) revert ConsentZeroEvidence();
            bytes32 recipient = input.terms.key.recipient;
            if (recipient != checkedRecipient) {
                _requireActiveRecipient(recipient);
                checkedRecipient = recipient;
            }
            consentIds[i] = _record(input.terms, packedTerms, recorder, EvidenceKind.RecordHash, input.evidenceHash);
        }
    }

    /// @inheritdoc IConsentRegistry
    function recordWithSignature(
        ConsentTerms calldata terms,
        address signer,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes32 consentId) {
        if (block.timestamp > deadline) revert ConsentExpiredSignature(deadline);
        // `terms` is a static struct, so abi.encode lays its seven fields out flat, exactly as EIP-712 encodes the
        // flat `Consent` type.
        bytes32 structHash = keccak256(abi.encode(CONSENT_TYPEHASH, terms, _useNonce(signer), deadline));
        if (!SignatureChecker.isValidSignatureNowCalldata(signer, _hashTypedDataV4(structHash), signature)) {
            revert ConsentInvalidSignature(signer);
        }
        (bytes32 recorder, bool recipientActive) = _recorderAndRecipient(terms.key.recipient);
        uint256 packedTerms = _validateTerms(terms);
        if (!recipientActive) revert ConsentInactiveRecipient(terms.key.recipient);
        _bindOrCheckSubjectKey(terms.key.subjectRef, signer, recorder);
        consentId = _record(terms, packedTerms, recorder, EvidenceKind.Signature, bytes32(uint256(uint160(signer))));
    }

    // ---------------------------------------------------------------- ending a consent

    /// @inheritdoc IConsentRegistry
    function withdraw(ConsentKey calldata key, bytes32 evidenceHash) external {
        bytes32 department = _activeDepartmentOf(msg.sender);
        if (department == 0) revert ConsentUnauthorizedAccount(msg.sender, Roles.MEMBER);
        if (evidenceHash == 0) revert ConsentZeroEvidence();
        bytes32 consentId = _endActiveConsent(key, ConsentStatus.Withdrawn);
        emit ConsentWithdrawn(key.subjectRef, consentId, department, evidenceHash);
    }

    /// @inheritdoc IConsentRegistry
    function withdrawWithSignature(ConsentKey calldata key, uint256 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert ConsentExpiredSignature(deadline);
        bytes32 keyHash = _keyHash(key);
        (ConsentRecord storage current, bytes32 consentId) = _currentConsent(key, keyHash);
        // The signer is the subject's bound key, so the nonce to consume is known only once the key is read.
        address signer = _subjectKeys[key.subjectRef];
        if (signer == address(0)) revert ConsentNoSubjectKey(consentId);
        bytes32 structHash = keccak256(abi.encode(WITHDRAWAL_TYPEHASH, consentId, _useNonce(signer), deadline));
        if (!SignatureChecker.isValidSignatureNowCalldata(signer, _hashTypedDataV4(structHash), signature)) {
            revert ConsentInvalidSignature(signer);
        }
        _requireActive(current, consentId);
        current.status = ConsentStatus.Withdrawn;
        emit ConsentWithdrawn(key.subjectRef, consentId, 0, bytes32(uint256(uint160(signer))));
    }

    /// @inheritdoc IConsentRegistry
    function revoke(ConsentKey calldata key) external {
        bytes32 department = _activeDepartmentOf(msg.sender);
        bytes32 keyHash = _keyHash(key);
        (ConsentRecord storage current, bytes32 consentId) = _currentConsent(key, keyHash);
        uint96 recorder = current.recorder;
        // Comparing 96 bits is enough: see {_records}. A zero department (no active department) never matches.
        if (department == 0 || uint96(uint256(department)) != recorder) {
            revert ConsentUnauthorizedAccount(msg.sender, bytes32(uint256(recorder)));
        }
        _requireActive(current, consentId);
        current.status = ConsentStatus.Revoked;
        emit ConsentRevoked(key.subjectRef, consentId, department, false);
    }

    /// @inheritdoc IConsentRegistry
    function revokeByCouncil(ConsentKey calldata key) external {
        if (msg.sender != address(_consortium)) revert ConsentUnauthorizedAccount(msg.sender, Roles.COUNCIL);
        bytes32 consentId = _endActiveConsent(key, ConsentStatus.Revoked);
        emit ConsentRevoked(key.subjectRef, consentId, Roles.COUNCIL, true);
    }

    // ---------------------------------------------------------------- the subject's key

    /// @inheritdoc IConsentRegistry
    function rotateSubjectKey(bytes32 subjectRef, address newKey, uint256 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert ConsentExpiredSignature(deadline);
        address current = _subjectKeys[subjectRef];
        if (current == address(0)) revert ConsentNoSubjectKeyBound(subjectRef);
        bytes32 structHash = keccak256(
            abi.encode(KEY_ROTATION_TYPEHASH, subjectRef, newKey, _useNonce(current), deadline)
        );
        if (!SignatureChecker.isValidSignatureNowCalldata(current, _hashTypedDataV4(structHash), signature)) {
            revert ConsentInvalidSignature(current);
        }
        if (newKey == address(0)) revert ConsentZeroSubjectKey();
        _subjectKeys[subjectRef] = newKey;
        emit SubjectKeyChanged(subjectRef, current, newKey, false);
    }

    /// @inheritdoc IConsentRegistry
    function resetSubjectKey(bytes32 subjectRef, address newKey) external {
        if (msg.sender != address(_consortium)) revert ConsentUnauthorizedAccount(msg.sender, Roles.COUNCIL);
        address previous = _subjectKeys[subjectRef];
        _subjectKeys[subjectRef] = newKey;
        emit SubjectKeyChanged(subjectRef, previous, newKey, true);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IConsentRegistry
    function subjectKey(bytes32 subjectRef) external view returns (address) {
        return _subjectKeys[subjectRef];
    }

    /// @inheritdoc IConsentRegistry
    function activeConsent(
        bytes32 subjectRef,
        bytes32 recipient,
        bytes32 resourceId,
        bytes32 purpose
    ) external view returns (bool active, bytes32 consentId) {
        bytes32 keyHash = keccak256(abi.encode(subjectRef, recipient, resourceId, purpose));
        ConsentRecord memory stored = _records[keyHash];
        if (stored.serial == 0) return (false, 0);
        active =
            stored.status == ConsentStatus.Active &&
            stored.validFrom <= block.timestamp &&
            block.timestamp < stored.validUntil;
        consentId = _consentId(keyHash, stored.serial);
    }

    /// @inheritdoc IConsentRegistry
    function consent(
        bytes32 subjectRef,
        bytes32 recipient,
        bytes32 resourceId,
        bytes32 purpose
    ) external view returns (ConsentRecord memory stored, ConsentStatus status, bytes32 consentId) {
        bytes32 keyHash = keccak256(abi.encode(subjectRef, recipient, resourceId, purpose));
        stored = _records[keyHash];
        if (stored.serial != 0) {
            status = _statusNow(stored.status, stored.validUntil);
            consentId = _consentId(keyHash, stored.serial);
        }
    }

    /// @inheritdoc IConsentRegistry
    function computeConsentId(ConsentKey calldata key, uint32 serial) external pure returns (bytes32) {
        return _consentId(_keyHash(key), serial);
    }

    /// @inheritdoc IConsentRegistry
    function consortium() external view returns (address) {
        return address(_consortium);
    }

    /// @inheritdoc IConsentRegistry
    function nonces(address signer) public view override(IConsentRegistry, Nonces) returns (uint256) {
        return super.nonces(signer);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The caller's department, which must be an active member.
    function _recordingDepartment() private view returns (bytes32 department) {
        department = _activeDepartmentOf(msg.sender);
        if (department == 0) revert ConsentUnauthorizedAccount(msg.sender, Roles.MEMBER);
    }

    /// @dev `_consortium.activeDepartmentOf(account)` written out (the high-level call's encoding and decoding cost
    /// more than the call's own work): a revert is bubbled up, and a short answer reverts as the ABI decoder would.
    function _activeDepartmentOf(address account) private view returns (bytes32 department) {
        IConsortium consortium_ = _consortium;
        bytes4 selector = IConsortium.activeDepartmentOf.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            if iszero(staticcall(gas(), consortium_, ptr, 0x24, 0x00, 0x20)) {
                returndatacopy(ptr, 0x00, returndatasize())
                revert(ptr, returndatasize())
            }
            if lt(returndatasize(), 0x20) {
                revert(0x00, 0x00)
            }
            department := mload(0x00)
        }
    }

    /// @dev The caller's department, which must be an active member, and whether `recipient` is active: one call to
    /// the consortium instead of two.
    function _recorderAndRecipient(bytes32 recipient) private view returns (bytes32 recorder, bool recipientActive) {
        // `_consortium.activeDepartmentOfAndIsActive(msg.sender, recipient)` written out (the high-level call's
        // encoding and decoding cost more than the call's own work): a revert is bubbled up, and a short or malformed
        // answer reverts as the ABI decoder would.
        IConsortium consortium_ = _consortium;
        bytes4 selector = IConsortium.activeDepartmentOfAndIsActive.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), caller())
            mstore(add(ptr, 0x24), recipient)
            if iszero(staticcall(gas(), consortium_, ptr, 0x44, 0x00, 0x40)) {
                returndatacopy(ptr, 0x00, returndatasize())
                revert(ptr, returndatasize())
            }
            recorder := mload(0x00)
            recipientActive := mload(0x20)
            if or(lt(returndatasize(), 0x40), gt(recipientActive, 1)) {
                revert(0x00, 0x00)
            }
        }
        if (recorder == 0) revert ConsentUnauthorizedAccount(msg.sender, Roles.MEMBER);
    }

    /// @dev Checks the terms and returns the fields of the packed record that come from them (validFrom, validUntil,
    /// separate) with status `Active`. Each calldata field is read (and so ABI-validated) here, once.
    function _validateTerms(ConsentTerms calldata terms) private view returns (uint256 packedTerms) {
        if (terms.key.subjectRef == 0) revert ConsentZeroSubjectRef();
        uint64 validFrom = terms.validFrom;
        uint64 validUntil = terms.validUntil;
        bool separate = terms.separate;
        if (validUntil <= validFrom || validUntil > type(uint40).max) {
            revert ConsentInvalidValidity(validFrom, validUntil);
        }
        if (validUntil <= block.timestamp) revert ConsentValidityEnded(validUntil);
        // validFrom < validUntil <= type(uint40).max, so both fit in their 40 bits.
        packedTerms =
            uint256(validFrom) |
            (uint256(validUntil) << _VALID_UNTIL_SHIFT) |
            (uint256(ConsentStatus.Active) << _STATUS_SHIFT) |
            (_toUint(separate) << _SEPARATE_SHIFT);
    }

    /// @dev Binds `signer` to the subject on its first signed consent; afterwards only the bound key counts.
    function _bindOrCheckSubjectKey(bytes32 subjectRef, address signer, bytes32 recorder) private {
        address bound = _subjectKeys[subjectRef];
        if (bound == address(0)) {
            _subjectKeys[subjectRef] = signer;
            emit SubjectKeyBound(subjectRef, signer, recorder);
        } else if (bound != signer) {
            revert ConsentSubjectKeyMismatch(subjectRef, bound, signer);
        }
    }

    /// @dev A withdrawal sticks: after one, a department's record alone may not re-consent a subject that has a key
    /// (its signature is the evidence then).
    function _requireNoSubjectKey(bytes32 subjectRef, bytes32 keyHash, uint32 withdrawnSerial) private view {
        if (_subjectKeys[subjectRef] != address(0)) {
            revert ConsentSubjectEvidenceRequired(subjectRef, _consentId(keyHash, withdrawnSerial));
        }
    }

    function _requireActiveRecipient(bytes32 recipient) private view {
        if (!_consortium.isActive(recipient)) revert ConsentInactiveRecipient(recipient);
    }

    /// @dev Stores the key's new consent (serial + 1), superseding the current one, and emits the events.
    /// `packedTerms` are the validated terms' fields of the record (see {_validateTerms}).
    function _record(
        ConsentTerms calldata terms,
        uint256 packedTerms,
        bytes32 recorder,
        EvidenceKind evidenceKind,
        bytes32 evidence
    ) private returns (bytes32 consentId) {
        bytes32 keyHash = _keyHash(terms.key);
        ConsentRecord storage slot = _records[keyHash];
        // One SLOAD and one SSTORE of the whole packed slot (Solidity would read and write it field by field).
        uint256 previous;
        assembly ("memory-safe") {
            previous := sload(slot.slot)
        }
        uint32 previousSerial = uint32(previous >> _SERIAL_SHIFT);
        ConsentStatus previousStatus = ConsentStatus(uint8(previous >> _STATUS_SHIFT));
        uint256 packed =
            packedTerms |
                (uint256(evidenceKind) << _EVIDENCE_KIND_SHIFT) |
                (uint256(previousSerial + 1) << _SERIAL_SHIFT) |
                (uint256(uint96(uint256(recorder))) << _RECORDER_SHIFT);
        assembly ("memory-safe") {
            sstore(slot.slot, packed)
        }
        consentId = _consentId(keyHash, previousSerial + 1);
        if (previousStatus == ConsentStatus.Withdrawn) {
            if (evidenceKind == EvidenceKind.RecordHash) {
                _requireNoSubjectKey(terms.key.subjectRef, keyHash, previousSerial);
            }
            packed |= _AFTER_WITHDRAWAL_FLAG;
        }
        _emitRecorded(terms, packed, consentId, evidence, recorder);
        if (_statusNow(previousStatus, uint40(previous >> _VALID_UNTIL_SHIFT)) == ConsentStatus.Active) {
            emit ConsentSuperseded(terms.key.subjectRef, _consentId(keyHash, previousSerial), consentId);
        }
    }

    /// @dev `emit ConsentRecorded(...)` written out: the data is nine static words, laid out in free memory and
    /// logged without the ABI encoder's copies; separate, validFrom, validUntil, the evidence kind and the
    /// after-withdrawal flag come from the `packed` record.
    function _emitRecorded(
        ConsentTerms calldata terms,
        uint256 packed,
        bytes32 consentId,
        bytes32 evidence,
        bytes32 recorder
    ) private {
        bytes32 topic0 = ConsentRecorded.selector;
        assembly ("memory-safe") {
            let data := mload(0x40)
            calldatacopy(data, add(terms, 0x40), 0x40) // key.resourceId, key.purpose
            mstore(add(data, 0x40), and(shr(_SEPARATE_SHIFT, packed), 0xff))
            mstore(add(data, 0x60), and(packed, 0xffffffffff))
            mstore(add(data, 0x80), and(shr(_VALID_UNTIL_SHIFT, packed), 0xffffffffff))
            mstore(add(data, 0xa0), and(shr(_EVIDENCE_KIND_SHIFT, packed), 0xff))
            mstore(add(data, 0xc0), evidence)
            mstore(add(data, 0xe0), recorder)
            mstore(add(data, 0x100), shr(_AFTER_WITHDRAWAL_SHIFT, packed))
            // topics: the event, key.subjectRef, consentId, key.recipient
            log4(data, 0x120, topic0, calldataload(terms), consentId, calldataload(add(terms, 0x20)))
        }
    }

    /// @dev Ends the key's current consent, which must exist and be active (or not yet in effect), with `status`
    /// (`Withdrawn` or `Revoked`): one SLOAD and one SSTORE of the packed slot.
    function _endActiveConsent(ConsentKey calldata key, ConsentStatus status) private returns (bytes32 consentId) {
        bytes32 keyHash = _keyHash(key);
        ConsentRecord storage slot = _records[keyHash];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(slot.slot)
        }
        uint32 serial = uint32(word >> _SERIAL_SHIFT);
        if (serial == 0) revert ConsentUnknown(key.subjectRef, key.recipient, key.resourceId, key.purpose);
        consentId = _consentId(keyHash, serial);
        ConsentStatus current = _statusNow(
            ConsentStatus(uint8(word >> _STATUS_SHIFT)),
            uint40(word >> _VALID_UNTIL_SHIFT)
        );
        if (current != ConsentStatus.Active) revert ConsentNotActive(consentId, current);
        word = (word & ~(uint256(0xff) << _STATUS_SHIFT)) | (uint256(status) << _STATUS_SHIFT);
        assembly ("memory-safe") {
            sstore(slot.slot, word)
        }
    }

    /// @dev The key's current consent, which must exist.
    function _currentConsent(
        ConsentKey calldata key,
        bytes32 keyHash
    ) private view returns (ConsentRecord storage current, bytes32 consentId) {
        current = _records[keyHash];
        uint32 serial = current.serial;
        if (serial == 0) revert ConsentUnknown(key.subjectRef, key.recipient, key.resourceId, key.purpose);
        consentId = _consentId(keyHash, serial);
    }

    function _requireActive(ConsentRecord storage current, bytes32 consentId) private view {
        ConsentStatus status = _statusNow(current.status, current.validUntil);
        if (status != ConsentStatus.Active) revert ConsentNotActive(consentId, status);
    }

    /// @dev Only an active consent expires; a withdrawn or revoked one keeps the status it ended with.
    function _statusNow(ConsentStatus stored, uint40 validUntil) private view returns (ConsentStatus) {
        if (stored == ConsentStatus.Active && block.timestamp >= validUntil) return ConsentStatus.Expired;
        return stored;
    }

    function _toUint(bool value) private pure returns (uint256 result) {
        assembly ("memory-safe") {
            result := value
        }
    }

    /// @dev `keccak256(abi.encode(key))`: the key is a static struct of four words, so its ABI encoding is the four
    /// calldata words themselves.
    function _keyHash(ConsentKey calldata key) private pure returns (bytes32 keyHash) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, key, 0x80)
            keyHash := keccak256(ptr, 0x80)
        }
    }

    /// @dev `keccak256(abi.encode(keyHash, serial))`, hashed in the scratch space. A `uint32` may carry dirty high
    /// bits in assembly: they are cleared.
    function _consentId(bytes32 keyHash, uint32 serial) private pure returns (bytes32 consentId) {
        assembly ("memory-safe") {
            mstore(0x00, keyHash)
            mstore(0x20, and(serial, 0xffffffff))
            consentId := keccak256(0x00, 0x40)
        }
    }
}
