// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IConsentRegistry
 * @notice Consents of data subjects (PIPL Art. 13(1), 14, 15, 23, 29) to a recipient department using a resource for
 * a purpose. Fields follow ISO/IEC TS 27560 and statuses the W3C DPV: given (`Active`), withdrawn by the subject
 * (`Withdrawn`), revoked by another party (`Revoked`), expired by time (`Expired`, computed, never stored).
 *
 * A subject appears only as a `subjectRef`: an HMAC of the normalised identity computed off chain under a
 * consortium-wide secret, never an identity number. A subject's key (wallet or e-ID key) appears only as an address.
 *
 * A consent is addressed by its {ConsentKey} `(subjectRef, recipient, resourceId, purpose)`. Each key holds at most
 * one current consent; recording a new consent for the same key supersedes the previous one, and the new one gets a
 * new `consentId = keccak256(abi.encode(keccak256(abi.encode(key)), serial))`. Storage holds only what the rules need
 * (one slot per key); everything else is in the events. Every event has `subjectRef` as its first indexed topic, so
 * one `eth_getLogs` query by subject returns the subject's whole trail.
 *
 * A subject's signing key is bound to its `subjectRef` the first time it signs a consent; from then on only that key's
 * signatures count as the subject's (a consent or withdrawal signed by another key is refused), until the subject
 * rotates it with a signature of the old key or the council resets it. A withdrawal sticks: a new consent for the
 * same key after a withdrawal needs the subject's own evidence (its signature) when the subject has a key; where it
 * has none, a department may re-record it on the hash of a consent record, and the event marks it as a re-consent
 * after withdrawal so that every auditor sees it.
 */
interface IConsentRegistry {
    /// @notice Status of a consent. `Expired` is computed from `validUntil`, never stored.
    enum ConsentStatus {
        None,
        Active,
        Withdrawn,
        Revoked,
        Expired
    }

    /// @notice Evidence of a consent: the subject's EIP-712 signature, or the hash of an off-chain ISO/IEC 27560
    /// consent record kept by the recording department.
    enum EvidenceKind {
        None,
        Signature,
        RecordHash
    }

    /// @notice What a consent is about; its hash addresses the consent's storage slot.
    struct ConsentKey {
        bytes32 subjectRef;
        bytes32 recipient;
        bytes32 resourceId;
        bytes32 purpose;
    }

    /// @notice What the subject agrees to. `separate` is the PIPL Art. 23 / 29 separate consent.
    struct ConsentTerms {
        ConsentKey key;
        bool separate;
        uint64 validFrom;
        uint64 validUntil;
    }

    /// @notice One consent of a batch, evidenced by the hash of its ISO/IEC 27560 consent record.
    struct ConsentInput {
        ConsentTerms terms;
        bytes32 evidenceHash;
    }

    /**
     * @notice The stored record of the current consent of a key. Fits in one slot (232 of 256 bits):
     * validFrom 40 | validUntil 40 | status 8 | separate 8 | evidenceKind 8 | serial 32 | recorder 96.
     * `recorder` is the low 96 bits of the recording department's id (the full id is in {ConsentRecorded}).
     */
    struct ConsentRecord {
        uint40 validFrom;
        uint40 validUntil;
        ConsentStatus status;
        bool separate;
        EvidenceKind evidenceKind;
        uint32 serial;
        uint96 recorder;
    }

    // ---------------------------------------------------------------- errors

    /// @notice `account` may not do what it tried; `needed` is `Roles.MEMBER`, `Roles.COUNCIL`, or for a revocation
    /// the recording department's id as stored: its low 96 bits, zero-padded.
    error ConsentUnauthorizedAccount(address account, bytes32 needed);
    /// @notice The subject reference is zero.
    error ConsentZeroSubjectRef();
    /// @notice `validUntil` is not after `validFrom`, or does not fit in 40 bits.
    error ConsentInvalidValidity(uint64 validFrom, uint64 validUntil);
    /// @notice `validUntil` is not in the future.
    error ConsentValidityEnded(uint64 validUntil);
    /// @notice The recipient is not an active member department.
    error ConsentInactiveRecipient(bytes32 recipient);
    /// @notice The evidence hash is zero.
    error ConsentZeroEvidence();
    /// @notice A batch holds no consent.
    error ConsentEmptyBatch();
    /// @notice No consent was ever recorded for the key.
    error ConsentUnknown(bytes32 subjectRef, bytes32 recipient, bytes32 resourceId, bytes32 purpose);
    /// @notice The consent is not active (withdrawn, revoked or expired).
    error ConsentNotActive(bytes32 consentId, ConsentStatus status);
    /// @notice No signing key is bound to the consent's subject, so it cannot withdraw by signature; the subject
    /// withdraws it through a department.
    error ConsentNoSubjectKey(bytes32 consentId);
    /// @notice The signature's deadline has passed.
    error ConsentExpiredSignature(uint256 deadline);
    /// @notice The signature is not `signer`'s over the message.
    error ConsentInvalidSignature(address signer);
    /// @notice The subject's key bound to `subjectRef` is `boundKey`; a signature by `signer` does not count as the
    /// subject's.
    error ConsentSubjectKeyMismatch(bytes32 subjectRef, address boundKey, address signer);
    /// @notice No signing key is bound to `subjectRef`, so there is nothing to rotate.
    error ConsentNoSubjectKeyBound(bytes32 subjectRef);
    /// @notice The new subject key is the zero address.
    error ConsentZeroSubjectKey();
    /// @notice The subject withdrew the key's last consent (`withdrawnConsentId`) and has a signing key: a new consent
    /// needs the subject's signature ({recordWithSignature}), not a department's record.
    error ConsentSubjectEvidenceRequired(bytes32 subjectRef, bytes32 withdrawnConsentId);

