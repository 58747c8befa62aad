// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IObjections
 * @notice Data-quality objections (校核纠错, 政务数据共享条例): a consumer department that finds an error in a provider's
 * data raises an objection on the catalog resource (the data items concerned, a description, an evidence hash). The
 * provider answers within the council's objection answer deadline (`IConsortium.objectionAnswerDeadline`, in
 * working days on the council's calendar): corrected (a new catalog version of the resource, or a correction note
 * hash) or disputed with a reason hash. Unanswered past the deadline, or disputed, the consumer may escalate it to the
 * council, which upholds it (the provider must then correct) or dismisses it.
 *
 * Life cycle: `Raised` → `Corrected` | `Disputed`; `Raised` (past the deadline) | `Disputed` → `Escalated` →
 * `Upheld` | `Dismissed`; `Upheld` → `Corrected`. `Corrected` and `Dismissed` are final.
 */
interface IObjections {
    /// @notice Objection status. `None` means never raised.
    enum ObjectionStatus {
        None,
        Raised,
        Corrected,
        Disputed,
        Escalated,
        Upheld,
        Dismissed
    }

    /// @notice Stored objection. Seven slots: resourceId, provider, consumer, fieldMask, evidenceHash, answerHash, and
    /// answerDeadline + answeredAt + versionAtRaise + correctedVersion + status (25 bytes).
    struct Objection {
        bytes32 resourceId;
        bytes32 provider;
        bytes32 consumer; // the department that raised it
        uint256 fieldMask; // the data items concerned, a non-zero subset of the resource's items
        bytes32 evidenceHash; // hash of the evidence the consumer keeps
        bytes32 answerHash; // the correction note or the dispute reason; zero before an answer or for a new version
        uint64 answerDeadline; // end (CST) of the last working day to answer
        uint64 answeredAt; // the provider's first answer (correction or dispute); zero before
        uint32 versionAtRaise; // the resource's catalog version when the objection was raised
        uint32 correctedVersion; // the catalog version that corrected it; zero unless corrected by a new version
        ObjectionStatus status;
    }

    // ---------------------------------------------------------------- errors

    /// @notice `account` may not do this; `needed` is the department it had to act for, or a `Roles` constant.
    error ObjectionUnauthorizedAccount(address account, bytes32 needed);
    /// @notice The objection id does not exist.
    error ObjectionUnknown(uint256 objectionId);
    /// @notice The resource is not an active catalog entry.
    error ObjectionResourceNotActive(bytes32 resourceId);
    /// @notice A provider cannot object to its own resource.
    error ObjectionOwnResource(bytes32 resourceId);
    /// @notice The field mask is zero or not a subset of `allowed`.
    error ObjectionInvalidFieldMask(uint256 fieldMask, uint256 allowed);
    /// @notice The description is empty.
    error ObjectionEmptyDescription();
    /// @notice A hash (evidence, dispute reason, council reason) is required.
    error ObjectionMissingHash();
    /// @notice The action is not allowed in the objection's current status.
    error ObjectionInvalidStatus(uint256 objectionId, ObjectionStatus status);
    /// @notice A correction without a note needs a catalog version newer than `version`, the one objected to.
    error ObjectionNotCorrected(uint256 objectionId, uint32 version);
    /// @notice The answer deadline has not passed yet (and the provider has not disputed).
    error ObjectionAnswerDeadlineNotReached(uint256 objectionId, uint64 answerDeadline);

    // ---------------------------------------------------------------- events

    /// @notice `consumer` raised an objection on `resourceId` of `provider`; `description` is its text.
    event ObjectionRaised(
        uint256 indexed objectionId,
        bytes32 indexed resourceId,
        bytes32 indexed provider,
        bytes32 consumer,
        uint256 fieldMask,
        bytes32 evidenceHash,
        uint64 answerDeadline,
        string description
    );
    /// @notice The provider corrected the data: catalog `version` (zero when by note) or the note `noteHash`.
    event ObjectionCorrected(
        uint256 indexed objectionId,
        bytes32 indexed resourceId,
        bytes32 indexed provider,
        uint32 version,
        bytes32 noteHash,
        bool onTime
    );
    /// @notice The provider disputed the objection, for the reason `reasonHash`.
    event ObjectionDisputed(
        uint256 indexed objectionId,
        bytes32 indexed resourceId,
        bytes32 indexed provider,
        bytes32 reasonHash,
        bool onTime
    );
    /// @notice The consumer escalated the objection to the council.
    event ObjectionEscalated(uint256 indexed objectionId, bytes32 indexed resourceId, bytes32 indexed provider);
    /// @notice The council upheld (the provider must correct) or dismissed the objection.
    event ObjectionDecidedByCouncil(
        uint256 indexed objectionId,
        bytes32 indexed resourceId,
        bytes32 indexed provider,
        bool upheld,
        bytes32 reasonHash
    );

    // ---------------------------------------------------------------- functions

    /**
     * @notice Raises an objection on an active resource of another department. Only an operator of an active
     * department. The answer deadline is the end of the n-th working day after today (CST), n the
     * Consortium's `objectionAnswerDeadline` when the objection is raised.
     * @param fieldMask the data items concerned: non-zero, within the resource's items
     * @param description what is wrong (emitted, not stored), non-empty
     * @param evidenceHash hash of the evidence the consumer keeps, non-zero
     * @return objectionId sequential, from 1
     */
    function raise(
        bytes32 resourceId,
        uint256 fieldMask,
        string calldata description,
        bytes32 evidenceHash
    ) external returns (uint256 objectionId);

    /**
     * @notice Answers a raised (or council-upheld) objection as corrected. Only an operator of the provider.
     * @param noteHash a correction note's hash; zero to point at the resource's current catalog version, which must be
     * newer than the version objected to
     */
    function correct(uint256 objectionId, bytes32 noteHash) external;

    /// @notice Answers a raised objection as disputed, with a reason hash. Only an operator of the provider.
    function dispute(uint256 objectionId, bytes32 reasonHash) external;

    /// @notice Escalates a disputed objection, or a raised one past its answer deadline, to the council. Only an
    /// operator of the consumer that raised it.
    function escalate(uint256 objectionId) external;

    /// @notice The council's decision on an escalated objection; dismissing needs a reason hash. Only the council (a
    /// `Call` proposal executed by the Consortium).
    function councilDecide(uint256 objectionId, bool upheld, bytes32 reasonHash) external;

    /// @notice The stored objection (status `None` if unknown).
    function objection(uint256 objectionId) external view returns (Objection memory);

    /// @notice How many objections were raised (the last id).
    function objectionCount() external view returns (uint256);

    /// @notice Whether the objection is still unanswered (`Raised`) past its answer deadline.
    function isOverdue(uint256 objectionId) external view returns (bool);
}
