// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IAccessLedger
 * @notice Anchors of access-receipt batches. Each department's gateway keeps a receipt for every data-fetch decision,
 * numbers them 1, 2, 3, ... per department, groups them into batches and anchors the Merkle root of each batch here.
 * Batches of a department are numbered 1, 2, 3, ... with no gap, cover consecutive receipt sequence numbers, and each
 * names the root of the batch before it, so a missing batch or receipt is detectable from the chain alone.
 *
 * The tree is a StandardMerkleTree (OpenZeppelin's merkle-tree package) whose leaves are the receipts' fields in the
 * order of {ReceiptFields} (the receipt module `server/src/receipt` publishes the same order as `RECEIPT_LEAF_TYPES`):
 * `leaf = keccak256(bytes.concat(keccak256(abi.encode(fields...))))`, nodes hashed as sorted pairs (OpenZeppelin
 * `MerkleProof`).
 *
 * A department whose gateway has lost anchored receipts (its database destroyed, or restored from a copy older than
 * its last batches) declares the loss here ({declareLoss}): the batches from the first one it no longer holds through
 * its last are marked lost, in an event auditors read, and numbering goes on after the last anchored receipt. The
 * next receipt starts a new hash chain (`prevHash` zero), since the leaf of its predecessor is among the lost ones.
 */
interface IAccessLedger {
    /// @notice Outcome of a fetch decision, as encoded in a receipt leaf (`uint8`).
    enum ReceiptResult {
        Delivered,
        Denied,
        Failed
    }

    /// @notice A stored batch anchor. Fits in two slots: `root`, then the rest (4 + 8 + 8 + 6 + 6 = 32 bytes).
    struct Batch {
        bytes32 root;
        uint32 receiptCount;
        uint64 firstReceiptSequence;
        uint64 lastReceiptSequence;
        uint48 anchoredAt; // block timestamp of the anchoring
        uint48 blockNumber; // block of the anchoring
    }

    /// @notice The fields of a receipt in leaf order. Every member is static, so `abi.encode(fields)` equals
    /// `abi.encode(id, sequence, ..., prevHash)`, the StandardMerkleTree leaf encoding.
    struct ReceiptFields {
        bytes32 id; // keccak256(abi.encode(department, sequence))
        uint64 sequence; // per-department receipt sequence, from 1
        uint64 time; // unix seconds of the decision
        bytes32 department; // requester department: the department whose ledger holds the receipt
        address account; // requester account
        uint256 grantId;
        uint256 agreementId;
        bytes32 consentId; // zero when no consent was involved
        bytes32 provider; // provider department
        bytes32 resourceId;
        uint32 resourceVersion;
        uint256 fieldMask; // delivered data items
        bytes32 subjectRef; // zero when the fetch names no subject
        bytes32 purpose;
        ReceiptResult result;
        bytes32 reason; // the reason code as a short string (`ethers.encodeBytes32String("ok")`)
        bytes32 requestHash;
        bytes32 responseHash; // zero when nothing was delivered
        bytes32 prevHash; // leaf of the department's previous receipt, zero for its first
    }

    // ---------------------------------------------------------------- errors

    /// @notice `account` may not anchor; `needed` is `Roles.MEMBER` (an operator of an active department).
    error AccessLedgerUnauthorizedAccount(address account, bytes32 needed);
    /// @notice The batch sequence is not the department's last batch sequence + 1 (a gap or a reuse).
    error AccessLedgerInvalidBatchSequence(bytes32 departmentId, uint64 expected, uint64 given);
    /// @notice The root is zero.
    error AccessLedgerZeroRoot(bytes32 departmentId, uint64 batchSequence);
    /// @notice The batch holds no receipt.
    error AccessLedgerEmptyBatch(bytes32 departmentId, uint64 batchSequence);
    /// @notice The first receipt sequence is not the department's last anchored receipt sequence + 1.
    error AccessLedgerInvalidFirstReceiptSequence(bytes32 departmentId, uint64 expected, uint64 given);
    /// @notice `lastReceiptSequence - firstReceiptSequence + 1` is not `receiptCount`.
    error AccessLedgerReceiptCountMismatch(
        uint32 receiptCount,
        uint64 firstReceiptSequence,
        uint64 lastReceiptSequence
    );
    /// @notice The previous root is not the root of the department's last batch (zero before the first).
    error AccessLedgerPreviousRootMismatch(bytes32 departmentId, bytes32 expected, bytes32 given);
    /**
     * @notice A loss must begin at an anchored batch after the last one already declared lost: `firstBatchSequence`
     * is 0, past the department's last batch (`lastBatchSequence`), or not after `lostThrough`.
     */
    error AccessLedgerInvalidLossRange(
        bytes32 departmentId,
        uint64 firstBatchSequence,
        uint64 lastBatchSequence,
        uint64 lostThrough
    );
    /// @notice A loss is declared with the hash of its reason (the department's report of the incident), not zero.
    error AccessLedgerZeroLossReason(bytes32 departmentId);

    // ---------------------------------------------------------------- events

    /// @notice A department anchored the Merkle root of a batch of its receipts.
    event BatchAnchored(
        bytes32 indexed departmentId,
        uint64 indexed batchSequence,
        bytes32 indexed root,
        uint32 receiptCount,
        uint64 firstReceiptSequence,
        uint64 lastReceiptSequence,
        bytes32 previousRoot,
        address operator
    );

    /**
     * @notice A department declared its receipts of batches `firstBatchSequence` through `lastBatchSequence`
     * (receipts `firstReceiptSequence` through `lastReceiptSequence`) lost; `reasonHash` is the hash of its report.
     * Its next receipt, `lastReceiptSequence + 1`, begins a new hash chain (`prevHash` zero).
     */
    event ReceiptsDeclaredLost(
        bytes32 indexed departmentId,
        uint64 firstBatchSequence,
        uint64 lastBatchSequence,
        uint64 firstReceiptSequence,
        uint64 lastReceiptSequence,
        bytes32 reasonHash,
        address admin
    );

    // ---------------------------------------------------------------- anchoring

    /**
     * @notice Anchors the root of the caller's department's next batch of receipts. Only an operator of an active
     * department. `batchSequence` must be the last batch sequence + 1 (1 for the first), `firstReceiptSequence` the
     * last anchored receipt sequence + 1 (1 for the first), `lastReceiptSequence - firstReceiptSequence + 1` must be
     * `receiptCount` (at least 1), `root` non-zero and `previousRoot` the root of the last batch (zero for the first).
     */
    function anchor(
        uint64 batchSequence,
        bytes32 root,
        uint32 receiptCount,
        uint64 firstReceiptSequence,
        uint64 lastReceiptSequence,
        bytes32 previousRoot
    ) external;

    /**
     * @notice Declares the caller's department's receipts of its anchored batches from `firstBatchSequence` through
     * its last batch lost. Only an admin operator of an active department. `firstBatchSequence` must be an anchored
     * batch (1 to the last) after every batch already declared lost, and `reasonHash` non-zero. Anchoring goes on as
     * before (the next batch names the last root); the department's next receipt has a zero `prevHash`.
     */
    function declareLoss(uint64 firstBatchSequence, bytes32 reasonHash) external;

    // ---------------------------------------------------------------- views

    /// @notice The last batch of the department declared lost (0 if none).
    function lostThrough(bytes32 departmentId) external view returns (uint64);

    /// @notice The anchored batch `batchSequence` of a department (all zero if not anchored).
    function batch(bytes32 departmentId, uint64 batchSequence) external view returns (Batch memory);

    /// @notice A department's last anchored batch sequence, last anchored receipt sequence and last root (zeros
    /// before its first batch).
    function head(
        bytes32 departmentId
    ) external view returns (uint64 lastBatchSequence, uint64 lastReceiptSequence, bytes32 lastRoot);

    /**
     * @notice Whether the receipt with these fields belongs to the anchored batch: its leaf is computed on chain, its
     * `department` must be `departmentId` and its `sequence` within the batch's receipt range. False if the batch is
     * not anchored. There is deliberately no verification from a bare leaf: a caller could present an inner node of
     * the tree (a 64-byte pre-image, hashed once) as a "leaf" with a shorter proof; here the leaf is always the double
     * hash of 19 fields, computed on chain.
     */
    function verifyReceiptFields(
        bytes32 departmentId,
        uint64 batchSequence,
        ReceiptFields calldata receipt,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice The StandardMerkleTree leaf of a receipt: `keccak256(bytes.concat(keccak256(abi.encode(receipt))))`.
    function receiptLeaf(ReceiptFields calldata receipt) external pure returns (bytes32);
}