    // ---------------------------------------------------------------- events

    /**
     * @notice A consent was recorded. `evidence` is the record hash (`RecordHash`) or the subject's signing address,
     * left-padded (`Signature`). `recorder` is the recording department. `afterWithdrawal` is true when the key's
     * previous consent had been withdrawn by the subject: a re-consent, which on `RecordHash` evidence rests on the
     * recording department's word alone.
     */
    event ConsentRecorded(
        bytes32 indexed subjectRef,
        bytes32 indexed consentId,
        bytes32 indexed recipient,
        bytes32 resourceId,
        bytes32 purpose,
        bool separate,
        uint64 validFrom,
        uint64 validUntil,
        EvidenceKind evidenceKind,
        bytes32 evidence,
        bytes32 recorder,
        bool afterWithdrawal
    );
    /// @notice A consent that was still active (or not yet in effect) was replaced by a new consent for its key.
    event ConsentSuperseded(bytes32 indexed subjectRef, bytes32 indexed consentId, bytes32 indexed supersededBy);
    /**
     * @notice The subject withdrew a consent. `department` is the department that acted on the subject's request,
     * with `evidence` the hash of that request; or zero when the subject signed, with `evidence` the signing
     * address, left-padded.
     */
    event ConsentWithdrawn(
        bytes32 indexed subjectRef,
        bytes32 indexed consentId,
        bytes32 indexed department,
        bytes32 evidence
    );
    /// @notice The subject's signing key `key` was bound to `subjectRef` on its first signed consent, recorded by
    /// `recorder`.
    event SubjectKeyBound(bytes32 indexed subjectRef, address indexed key, bytes32 indexed recorder);
    /// @notice The subject's signing key changed from `previousKey` to `newKey`: rotated by the subject with a
    /// signature of `previousKey`, or reset by the council (`byCouncil`; `newKey` may then be zero, unbinding it).
    event SubjectKeyChanged(
        bytes32 indexed subjectRef,
        address indexed previousKey,
        address indexed newKey,
        bool byCouncil
    );
    /// @notice A consent was revoked by its recording department (`revoker`) or by the council (`revoker` is
    /// `Roles.COUNCIL`, `byCouncil` true).
    event ConsentRevoked(
        bytes32 indexed subjectRef,
        bytes32 indexed consentId,
        bytes32 indexed revoker,
        bool byCouncil
    );

    // ---------------------------------------------------------------- recording

    /**
     * @notice Records a consent evidenced by the hash of its off-chain ISO/IEC 27560 consent record. Supersedes the
     * key's current consent, if any. Only an operator of an active department, which becomes the recording
     * department. After the subject withdrew the key's consent, refused if the subject has a signing key
     * (`ConsentSubjectEvidenceRequired`), and otherwise marked `afterWithdrawal`.
     * @return consentId the new consent's id
     */
    function record(ConsentTerms calldata terms, bytes32 evidenceHash) external returns (bytes32 consentId);

    /**
     * @notice Records many consents evidenced by record hashes in one transaction (a department digitising a
     * counter's paper forms), as {record} does for each; one {ConsentRecorded} event per consent. A key may appear
     * more than once: the later entry supersedes the earlier.
     * @return consentIds the new consents' ids, in input order
     */
    function recordBatch(ConsentInput[] calldata inputs) external returns (bytes32[] memory consentIds);

    /**
     * @notice Records a consent evidenced by the subject's EIP-712 `Consent` signature (see {CONSENT_TYPEHASH}) made
     * with nonce `nonces(signer)`; `signer` may be a contract wallet (ERC-1271). The deadline is checked first and
     * the nonce consumed before anything else. Only an operator of an active department, which becomes the recording
     * department. The first signed consent of a subject binds `signer` to `subjectRef`; afterwards `signer` must be
     * the bound key (`ConsentSubjectKeyMismatch`).
     * @return consentId the new consent's id
     */
    function recordWithSignature(
        ConsentTerms calldata terms,
        address signer,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes32 consentId);

