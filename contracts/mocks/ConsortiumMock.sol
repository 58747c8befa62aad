// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsortium} from "../consortium/IConsortium.sol";

/**
 * @title ConsortiumMock
 * @notice Test double for the parts of IConsortium that modules use: who an account acts for, department status,
 * council seats, region codes and parents, the reply and objection answer deadlines (working days), and council calls (`councilCall` makes
 * the mock the caller, as the real Consortium is when a `Call` proposal executes). Tests only.
 */
contract ConsortiumMock {
    struct Dept {
        bool active;
        bool councilSeat;
        uint32 regionCode;
        bytes32 parent;
    }

    mapping(address account => bytes32 departmentId) private _operators;
    mapping(address account => bool admin) private _admins;
    mapping(bytes32 departmentId => Dept) private _departments;
    uint64 private _replyDeadline = 10; // working days, as the Consortium's default
    uint64 private _objectionAnswerDeadline = 10; // working days, as the Consortium's default

    function setDepartment(bytes32 departmentId, bool active, bool councilSeat) external {
        Dept storage d = _departments[departmentId];
        (d.active, d.councilSeat) = (active, councilSeat);
    }

    /// @notice Places a department in the hierarchy: its GB/T 2260 region code and parent department.
    function setLineage(bytes32 departmentId, uint32 regionCode, bytes32 parent) external {
        Dept storage d = _departments[departmentId];
        (d.regionCode, d.parent) = (regionCode, parent);
    }

    function setOperator(address account, bytes32 departmentId) external {
        _operators[account] = departmentId;
    }

    /// @notice Makes an operator its department's admin operator (or not).
    function setAdmin(address account, bool admin) external {
        _admins[account] = admin;
    }

    function setReplyDeadline(uint64 replyDeadline_) external {
        _replyDeadline = replyDeadline_;
    }

    function setObjectionAnswerDeadline(uint64 objectionAnswerDeadline_) external {
        _objectionAnswerDeadline = objectionAnswerDeadline_;
    }

    /// @notice Calls `target` as the council would (the consortium is the caller).
    function councilCall(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    function operatorOf(address account) external view returns (bytes32 departmentId, bool admin) {
        return (_operators[account], _admins[account]);
    }

    function activeDepartmentOf(address account) external view returns (bytes32) {
        bytes32 id = _operators[account];
        return _departments[id].active ? id : bytes32(0);
    }

    function activeDepartmentOfAndIsActive(
        address account,
        bytes32 departmentId
    ) external view returns (bytes32 activeDepartment, bool departmentActive) {
        bytes32 id = _operators[account];
        return (_departments[id].active ? id : bytes32(0), _departments[departmentId].active);
    }

    function isActive(bytes32 departmentId) external view returns (bool) {
        return _departments[departmentId].active;
    }

    function isCouncilMember(bytes32 departmentId) external view returns (bool) {
        return _departments[departmentId].active && _departments[departmentId].councilSeat;
    }

    function department(bytes32 departmentId) external view returns (IConsortium.Department memory) {
        Dept storage d = _departments[departmentId];
        return
            IConsortium.Department({
                level: IConsortium.Level.Province,
                status: d.active ? IConsortium.DepartmentStatus.Active : IConsortium.DepartmentStatus.Suspended,
                councilSeat: d.councilSeat,
                regionCode: d.regionCode,
                parent: d.parent
            });
    }

    function replyDeadline() external view returns (uint64) {
        return _replyDeadline;
    }

    function objectionAnswerDeadline() external view returns (uint64) {
        return _objectionAnswerDeadline;
    }

    function isModule(address) external pure returns (bool) {
        return true;
    }
}
