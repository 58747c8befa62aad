// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IConsortium
 * @notice The member departments of a Kuajie consortium, the accounts that act for them, and the council that
 * governs membership by proposals executed at a quorum of seat-holding departments (one department, one vote).
 *
 * A department is keyed by `keccak256(bytes(unifiedSocialCreditCode))`; its name and code appear only in events.
 * Other Kuajie contracts ("modules") ask this contract who an account acts for, and accept council decisions as calls
 * made by this contract when a proposal of action `Call` executes.
 *
 * The contract also implements Hyperledger Besu's account-permissioning interface (`transactionAllowed`), and holds
 * the enode URL of each department's node: with the operators of active departments, the source from which
 * `npm run besu:permissions` writes Besu's local allowlists (Besu removed on-chain permissioning in 25.6).
 * It also publishes the exchange endpoint of each department's gateway: the base URL at which other departments'
 * gateways call it (`POST {endpoint}/exchange/v1/fetch`).
 */
interface IConsortium {
    /// @notice Administrative level of a department.
    enum Level {
        Central,
        Province,
        City,
        County,
        Township
    }

    /// @notice Membership status. `None` means the id was never admitted.
    enum DepartmentStatus {
        None,
        Active,
        Suspended
    }

    /// @notice What a council proposal does when it executes. The payload of each action is ABI-encoded:
    /// - `Admit`: `(DepartmentProfile profile, address admin)`
    /// - `Suspend`, `Reinstate`, `GrantSeat`, `RevokeSeat`, `ClearNode`, `ClearEndpoint`: `(bytes32 departmentId)`
    /// - `SetQuorum`: `(uint16 quorumBps)`, 5000..10000
    /// - `SetReplyDeadline`: `(uint64 workingDays)`, 1 .. 250: the reply deadline of conditional requests in working
    ///   days of the council's WorkingCalendar (default 10, as the 2016 sharing rules set it)
    /// - `SetObjectionAnswerDeadline`: `(uint64 workingDays)`, 1 .. 250: the working days a provider has to answer a
    ///   data-quality objection, on the same calendar (default 10, as the reply deadline)
    /// - `Call`: `(address module, bytes callData)`: the consortium calls a registered module, e.g. to decide an
    ///   escalated agreement or to suspend an agreement, pause a grant or revoke a consent as the council.
    /// - `ClearNode`: forgets the department's registered node, which leaves the nodes allowlist at its next
    ///   regeneration.
    /// - `ClearEndpoint`: forgets the department's published gateway endpoint, so that no gateway calls it any more.
    enum ProposalAction {
        Admit,
        Suspend,
        Reinstate,
        GrantSeat,
        RevokeSeat,
        SetQuorum,
        SetReplyDeadline,
        Call,
        ClearNode,
        ClearEndpoint,
        SetObjectionAnswerDeadline
    }

    /// @notice Stored record of a department. Fits in two slots.
    struct Department {
        Level level;
        DepartmentStatus status;
        bool councilSeat;
        uint32 regionCode;
        bytes32 parent;
    }

    /// @notice What is needed to admit a department. `code` and `name` are only emitted, never stored.
    struct DepartmentProfile {
        bytes32 id;
        Level level;
        uint32 regionCode;
        bytes32 parent;
        bool councilSeat;
        string code;
        string name;
    }

    /// @notice A council proposal. `approvals` counts the approvals recorded; only those of departments that hold a
    /// seat at execution count towards the quorum (see {liveApprovals}).
    struct Proposal {
        ProposalAction action;
        bool executed;
        uint16 approvals;
        uint64 expiresAt;
        bytes32 proposer;
        bytes payload;
    }

    // ---------------------------------------------------------------- errors

