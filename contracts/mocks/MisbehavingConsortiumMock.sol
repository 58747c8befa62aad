// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title MisbehavingConsortiumMock
 * @notice A consortium whose membership answers are wrong on purpose, to test how a module reads them. Whatever it is
 * asked, it reverts with a custom error (`Revert`), answers 31 bytes (`ShortAnswer`), or answers department 1 and a
 * boolean 2, neither true nor false (`DirtyBool`). Tests only.
 */
contract MisbehavingConsortiumMock {
    enum Mode {
        Revert,
        ShortAnswer,
        DirtyBool
    }

    error ConsortiumMockFailed(address caller);

    Mode private _mode;

    function setMode(Mode mode) external {
        _mode = mode;
    }

    // solhint-disable-next-line no-complex-fallback
    fallback() external {
        Mode mode = _mode;
        if (mode == Mode.Revert) revert ConsortiumMockFailed(msg.sender);
        uint256 size = mode == Mode.ShortAnswer ? 0x1f : 0x40;
        assembly ("memory-safe") {
            mstore(0x00, 1)
            mstore(0x20, 2)
            return(0x00, size)
        }
    }
}
