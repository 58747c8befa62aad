// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IConsortium} from "../consortium/IConsortium.sol";
import {Roles} from "../libraries/Roles.sol";
import {IAccessLedger} from "./IAccessLedger.sol";

/**
 * @title AccessLedger
 * @notice Per-department chains of receipt-batch anchors. See {IAccessLedger}.
 */
contract AccessLedger is IAccessLedger {
    /// @dev A department's progress. Fits in one slot; the last root is read from the last batch.
    struct Head {
        uint64 lastBatchSequence;
        uint64 lastReceiptSequence;
    }

    IConsortium private immutable _consortium;

    mapping(bytes32 departmentId => Head) private _heads;
    mapping(bytes32 departmentId => mapping(uint64 batchSequence => Batch)) private _batches;
    mapping(bytes32 departmentId => uint64 lastLostBatch) private _lostThrough;

    constructor(IConsortium consortium_) {
        _consortium = consortium_;
    }

    /// @inheritdoc IAccessLedger
    function anchor(
        uint64 batchSequence,
        bytes32 root,
        uint32 receiptCount,
        uint64 firstReceiptSequence,
        uint64 lastReceiptSequence,
        bytes32 previousRoot
    ) external {
        bytes32 dept = _consortium.activeDepartmentOf(msg.sender);
        if (dept == bytes32(0)) revert AccessLedgerUnauthorizedAccount(msg.sender, Roles.MEMBER);

        Head memory last = _heads[dept];
        uint64 expectedBatch;
        uint64 expectedFirst;
        // A batch advances the batch sequence by 1 and the receipt sequence by at most 2^32 - 1, so reaching 2^64
        // would take more than 2^32 anchors by one department: these increments cannot overflow.
        unchecked {
            expectedBatch = last.lastBatchSequence + 1;
            expectedFirst = last.lastReceiptSequence + 1;
        }
        if (batchSequence != expectedBatch) revert AccessLedgerInvalidBatchSequence(dept, expectedBatch, batchSequence);
        if (root == bytes32(0)) revert AccessLedgerZeroRoot(dept, batchSequence);
        if (receiptCount == 0) revert AccessLedgerEmptyBatch(dept, batchSequence);
        if (firstReceiptSequence != expectedFirst) {
            revert AccessLedgerInvalidFirstReceiptSequence(dept, expectedFirst, firstReceiptSequence);
        }
        // In 256 bits, so that a last sequence below the first cannot wrap around.
        if (uint256(firstReceiptSequence) + receiptCount != uint256(lastReceiptSequence) + 1) {
            revert AccessLedgerReceiptCountMismatch(receiptCount, firstReceiptSequence, lastReceiptSequence);
        }
        bytes32 lastRoot = _batches[dept][last.lastBatchSequence].root;
        if (previousRoot != lastRoot) revert AccessLedgerPreviousRootMismatch(dept, lastRoot, previousRoot);

        _heads[dept] = Head(batchSequence, lastReceiptSequence);
        _batches[dept][batchSequence] = Batch(
            root,
            receiptCount,
            firstReceiptSequence,
            lastReceiptSequence,
            uint48(block.timestamp),
            uint48(block.number)
        );
        emit BatchAnchored(
            dept,
            batchSequence,
            root,
            receiptCount,
            firstReceiptSequence,
            lastReceiptSequence,
            previousRoot,
            msg.sender
        );
    }

    /// @inheritdoc IAccessLedger
    function declareLoss(uint64 firstBatchSequence, bytes32 reasonHash) external {
        (bytes32 dept, bool admin) = _consortium.operatorOf(msg.sender);
        if (dept == bytes32(0) || !admin || !_consortium.isActive(dept)) {
            revert AccessLedgerUnauthorizedAccount(msg.sender, Roles.DEPARTMENT_ADMIN);
        }
        Head memory last = _heads[dept];
        uint64 lostThrough_ = _lostThrough[dept];
        if (
            firstBatchSequence == 0 || firstBatchSequence > last.lastBatchSequence || firstBatchSequence <= lostThrough_
        ) {
            revert AccessLedgerInvalidLossRange(dept, firstBatchSequence, last.lastBatchSequence, lostThrough_);
        }
        if (reasonHash == bytes32(0)) revert AccessLedgerZeroLossReason(dept);

        _lostThrough[dept] = last.lastBatchSequence;
        emit ReceiptsDeclaredLost(
            dept,
            firstBatchSequence,
            last.lastBatchSequence,
            _batches[dept][firstBatchSequence].firstReceiptSequence,
            last.lastReceiptSequence,
            reasonHash,
            msg.sender
        );
    }

    /// @inheritdoc IAccessLedger
    function lostThrough(bytes32 departmentId) external view returns (uint64) {
        return _lostThrough[departmentId];
    }

    /// @inheritdoc IAccessLedger
    function batch(bytes32 departmentId, uint64 batchSequence) external view returns (Batch memory) {
        return _batches[departmentId][batchSequence];
    }

    /// @inheritdoc IAccessLedger
    function head(
        bytes32 departmentId
    ) external view returns (uint64 lastBatchSequence, uint64 lastReceiptSequence, bytes32 lastRoot) {
        Head memory h = _heads[departmentId];
        return (h.lastBatchSequence, h.lastReceiptSequence, _batches[departmentId][h.lastBatchSequence].root);
    }

    /// @inheritdoc IAccessLedger
    function verifyReceiptFields(
        bytes32 departmentId,
        uint64 batchSequence,
        ReceiptFields calldata receipt,
        bytes32[] calldata proof
    ) external view returns (bool) {
        Batch storage b = _batches[departmentId][batchSequence];
        bytes32 root = b.root;
        if (root == bytes32(0) || receipt.department != departmentId) return false;
        if (receipt.sequence < b.firstReceiptSequence || receipt.sequence > b.lastReceiptSequence) return false;
        return MerkleProof.verifyCalldata(proof, root, _receiptLeaf(receipt));
    }

    /// @inheritdoc IAccessLedger
    function receiptLeaf(ReceiptFields calldata receipt) external pure returns (bytes32) {
        return _receiptLeaf(receipt);
    }

    function _receiptLeaf(ReceiptFields calldata receipt) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(receipt))));
    }
}
