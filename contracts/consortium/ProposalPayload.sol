// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsortium} from "./IConsortium.sol";

/**
 * @title ProposalPayload
 * @notice Shape checks for the ABI-encoded payloads of council proposals, done before anything is decoded.
 * @dev `abi.decode` reverts without data on malformed input; these checks are at least as strict as the decoder
 * (offsets and lengths inside the payload, enums, bools, addresses and small integers in range), so that a proposal
 * whose payload passes them always decodes, and one that does not is refused with `ConsortiumInvalidPayload`.
 */
library ProposalPayload {
    /// @dev Head size of an encoded `DepartmentProfile` tuple: seven words.
    uint256 private constant _PROFILE_HEAD = 7 * 32;

    /// @notice Reverts with `ConsortiumInvalidPayload(action)` unless `payload` decodes as the action's arguments.
    function requireWellFormed(IConsortium.ProposalAction action, bytes calldata payload) internal pure {
        bool ok;
        if (action == IConsortium.ProposalAction.Admit) {
            ok = _isAdmit(payload);
        } else if (action == IConsortium.ProposalAction.SetQuorum) {
            ok = payload.length == 32 && _word(payload, 0) <= type(uint16).max;
        } else if (
            action == IConsortium.ProposalAction.SetReplyDeadline ||
            action == IConsortium.ProposalAction.SetObjectionAnswerDeadline
        ) {
            ok = payload.length == 32 && _word(payload, 0) <= type(uint64).max;
        } else if (action == IConsortium.ProposalAction.Call) {
            ok = payload.length >= 64 && _word(payload, 0) >> 160 == 0 && _isBytesAt(payload, 0, 32);
        } else {
            // Suspend, Reinstate, GrantSeat, RevokeSeat, ClearNode, ClearEndpoint: one bytes32.
            ok = payload.length == 32;
        }
        if (!ok) revert IConsortium.ConsortiumInvalidPayload(action);
    }

    /// @dev `(DepartmentProfile profile, address admin)`: a head of (offset, address), then the profile tuple.
    function _isAdmit(bytes calldata payload) private pure returns (bool) {
        uint256 length = payload.length;
        if (length < 64 || _word(payload, 32) >> 160 != 0) return false;
        uint256 tuple = _word(payload, 0);
        if (tuple > length || length - tuple < _PROFILE_HEAD) return false;
        // The tuple's head lies inside the payload (checked above): id, level, regionCode, parent, councilSeat,
        // then the offsets of code and name, relative to the tuple's start.
        return
            _word(payload, tuple + 32) <= uint8(type(IConsortium.Level).max) &&
            _word(payload, tuple + 64) <= type(uint32).max &&
            _word(payload, tuple + 128) <= 1 &&
            _isBytesAt(payload, tuple, tuple + 160) &&
            _isBytesAt(payload, tuple, tuple + 192);
    }

    /// @dev Whether the word at `head` (inside the payload) is an offset, relative to `base` (<= length), to a
    /// length-prefixed byte string that lies entirely inside the payload.
    function _isBytesAt(bytes calldata payload, uint256 base, uint256 head) private pure returns (bool) {
        uint256 length = payload.length;
        uint256 offset = _word(payload, head);
        if (offset > length - base || length - base - offset < 32) return false;
        uint256 start = base + offset;
        return _word(payload, start) <= length - start - 32;
    }

    /// @dev The word at `offset` in `payload`; callers keep `offset + 32 <= payload.length`.
    function _word(bytes calldata payload, uint256 offset) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := calldataload(add(payload.offset, offset))
        }
    }
}
