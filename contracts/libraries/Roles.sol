// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title Roles
 * @notice What an unauthorized caller needed, as the `needed` argument of every `*UnauthorizedAccount` error when it
 * was not "an operator of department X" (then `needed` is that department's id).
 */
library Roles {
    /// @notice An operator of any active member department.
    bytes32 internal constant MEMBER = keccak256("kuajie.role.member");
    /// @notice An admin operator of an active member department.
    bytes32 internal constant DEPARTMENT_ADMIN = keccak256("kuajie.role.department-admin");
    /// @notice An operator of an active department holding a council seat.
    bytes32 internal constant COUNCIL_MEMBER = keccak256("kuajie.role.council-member");
    /// @notice The council itself: the Consortium contract executing a proposal that reached its quorum.
    bytes32 internal constant COUNCIL = keccak256("kuajie.role.council");
    /// @notice The deployer, before the consortium is founded.
    bytes32 internal constant FOUNDER = keccak256("kuajie.role.founder");
}