    /// @notice `account` is not allowed to do what it tried; `needed` says what it needed to be.
    /// `needed` is one of the `ROLE_*` constants below, or a department id when it had to act for that department.
    error ConsortiumUnauthorizedAccount(address account, bytes32 needed);
    /// @notice The consortium was already founded.
    error ConsortiumAlreadyFounded();
    /// @notice The consortium has not been founded yet.
    error ConsortiumNotFounded();
    /// @notice Founding needs at least one department with a council seat.
    error ConsortiumNoFoundingCouncil();
    /// @notice The department id is already admitted.
    error ConsortiumDepartmentExists(bytes32 departmentId);
    /// @notice The department id was never admitted.
    error ConsortiumUnknownDepartment(bytes32 departmentId);
    /// @notice The department is not in the status the action needs.
    error ConsortiumInvalidDepartmentStatus(bytes32 departmentId, DepartmentStatus status);
    /// @notice The profile is malformed (zero id, region code not six digits, unknown parent, code not 18 chars).
    error ConsortiumInvalidProfile(bytes32 departmentId);
    /// @notice The account already acts for a department.
    error ConsortiumOperatorExists(address account, bytes32 departmentId);
    /// @notice The account does not act for the department.
    error ConsortiumUnknownOperator(address account, bytes32 departmentId);
    /// @notice An operator may not remove itself (a department must keep an admin).
    error ConsortiumCannotRemoveSelf(address account);
    /// @notice The zero address cannot be an operator.
    error ConsortiumZeroAddress();
    /// @notice The seat change is a no-op or would leave the council empty.
    error ConsortiumInvalidSeatChange(bytes32 departmentId, bool councilSeat);
    /// @notice The quorum is outside 5000..10000 basis points.
    error ConsortiumInvalidQuorum(uint16 quorumBps);
    /// @notice The reply deadline is outside 1 .. 250 working days.
    error ConsortiumInvalidReplyDeadline(uint64 replyDeadline);
    /// @notice The objection answer deadline is outside 1 .. 250 working days.
    error ConsortiumInvalidObjectionAnswerDeadline(uint64 objectionAnswerDeadline);
    /// @notice The target of a `Call` proposal is not a registered module.
    error ConsortiumUnknownModule(address module);
    /// @notice The proposal id does not exist.
    error ConsortiumUnknownProposal(uint256 proposalId);
    /// @notice The proposal is past its expiry.
    error ConsortiumProposalExpired(uint256 proposalId, uint64 expiresAt);
    /// @notice The proposal already executed.
    error ConsortiumProposalAlreadyExecuted(uint256 proposalId);
    /// @notice The proposer's department no longer holds a council seat (revoked, or the department suspended): its
    /// proposal cannot execute.
    error ConsortiumProposerWithoutSeat(uint256 proposalId, bytes32 proposer);
    /// @notice The department already approved the proposal.
    error ConsortiumAlreadyApproved(uint256 proposalId, bytes32 departmentId);
    /// @notice The payload does not decode for the action.
    error ConsortiumInvalidPayload(ProposalAction action);
    /// @notice The node URL is not `enode://...` of at most 256 bytes.
    error ConsortiumInvalidEnode(string enode);
    /// @notice The department has no registered node to clear.
    error ConsortiumNoNode(bytes32 departmentId);
    /// @notice The gateway endpoint is not an `https://` or `http://` URL with something after the scheme, of at most
    /// 256 bytes.
    error ConsortiumInvalidEndpoint(string url);
    /// @notice The department has no published gateway endpoint to clear.
    error ConsortiumNoEndpoint(bytes32 departmentId);
    /// @notice A `Call` proposal's module call reverted; `reason` is the module's revert data.
    error ConsortiumCallFailed(address module, bytes reason);

    // ---------------------------------------------------------------- events