    // ---------------------------------------------------------------- ending a consent

    /**
     * @notice Withdraws the key's current consent for the subject, at the subject's request received by the
     * caller's department; `evidenceHash` is the hash of that request. Only an operator of an active department
     * (PIPL Art. 15: the subject may withdraw conveniently, at any member's counter). The consent must be active or
     * not yet in effect.
     */
    function withdraw(ConsentKey calldata key, bytes32 evidenceHash) external;

    /**
     * @notice Withdraws the key's current consent by the subject's EIP-712 `Withdrawal` signature (see
     * {WITHDRAWAL_TYPEHASH}) over its consent id, made with nonce `nonces(key)` by the signing key bound to the
     * subject. Anyone may submit it. Only for subjects with a bound key, whatever the consent's evidence.
     */
    function withdrawWithSignature(ConsentKey calldata key, uint256 deadline, bytes calldata signature) external;

    /// @notice Revokes the key's current consent. Only an operator of the recording department, while active.
    function revoke(ConsentKey calldata key) external;

    /// @notice Revokes the key's current consent as the council. Only the Consortium contract (a council `Call`
    /// proposal that reached its quorum).
    function revokeByCouncil(ConsentKey calldata key) external;

    // ---------------------------------------------------------------- the subject's key

    /**
     * @notice Rotates the subject's signing key to `newKey` by the EIP-712 `SubjectKeyRotation` signature (see
     * {KEY_ROTATION_TYPEHASH}) of the bound key, made with its nonce. Anyone may submit it.
     */
    function rotateSubjectKey(bytes32 subjectRef, address newKey, uint256 deadline, bytes calldata signature) external;

    /// @notice Resets the subject's signing key to `newKey` (zero unbinds it: the next signed consent binds a key
    /// again), when the subject lost its key. Only the Consortium contract (a council `Call` proposal).
    function resetSubjectKey(bytes32 subjectRef, address newKey) external;

    // ---------------------------------------------------------------- views

    /// @notice The signing key bound to `subjectRef` (zero if none): the only key whose signatures count as the
    /// subject's.
    function subjectKey(bytes32 subjectRef) external view returns (address);

    /**
     * @notice Whether the subject's consent for the recipient, resource and purpose is in effect now (status
     * `Active` and `validFrom <= block.timestamp < validUntil`), and the id of the key's current consent (zero if
     * none was ever recorded).
     */
    function activeConsent(
        bytes32 subjectRef,
        bytes32 recipient,
        bytes32 resourceId,
        bytes32 purpose
    ) external view returns (bool active, bytes32 consentId);

    /**
     * @notice The key's current consent: the stored record, its status now (`Expired` once `validUntil` has passed,
     * otherwise the stored status; `None` if none was ever recorded) and its id (zero if none).
     */
    function consent(
        bytes32 subjectRef,
        bytes32 recipient,
        bytes32 resourceId,
        bytes32 purpose
    ) external view returns (ConsentRecord memory stored, ConsentStatus status, bytes32 consentId);

    /// @notice The id of the `serial`-th consent recorded for `key` (serials start at 1).
    function computeConsentId(ConsentKey calldata key, uint32 serial) external pure returns (bytes32);

    /// @notice The Consortium contract this registry asks who callers act for, and whose calls are council decisions.
    function consortium() external view returns (address);

    /// @notice The next nonce of `signer` for `Consent` and `Withdrawal` signatures.
    function nonces(address signer) external view returns (uint256);

    /**
     * @notice EIP-712 type hash of a consent signed by its subject:
     * `Consent(bytes32 subjectRef,bytes32 recipient,bytes32 resourceId,bytes32 purpose,bool separate,uint64 validFrom,uint64 validUntil,uint256 nonce,uint256 deadline)`.
     * Domain: name "Kuajie ConsentRegistry", version "1", this chain id and this contract.
     */
    // solhint-disable-next-line func-name-mixedcase
    function CONSENT_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 type hash of a key rotation signed by the subject's current key:
    /// `SubjectKeyRotation(bytes32 subjectRef,address newKey,uint256 nonce,uint256 deadline)`.
    // solhint-disable-next-line func-name-mixedcase
    function KEY_ROTATION_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 type hash of a withdrawal signed by the subject:
    /// `Withdrawal(bytes32 consentId,uint256 nonce,uint256 deadline)`.
    // solhint-disable-next-line func-name-mixedcase
    function WITHDRAWAL_TYPEHASH() external view returns (bytes32);
}
