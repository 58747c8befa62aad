// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsortium} from "./IConsortium.sol";
import {ProposalPayload} from "./ProposalPayload.sol";
import {Roles} from "../libraries/Roles.sol";

/**
 * @title Consortium
 * @notice Member departments, their operator accounts, and the council that governs membership by proposals executed
 * at a quorum of active seat-holding departments. Also the Besu account-permissioning contract of the network.
 */
contract Consortium is IConsortium {
    /// @dev An operator account and the department it acts for. Two slots.
    struct Operator {
        bytes32 departmentId;
        bool admin;
    }

    uint256 private constant _BPS = 10_000;
    uint16 private constant _MIN_QUORUM_BPS = 5_000;
    uint16 private constant _MAX_QUORUM_BPS = 10_000;
    /// @dev In working days, for the reply and the objection answer deadlines alike: at least one, at most a year's
    /// (a year has about 250).
    uint64 private constant _MIN_REPLY_DEADLINE = 1;
    uint64 private constant _MAX_REPLY_DEADLINE = 250;
    uint64 private constant _PROPOSAL_LIFETIME = 7 days;
    uint32 private constant _MIN_REGION_CODE = 100_000;
    uint32 private constant _MAX_REGION_CODE = 999_999;
    uint256 private constant _CODE_LENGTH = 18;
    bytes8 private constant _ENODE_SCHEME = "enode://";
    uint256 private constant _MAX_ENODE_LENGTH = 256;
    bytes8 private constant _HTTPS_SCHEME = "https://";
    bytes7 private constant _HTTP_SCHEME = "http://";
    uint256 private constant _MAX_ENDPOINT_LENGTH = 256;

    address private immutable _deployer;

    // One slot: founded flag, active seat count, quorum, reply deadline, objection answer deadline.
    bool private _founded;
    /// @dev Seats held by active departments; kept in step by admit, suspend, reinstate, grant and revoke.
    uint16 private _councilSeats;
    uint16 private _quorumBps = _MIN_QUORUM_BPS;
    /// @dev Working days; 10 as the 2016 sharing rules (政务信息资源共享管理暂行办法) set it.
    uint64 private _replyDeadline = 10;
    /// @dev Working days; the reply deadline's default, as the provider's answer to an objection is a reply too.
    uint64 private _objectionAnswerDeadline = 10;

    uint256 private _proposalCount;

    mapping(bytes32 departmentId => Department) private _departments;
    mapping(address account => Operator) private _operators;
    mapping(address module => bool) private _modules;
    mapping(uint256 proposalId => Proposal) private _proposals;
    mapping(uint256 proposalId => mapping(bytes32 departmentId => bool)) private _approvals;
    /// @dev Who approved each proposal, in order: recounted at every approval, so that only seat holders count.
    mapping(uint256 proposalId => bytes32[] departmentIds) private _approvers;
    mapping(bytes32 departmentId => string enode) private _nodes;
    mapping(bytes32 departmentId => string url) private _gatewayEndpoints;

    constructor() {
        _deployer = msg.sender;
    }

    // ---------------------------------------------------------------- bootstrapping

    /// @inheritdoc IConsortium
    function found(
        DepartmentProfile[] calldata founders,
        address[] calldata admins,
        address[] calldata modules
    ) external {
        if (msg.sender != _deployer) revert ConsortiumUnauthorizedAccount(msg.sender, Roles.FOUNDER);
        if (_founded) revert ConsortiumAlreadyFounded();
        if (founders.length != admins.length) revert ConsortiumInvalidProfile(bytes32(0));
        _founded = true;
        for (uint256 i = 0; i < founders.length; ++i) {
            _admit(founders[i], admins[i], msg.sender);
        }
        if (_councilSeats == 0) revert ConsortiumNoFoundingCouncil();
        for (uint256 i = 0; i < modules.length; ++i) {
            if (modules[i] == address(0)) revert ConsortiumZeroAddress();
            _modules[modules[i]] = true;
        }
        emit ConsortiumFounded(msg.sender, modules);
    }

    // ---------------------------------------------------------------- operators

    /// @inheritdoc IConsortium
    function addOperator(address account, bool admin) external {
        bytes32 departmentId = _adminDepartmentOf(msg.sender);
        _requireNewOperator(account);
        _operators[account] = Operator(departmentId, admin);
        emit OperatorAdded(departmentId, account, admin, msg.sender);
    }

    /// @inheritdoc IConsortium
    function removeOperator(address account) external {
        bytes32 departmentId = _adminDepartmentOf(msg.sender);
        if (account == msg.sender) revert ConsortiumCannotRemoveSelf(account);
        bytes32 actsFor = _operators[account].departmentId;
        if (actsFor == bytes32(0)) revert ConsortiumUnknownOperator(account, departmentId);
        if (actsFor != departmentId) revert ConsortiumUnauthorizedAccount(msg.sender, actsFor);
        delete _operators[account];
        emit OperatorRemoved(departmentId, account, msg.sender);
    }

    /// @inheritdoc IConsortium
    function registerNode(string calldata enode) external {
        bytes32 departmentId = _adminDepartmentOf(msg.sender);
        bytes calldata url = bytes(enode);
        if (url.length <= _ENODE_SCHEME.length || url.length > _MAX_ENODE_LENGTH || bytes8(url[:8]) != _ENODE_SCHEME) {
            revert ConsortiumInvalidEnode(enode);
        }
        _nodes[departmentId] = enode;
        emit NodeRegistered(departmentId, enode, msg.sender);
    }

    /// @inheritdoc IConsortium
    function setGatewayEndpoint(string calldata url) external {
        bytes32 departmentId = _adminDepartmentOf(msg.sender);
        if (!_isEndpoint(bytes(url))) revert ConsortiumInvalidEndpoint(url);
        _gatewayEndpoints[departmentId] = url;
        emit GatewayEndpointSet(departmentId, url, msg.sender);
    }

    /// @inheritdoc IConsortium
    function clearGatewayEndpoint() external {
        bytes32 departmentId = _adminDepartmentOf(msg.sender);
        _requireEndpoint(departmentId);
        delete _gatewayEndpoints[departmentId];
        emit GatewayEndpointSet(departmentId, "", msg.sender);
    }

    // ---------------------------------------------------------------- council

    /// @inheritdoc IConsortium
    function propose(ProposalAction action, bytes calldata payload) external returns (uint256 proposalId) {
        bytes32 departmentId = _councilDepartmentOf(msg.sender);
        ProposalPayload.requireWellFormed(action, payload);
        _requireExecutable(action, payload);

        proposalId = ++_proposalCount;
        uint64 expiresAt = uint64(block.timestamp) + _PROPOSAL_LIFETIME;
        Proposal storage p = _proposals[proposalId];
        p.action = action;
        p.expiresAt = expiresAt;
        p.proposer = departmentId;
        p.payload = payload;
        emit ProposalCreated(proposalId, departmentId, action, payload, expiresAt);
        _approve(proposalId, p, departmentId);
    }

    /// @inheritdoc IConsortium
    function approve(uint256 proposalId) external {
        bytes32 departmentId = _councilDepartmentOf(msg.sender);
        if (proposalId == 0 || proposalId > _proposalCount) revert ConsortiumUnknownProposal(proposalId);
        Proposal storage p = _proposals[proposalId];
        if (p.executed) revert ConsortiumProposalAlreadyExecuted(proposalId);
        if (block.timestamp > p.expiresAt) revert ConsortiumProposalExpired(proposalId, p.expiresAt);
        if (_approvals[proposalId][departmentId]) revert ConsortiumAlreadyApproved(proposalId, departmentId);
        bytes32 proposer = p.proposer;
        if (!isCouncilMember(proposer)) revert ConsortiumProposerWithoutSeat(proposalId, proposer);
        _approve(proposalId, p, departmentId);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IConsortium
    function operatorOf(address account) external view returns (bytes32 departmentId, bool admin) {
        Operator storage op = _operators[account];
        return (op.departmentId, op.admin);
    }

    /// @inheritdoc IConsortium
    function activeDepartmentOf(address account) public view returns (bytes32 departmentId) {
        departmentId = _operators[account].departmentId;
        if (departmentId != bytes32(0) && _departments[departmentId].status != DepartmentStatus.Active) {
            departmentId = bytes32(0);
        }
    }

    /// @inheritdoc IConsortium
    function activeDepartmentOfAndIsActive(
        address account,
        bytes32 departmentId
    ) external view returns (bytes32 activeDepartment, bool departmentActive) {
        activeDepartment = activeDepartmentOf(account);
        departmentActive = _departments[departmentId].status == DepartmentStatus.Active;
    }

    /// @inheritdoc IConsortium
    function nodeOf(bytes32 departmentId) external view returns (string memory) {
        return _nodes[departmentId];
    }

    /// @inheritdoc IConsortium
    function gatewayEndpointOf(bytes32 departmentId) external view returns (string memory) {
        return _gatewayEndpoints[departmentId];
    }

    /// @inheritdoc IConsortium
    function department(bytes32 departmentId) external view returns (Department memory) {
        return _departments[departmentId];
    }

    /// @inheritdoc IConsortium
    function isActive(bytes32 departmentId) external view returns (bool) {
        return _departments[departmentId].status == DepartmentStatus.Active;
    }

    /// @inheritdoc IConsortium
    function isCouncilMember(bytes32 departmentId) public view returns (bool) {
        Department storage d = _departments[departmentId];
        return d.status == DepartmentStatus.Active && d.councilSeat;
    }

    /// @inheritdoc IConsortium
    function councilSeats() external view returns (uint16) {
        return _councilSeats;
    }

    /// @inheritdoc IConsortium
    function requiredApprovals() public view returns (uint16) {
        uint256 seats = _councilSeats;
        uint256 quorum = (seats * _quorumBps) / _BPS + 1;
        // min(seats, quorum) <= seats, which is a uint16.
        return uint16(quorum < seats ? quorum : seats);
    }

    /// @inheritdoc IConsortium
    function quorumBps() external view returns (uint16) {
        return _quorumBps;
    }

    /// @inheritdoc IConsortium
    function replyDeadline() external view returns (uint64) {
        return _replyDeadline;
    }

    /// @inheritdoc IConsortium
    function objectionAnswerDeadline() external view returns (uint64) {
        return _objectionAnswerDeadline;
    }

    /// @inheritdoc IConsortium
    function proposalLifetime() external pure returns (uint64) {
        return _PROPOSAL_LIFETIME;
    }

    /// @inheritdoc IConsortium
    function proposal(uint256 proposalId) external view returns (Proposal memory) {
        return _proposals[proposalId];
    }

    /// @inheritdoc IConsortium
    function liveApprovals(uint256 proposalId) public view returns (uint16 live) {
        bytes32[] storage approvers = _approvers[proposalId];
        uint256 n = approvers.length;
        for (uint256 i = 0; i < n; ++i) {
            if (isCouncilMember(approvers[i])) ++live;
        }
    }

    /// @inheritdoc IConsortium
    function hasApproved(uint256 proposalId, bytes32 departmentId) external view returns (bool) {
        return _approvals[proposalId][departmentId];
    }

    /// @inheritdoc IConsortium
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @inheritdoc IConsortium
    function founded() external view returns (bool) {
        return _founded;
    }

    /// @inheritdoc IConsortium
    function isModule(address module) external view returns (bool) {
        return _modules[module];
    }

    /// @inheritdoc IConsortium
    function transactionAllowed(
        address sender,
        address,
        uint256,
        uint256,
        uint256,
        bytes calldata
    ) external view returns (bool) {
        if (!_founded) return sender == _deployer;
        return activeDepartmentOf(sender) != bytes32(0);
    }

    // ---------------------------------------------------------------- callers

    /// @dev The department `account` administers; reverts unless it is an admin operator of an active department.
    function _adminDepartmentOf(address account) private view returns (bytes32 departmentId) {
        if (!_founded) revert ConsortiumNotFounded();
        Operator storage op = _operators[account];
        departmentId = op.departmentId;
        if (!op.admin || _departments[departmentId].status != DepartmentStatus.Active) {
            revert ConsortiumUnauthorizedAccount(account, Roles.DEPARTMENT_ADMIN);
        }
    }

    /// @dev The council department `account` acts for; reverts unless it is an operator of an active seat holder.
    function _councilDepartmentOf(address account) private view returns (bytes32 departmentId) {
        if (!_founded) revert ConsortiumNotFounded();
        departmentId = _operators[account].departmentId;
        if (!isCouncilMember(departmentId)) revert ConsortiumUnauthorizedAccount(account, Roles.COUNCIL_MEMBER);
    }

    // ---------------------------------------------------------------- proposals

    /// @dev Records `departmentId`'s approval and executes the proposal once the approvals of current seat holders
    /// reach the quorum of the current seats: a running count would still hold the votes of departments that have
    /// lost their seat since.
    function _approve(uint256 proposalId, Proposal storage p, bytes32 departmentId) private {
        _approvals[proposalId][departmentId] = true;
        _approvers[proposalId].push(departmentId);
        ++p.approvals;
        uint16 live = liveApprovals(proposalId);
        uint16 required = requiredApprovals();
        emit ProposalApproved(proposalId, departmentId, live, required);
        if (live >= required) _execute(proposalId, p);
    }

    /// @dev Reverts with the action's own error if the proposal could not execute now. The payload is well formed.
    function _requireExecutable(ProposalAction action, bytes memory payload) private view {
        if (action == ProposalAction.Admit) {
            (DepartmentProfile memory profile, address admin) = abi.decode(payload, (DepartmentProfile, address));
            _requireAdmissible(profile, admin);
        } else if (action == ProposalAction.SetQuorum) {
            _requireQuorum(abi.decode(payload, (uint16)));
        } else if (action == ProposalAction.SetReplyDeadline) {
            _requireReplyDeadline(abi.decode(payload, (uint64)));
        } else if (action == ProposalAction.SetObjectionAnswerDeadline) {
            _requireObjectionAnswerDeadline(abi.decode(payload, (uint64)));
        } else if (action == ProposalAction.Call) {
            (address module, ) = abi.decode(payload, (address, bytes));
            if (!_modules[module]) revert ConsortiumUnknownModule(module);
        } else {
            bytes32 departmentId = abi.decode(payload, (bytes32));
            if (action == ProposalAction.Suspend) _requireSuspendable(departmentId);
            else if (action == ProposalAction.Reinstate) _requireReinstatable(departmentId);
            else if (action == ProposalAction.GrantSeat) _requireSeatGrantable(departmentId);
            else if (action == ProposalAction.RevokeSeat) _requireSeatRevocable(departmentId);
            else if (action == ProposalAction.ClearNode) _requireNode(departmentId);
            else _requireEndpoint(departmentId);
        }
    }

    /// @dev Marks the proposal executed (before any external call) and applies it, re-checking it first.
    function _execute(uint256 proposalId, Proposal storage p) private {
        p.executed = true;
        ProposalAction action = p.action;
        bytes memory payload = p.payload;
        _requireExecutable(action, payload);

        if (action == ProposalAction.Admit) {
            (DepartmentProfile memory profile, address admin) = abi.decode(payload, (DepartmentProfile, address));
            _admit(profile, admin, address(this));
        } else if (action == ProposalAction.SetQuorum) {
            uint16 quorum = abi.decode(payload, (uint16));
            _quorumBps = quorum;
            emit QuorumChanged(quorum, proposalId);
        } else if (action == ProposalAction.SetReplyDeadline) {
            uint64 deadline = abi.decode(payload, (uint64));
            _replyDeadline = deadline;
            emit ReplyDeadlineChanged(deadline, proposalId);
        } else if (action == ProposalAction.SetObjectionAnswerDeadline) {
            uint64 deadline = abi.decode(payload, (uint64));
            _objectionAnswerDeadline = deadline;
            emit ObjectionAnswerDeadlineChanged(deadline, proposalId);
        } else if (action == ProposalAction.Call) {
            (address module, bytes memory callData) = abi.decode(payload, (address, bytes));
            // The module is registered at founding and trusted; the proposal is already marked executed.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory returndata) = module.call(callData);
            if (!ok) revert ConsortiumCallFailed(module, returndata);
        } else if (action == ProposalAction.ClearNode) {
            bytes32 departmentId = abi.decode(payload, (bytes32));
            delete _nodes[departmentId];
            emit NodeCleared(departmentId, proposalId);
        } else if (action == ProposalAction.ClearEndpoint) {
            bytes32 departmentId = abi.decode(payload, (bytes32));
            delete _gatewayEndpoints[departmentId];
            emit GatewayEndpointCleared(departmentId, proposalId);
        } else {
            _changeDepartment(action, abi.decode(payload, (bytes32)), proposalId);
        }
        emit ProposalExecuted(proposalId, action);
    }

    /// @dev Applies Suspend, Reinstate, GrantSeat or RevokeSeat (already checked), keeping the seat count in step.
    function _changeDepartment(ProposalAction action, bytes32 departmentId, uint256 proposalId) private {
        Department storage d = _departments[departmentId];
        if (action == ProposalAction.Suspend) {
            d.status = DepartmentStatus.Suspended;
            if (d.councilSeat) --_councilSeats;
            emit DepartmentSuspended(departmentId, proposalId);
        } else if (action == ProposalAction.Reinstate) {
            d.status = DepartmentStatus.Active;
            if (d.councilSeat) ++_councilSeats;
            emit DepartmentReinstated(departmentId, proposalId);
        } else if (action == ProposalAction.GrantSeat) {
            d.councilSeat = true;
            ++_councilSeats;
            emit CouncilSeatChanged(departmentId, true, proposalId);
        } else {
            d.councilSeat = false;
            if (d.status == DepartmentStatus.Active) --_councilSeats;
            emit CouncilSeatChanged(departmentId, false, proposalId);
        }
    }

    // ---------------------------------------------------------------- departments

    /// @dev Admits a department with its first admin operator; `by` is the deployer or the council (this contract).
    function _admit(DepartmentProfile memory profile, address admin, address by) private {
        _requireAdmissible(profile, admin);
        bytes32 id = profile.id;
        _departments[id] = Department({
            level: profile.level,
            status: DepartmentStatus.Active,
            councilSeat: profile.councilSeat,
            regionCode: profile.regionCode,
            parent: profile.parent
        });
        if (profile.councilSeat) ++_councilSeats;
        emit DepartmentAdmitted(
            id,
            profile.parent,
            profile.level,
            profile.regionCode,
            profile.councilSeat,
            profile.code,
            profile.name
        );
        _operators[admin] = Operator(id, true);
        emit OperatorAdded(id, admin, true, by);
    }

    function _requireAdmissible(DepartmentProfile memory profile, address admin) private view {
        bytes32 id = profile.id;
        bytes memory code = bytes(profile.code);
        if (
            id == bytes32(0) ||
            code.length != _CODE_LENGTH ||
            keccak256(code) != id ||
            profile.regionCode < _MIN_REGION_CODE ||
            profile.regionCode > _MAX_REGION_CODE ||
            (profile.parent != bytes32(0) && _departments[profile.parent].status == DepartmentStatus.None)
        ) revert ConsortiumInvalidProfile(id);
        if (_departments[id].status != DepartmentStatus.None) revert ConsortiumDepartmentExists(id);
        _requireNewOperator(admin);
    }

    function _requireNewOperator(address account) private view {
        if (account == address(0)) revert ConsortiumZeroAddress();
        bytes32 actsFor = _operators[account].departmentId;
        if (actsFor != bytes32(0)) revert ConsortiumOperatorExists(account, actsFor);
    }

    function _requireSuspendable(bytes32 departmentId) private view {
        Department storage d = _requireStatus(departmentId, DepartmentStatus.Active);
        // Suspending the last active seat holder would leave nobody able to propose or approve, forever.
        if (d.councilSeat && _councilSeats == 1) revert ConsortiumInvalidSeatChange(departmentId, false);
    }

    function _requireReinstatable(bytes32 departmentId) private view {
        _requireStatus(departmentId, DepartmentStatus.Suspended);
    }

    function _requireSeatGrantable(bytes32 departmentId) private view {
        Department storage d = _requireStatus(departmentId, DepartmentStatus.Active);
        if (d.councilSeat) revert ConsortiumInvalidSeatChange(departmentId, true);
    }

    function _requireSeatRevocable(bytes32 departmentId) private view {
        Department storage d = _departments[departmentId];
        if (d.status == DepartmentStatus.None) revert ConsortiumUnknownDepartment(departmentId);
        if (!d.councilSeat || (d.status == DepartmentStatus.Active && _councilSeats == 1)) {
            revert ConsortiumInvalidSeatChange(departmentId, false);
        }
    }

    function _requireStatus(bytes32 departmentId, DepartmentStatus status) private view returns (Department storage d) {
        d = _departments[departmentId];
        if (d.status == DepartmentStatus.None) revert ConsortiumUnknownDepartment(departmentId);
        if (d.status != status) revert ConsortiumInvalidDepartmentStatus(departmentId, d.status);
    }

    function _requireNode(bytes32 departmentId) private view {
        if (bytes(_nodes[departmentId]).length == 0) revert ConsortiumNoNode(departmentId);
    }

    function _requireEndpoint(bytes32 departmentId) private view {
        if (bytes(_gatewayEndpoints[departmentId]).length == 0) revert ConsortiumNoEndpoint(departmentId);
    }

    /// @dev An `https://` or `http://` URL with at least one byte after the scheme, of at most 256 bytes. The rest
    /// (host, port, path) is the gateways' to parse: a malformed one only makes the department unreachable.
    function _isEndpoint(bytes calldata url) private pure returns (bool) {
        uint256 length = url.length;
        if (length > _MAX_ENDPOINT_LENGTH) return false;
        if (length > _HTTPS_SCHEME.length && bytes8(url[:8]) == _HTTPS_SCHEME) return true;
        return length > _HTTP_SCHEME.length && bytes7(url[:7]) == _HTTP_SCHEME;
    }

    function _requireQuorum(uint16 quorum) private pure {
        if (quorum < _MIN_QUORUM_BPS || quorum > _MAX_QUORUM_BPS) revert ConsortiumInvalidQuorum(quorum);
    }

    function _requireReplyDeadline(uint64 deadline) private pure {
        if (deadline < _MIN_REPLY_DEADLINE || deadline > _MAX_REPLY_DEADLINE) {
            revert ConsortiumInvalidReplyDeadline(deadline);
        }
    }

    function _requireObjectionAnswerDeadline(uint64 deadline) private pure {
        if (deadline < _MIN_REPLY_DEADLINE || deadline > _MAX_REPLY_DEADLINE) {
            revert ConsortiumInvalidObjectionAnswerDeadline(deadline);
        }
    }
}