    /// @notice The deployer founded the consortium and registered the modules that accept council calls.
    event ConsortiumFounded(address indexed founder, address[] modules);
    /// @notice A department was admitted (at founding or by proposal).
    event DepartmentAdmitted(
        bytes32 indexed departmentId,
        bytes32 indexed parent,
        Level level,
        uint32 regionCode,
        bool councilSeat,
        string code,
        string name
    );
    /// @notice A department was suspended by the council; its operators can no longer act.
    event DepartmentSuspended(bytes32 indexed departmentId, uint256 indexed proposalId);
    /// @notice A suspended department was reinstated by the council.
    event DepartmentReinstated(bytes32 indexed departmentId, uint256 indexed proposalId);
    /// @notice A department gained or lost its council seat.
    event CouncilSeatChanged(bytes32 indexed departmentId, bool councilSeat, uint256 indexed proposalId);
    /// @notice An account now acts for a department. `admin` accounts manage the department's operators.
    event OperatorAdded(bytes32 indexed departmentId, address indexed account, bool admin, address indexed by);
    /// @notice An account no longer acts for a department.
    event OperatorRemoved(bytes32 indexed departmentId, address indexed account, address indexed by);
    /// @notice A department's admin operator `by` registered (or replaced) the enode URL of the department's node.
    event NodeRegistered(bytes32 indexed departmentId, string enode, address indexed by);
    /// @notice The council cleared a department's node.
    event NodeCleared(bytes32 indexed departmentId, uint256 indexed proposalId);
    /// @notice A department's admin operator `by` published (or replaced) the exchange endpoint of the department's
    /// gateway; an empty `url` means the admin withdrew it ({clearGatewayEndpoint}).
    event GatewayEndpointSet(bytes32 indexed departmentId, string url, address indexed by);
    /// @notice The council cleared a department's gateway endpoint.
    event GatewayEndpointCleared(bytes32 indexed departmentId, uint256 indexed proposalId);
    /// @notice A council proposal was made; the proposer's department approved it at once.
    event ProposalCreated(
        uint256 indexed proposalId,
        bytes32 indexed proposer,
        ProposalAction action,
        bytes payload,
        uint64 expiresAt
    );
    /// @notice A council department approved a proposal. `approvals` counts the approvals of departments that hold a
    /// seat now (approvals of departments that have since lost their seat do not count); `required` is the quorum now.
    event ProposalApproved(uint256 indexed proposalId, bytes32 indexed departmentId, uint16 approvals, uint16 required);
    /// @notice A proposal reached its quorum and took effect.
    event ProposalExecuted(uint256 indexed proposalId, ProposalAction action);
    /// @notice The quorum changed.
    event QuorumChanged(uint16 quorumBps, uint256 indexed proposalId);
    /// @notice The reply deadline for conditional sharing requests changed (in working days).
    event ReplyDeadlineChanged(uint64 replyDeadline, uint256 indexed proposalId);
    /// @notice The answer deadline for data-quality objections changed (in working days).
    event ObjectionAnswerDeadlineChanged(uint64 objectionAnswerDeadline, uint256 indexed proposalId);

    // ---------------------------------------------------------------- bootstrapping

    /**
     * @notice Founds the consortium: admits the founding departments (at least one with a council seat), makes
     * `admins[i]` the admin operator of `founders[i]`, and registers `modules` as the contracts the council may call.
     * Only the deployer, only once; afterwards the deployer has no special power.
     */
    function found(
        DepartmentProfile[] calldata founders,
        address[] calldata admins,
        address[] calldata modules
    ) external;

    // ---------------------------------------------------------------- operators

    /// @notice Adds `account` as an operator of the caller's department. Only an admin operator of an active
    /// department.
    function addOperator(address account, bool admin) external;

    /// @notice Removes `account` from the caller's department. Only an admin operator of an active department; not
    /// itself.
    function removeOperator(address account) external;

    /**
     * @notice Registers (or replaces) the enode URL of the caller's department's node (validator or member): the
     * `enode://` scheme, the node's public key in 128 hex digits, then its host and port after an at sign. It is what
     * Besu's nodes allowlist takes while the department is active.
     * Only an admin operator of an active department.
     */
    function registerNode(string calldata enode) external;

    /**
     * @notice Publishes (or replaces) the exchange endpoint of the caller's department's gateway: the base URL, with
     * a lower-case `https://` or `http://` scheme and at most 256 bytes, at which other departments' gateways call
     * `POST {url}/exchange/v1/fetch`. Only the scheme and the length are checked on chain; a gateway that cannot be
     * reached there fails its callers' fetches with `provider_unreachable`. A suspended department's endpoint stays
     * recorded, but gateways ignore it until the department is reinstated.
     * Only an admin operator of an active department.
     */
    function setGatewayEndpoint(string calldata url) external;

    /**
     * @notice Withdraws the caller's department's gateway endpoint (emits {GatewayEndpointSet} with an empty URL).
     * Only an admin operator of an active department; `ConsortiumNoEndpoint` if none is published.
     */
    function clearGatewayEndpoint() external;

    // ---------------------------------------------------------------- council

