// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title OutboxTarget
 * @notice Test double for the gateway's chain adapter: a call that succeeds and emits, calls that revert with custom
 * errors (always, or only on a repeated value so that a revert can happen after gas estimation), and an event with
 * every kind of argument the indexer has to turn into JSON. Tests only.
 */
contract OutboxTarget {
    struct Note {
        uint64 level;
        bytes32 tag;
    }

    error OutboxTargetRejected(uint256 value, address caller);
    error OutboxTargetDuplicate(uint256 value);

    event Stored(address indexed caller, uint256 indexed value, uint256 count);
    event Described(uint256 indexed value, string text, bytes blob, Note note, int32[] deltas, string indexed topic);

    uint256 private _count;
    mapping(uint256 value => bool) private _seen;

    function store(uint256 value) external {
        _count += 1;
        emit Stored(msg.sender, value, _count);
    }

    /// @notice Stores each value at most once; a repeat reverts with `OutboxTargetDuplicate`.
    function storeUnique(uint256 value) external {
        if (_seen[value]) {
            revert OutboxTargetDuplicate(value);
        }
        _seen[value] = true;
        _count += 1;
        emit Stored(msg.sender, value, _count);
    }

    function reject(uint256 value) external view {
        revert OutboxTargetRejected(value, msg.sender);
    }

    function describe(
        uint256 value,
        string calldata text,
        bytes calldata blob,
        Note calldata note,
        int32[] calldata deltas
    ) external {
        emit Described(value, text, blob, note, deltas, text);
    }

    function count() external view returns (uint256) {
        return _count;
    }
}
