// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title ConsortiumModuleMock
 * @notice A module that records council calls (calls made by the consortium when a `Call` proposal executes), and
 * fails on demand. Tests only.
 */
contract ConsortiumModuleMock {
    error ModuleMockUnauthorized(address caller);
    error ModuleMockFailed(uint256 code);

    event CouncilCalled(address indexed caller, uint256 indexed tag);

    address private immutable _consortium;

    /// @notice How many times each tag was recorded.
    mapping(uint256 tag => uint256 count) public calls;
    /// @notice The last caller of `record`.
    address public lastCaller;

    constructor(address consortium_) {
        _consortium = consortium_;
    }

    /// @notice Records a call; only the consortium may call it.
    function record(uint256 tag) external returns (uint256) {
        if (msg.sender != _consortium) revert ModuleMockUnauthorized(msg.sender);
        lastCaller = msg.sender;
        ++calls[tag];
        emit CouncilCalled(msg.sender, tag);
        return calls[tag];
    }

    /// @notice Always reverts with a custom error.
    function fail(uint256 code) external pure {
        revert ModuleMockFailed(code);
    }

    /// @notice Always reverts without data.
    function failSilently() external pure {
        // solhint-disable-next-line gas-custom-errors, reason-string
        revert();
    }
}