    /**
     * @notice Makes a proposal; the proposer's department approves it at once, so with enough seats it executes in
     * the same call. Only an operator of an active department with a council seat.
     * @return proposalId the new proposal's id (sequential from 1)
     */
    function propose(ProposalAction action, bytes calldata payload) external returns (uint256 proposalId);

    /**
     * @notice Approves a proposal for the caller's department; executes it when the approvals of departments that hold
     * a seat now reach the quorum of the seats now. Only an operator of an active department with a council seat, and
     * only while the proposer's department still holds its seat (`ConsortiumProposerWithoutSeat` otherwise).
     */
    function approve(uint256 proposalId) external;

    // ---------------------------------------------------------------- views

    /// @notice The department `account` acts for (zero if none) and whether it is an admin operator.
    function operatorOf(address account) external view returns (bytes32 departmentId, bool admin);

    /// @notice The department `account` acts for, if it is active; zero otherwise. What modules check.
    function activeDepartmentOf(address account) external view returns (bytes32 departmentId);

    /**
     * @notice {activeDepartmentOf} `account` and {isActive} `departmentId` in one call: what a module needs when the
     * caller must act for an active department and name another active department (e.g. a consent's recipient).
     * @return activeDepartment the department `account` acts for if it is active, zero otherwise
     * @return departmentActive whether `departmentId` is admitted and active
     */
    function activeDepartmentOfAndIsActive(
        address account,
        bytes32 departmentId
    ) external view returns (bytes32 activeDepartment, bool departmentActive);

    /// @notice The enode URL registered for a department's node (empty if none).
    function nodeOf(bytes32 departmentId) external view returns (string memory);

    /// @notice The exchange endpoint published for a department's gateway (empty if none). It stays recorded while
    /// the department is suspended: callers check {isActive} and ignore a suspended department's endpoint.
    function gatewayEndpointOf(bytes32 departmentId) external view returns (string memory);

    /// @notice The stored record of a department (status `None` if unknown).
    function department(bytes32 departmentId) external view returns (Department memory);

    /// @notice True if the department is admitted and active.
    function isActive(bytes32 departmentId) external view returns (bool);

    /// @notice True if the department is active and holds a council seat.
    function isCouncilMember(bytes32 departmentId) external view returns (bool);

    /// @notice Number of council seats held by active departments.
    function councilSeats() external view returns (uint16);

    /// @notice Approvals a proposal needs now: `min(seats, floor(seats * quorumBps / 10000) + 1)`.
    function requiredApprovals() external view returns (uint16);

    /// @notice The quorum in basis points (5000 = more than half of the seats).
    function quorumBps() external view returns (uint16);

    /// @notice Working days a provider has to answer a conditional sharing request, counted on the WorkingCalendar
    /// from the day after the request (China Standard Time).
    function replyDeadline() external view returns (uint64);

    /// @notice Working days a provider has to answer a data-quality objection, counted on the WorkingCalendar from the
    /// day after the objection (China Standard Time).
    function objectionAnswerDeadline() external view returns (uint64);

    /// @notice Seconds a proposal stays open.
    function proposalLifetime() external view returns (uint64);

    /// @notice A proposal by id.
    function proposal(uint256 proposalId) external view returns (Proposal memory);

    /// @notice Approvals of `proposalId` by departments that hold a council seat now: what counts towards the quorum.
    function liveApprovals(uint256 proposalId) external view returns (uint16);

    /// @notice Whether `departmentId` approved `proposalId`.
    function hasApproved(uint256 proposalId, bytes32 departmentId) external view returns (bool);

    /// @notice Number of proposals made so far (the last id).
    function proposalCount() external view returns (uint256);

    /// @notice Whether the consortium has been founded.
    function founded() external view returns (bool);

    /// @notice Whether `module` is a registered module (accepts council calls).
    function isModule(address module) external view returns (bool);

    /**
     * @notice Hyperledger Besu account permissioning: whether `sender` may send a transaction at all. True for
     * operators of active departments, and for the deployer before founding.
     */
    function transactionAllowed(
        address sender,
        address target,
        uint256 value,
        uint256 gasPrice,
        uint256 gasLimit,
        bytes calldata payload
    ) external view returns (bool);
}
