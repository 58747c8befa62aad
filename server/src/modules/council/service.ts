import { id as keccakUtf8 } from "ethers";
import { yearWordsOf } from "../../../../core/calendar/working-days";
import type { ContractName } from "../../chain/deployment";
import { CONTRACT_INTERFACES, type KuajieChain, type WriteResult } from "../../chain/adapter";
import { TransactionRevertedError } from "../../chain/errors";
import { decodeRevert } from "../../chain/revert";
import { PROPOSAL_ACTION } from "../../../../core/codes/enumerations";
import { isoTime } from "../../common/time";
import { ContractRevertError, NotFoundError } from "../../common/errors";
import { proposalState, type CouncilStore, type ProposalRow, type ProposalState } from "../../store/council";
import type { DepartmentService } from "../departments/service";
import { consentKeyArg } from "../consents/service";
import {
  COUNCIL_CALLS,
  decodeProposal,
  encodeAdmit,
  encodeCall,
  encodeDepartmentId,
  encodeQuorum,
  encodeReplyDeadline,
  encodeObjectionAnswerDeadline,
  type CouncilCall,
} from "./payload";
import type { ConsentLookup } from "../consents/service";
import { AlreadyApprovedError, NotCouncilMemberError, ProposalClosedError } from "./errors";
import type { ProposalBody } from "./schemas";

const ZERO = `0x${"0".repeat(64)}`;

export interface CouncilServiceDeps {
  chain: Pick<KuajieChain, "write">;
  store: CouncilStore;
  consents: ConsentLookup;
  departments: DepartmentService;
  contracts: Readonly<Record<ContractName, string>>;
  indexedBlock: () => number;
  /** Seconds now, as the gateway knows the chain's time. */
  now: () => number;
}

/**
 * Council decisions through the caller department's key: a proposal (the proposer's department approves it at once,
 * so a one-seat council decides in one call) and approvals by the other seat holders. The contract is the final
 * guard; the checks here only answer the obvious refusals with the right status.
 */
export class CouncilService {
  constructor(private readonly deps: CouncilServiceDeps) {}

  async propose(departmentKey: string, body: ProposalBody) {
    this.requireCouncilMember(departmentKey);
    const { action, payload } = this.encode(body);
    const result = await this.write(departmentKey, "propose", [PROPOSAL_ACTION.toIndex(action), payload]);
    const created = result.events.find((e) => e.contract === "Consortium" && e.name === "ProposalCreated");
    if (!created) throw new Error("propose emitted no ProposalCreated event");
    return this.written(Number(created.args.proposalId), result);
  }

  async approve(departmentKey: string, proposalId: number) {
    const departmentId = this.requireCouncilMember(departmentKey);
    const row = this.require(proposalId);
    const state = proposalState(row, this.deps.now());
    if (state !== "open") {
      throw new ProposalClosedError(`proposal ${proposalId} is ${state}`, { proposalId, proposalStatus: state });
    }
    if (this.deps.store.approvals(proposalId).some((a) => a.departmentId === departmentId)) {
      throw new AlreadyApprovedError(`the caller's department already approved proposal ${proposalId}`, {
        proposalId,
        departmentId,
      });
    }
    const result = await this.write(departmentKey, "approve", [proposalId]);
    return this.written(proposalId, result);
  }

  list(state?: ProposalState) {
    const now = this.deps.now();
    return {
      items: this.deps.store.list(state, now).map((row) => this.view(row, now)),
      block: this.deps.indexedBlock(),
    };
  }

  get(proposalId: number) {
    return { ...this.view(this.require(proposalId), this.deps.now()), block: this.deps.indexedBlock() };
  }

  /**
   * The proposal as written. The write waited for the indexer; if the index is still behind, the answer is taken
   * from the transaction's own events, marked `indexed: false`.
   */
  private written(proposalId: number, result: WriteResult) {
    const block = this.deps.indexedBlock();
    if (block >= result.blockNumber) return { ...this.get(proposalId), txHash: result.txHash };
    const mine = (name: string) =>
      result.events.filter(
        (e) => e.contract === "Consortium" && e.name === name && Number(e.args.proposalId) === proposalId,
      );
    const created = mine("ProposalCreated")[0];
    const approved = mine("ProposalApproved").at(-1);
    return {
      proposalId,
      status: mine("ProposalExecuted").length > 0 ? "executed" : "open",
      approvals: approved ? Number(approved.args.approvals) : null,
      required: approved ? Number(approved.args.required) : null,
      ...(created ? { expiresAt: isoTime(String(created.args.expiresAt)) } : {}),
      txHash: result.txHash,
      indexed: false,
      block,
    };
  }

  private require(proposalId: number): ProposalRow {
    const row = this.deps.store.get(proposalId);
    if (!row) throw new NotFoundError(`no council proposal with id ${proposalId}`, { proposalId });
    return row;
  }

  /** The caller's department id; 403 unless it is an active member holding a council seat. */
  requireCouncilMember(departmentKey: string): string {
    const id = this.deps.departments.idOf(departmentKey);
    const member = id ? this.deps.departments.get(id) : null;
    if (!id || !member || member.status !== "active" || !member.council) {
      throw new NotCouncilMemberError("only an active department with a council seat may do this", {
        departmentId: id,
      });
    }
    return id;
  }

  private encode(body: ProposalBody): { action: (typeof PROPOSAL_ACTION.values)[number]; payload: string } {
    switch (body.action) {
      case "admit": {
        const d = body.department;
        const profile = {
          id: keccakUtf8(d.code),
          level: d.level,
          regionCode: d.regionCode,
          parent: d.parent ?? null,
          councilSeat: d.councilSeat,
          code: d.code,
          name: d.name,
        };
        return { action: "admit", payload: encodeAdmit(profile, body.admin) };
      }
      case "suspend":
      case "reinstate":
      case "grant_seat":
      case "revoke_seat":
      case "clear_node":
      case "clear_endpoint":
        return { action: body.action, payload: encodeDepartmentId(body.departmentId) };
      case "set_quorum":
        return { action: "set_quorum", payload: encodeQuorum(body.quorumBps) };
      case "set_reply_deadline":
        return { action: "set_reply_deadline", payload: encodeReplyDeadline(body.workingDays) };
      case "set_objection_answer_deadline":
        return {
          action: "set_objection_answer_deadline",
          payload: encodeObjectionAnswerDeadline(body.workingDays),
        };
      case "decide_agreement":
        return this.call("decide_agreement", [
          body.agreementId,
          body.approve,
          body.reason === undefined ? ZERO : keccakUtf8(body.reason),
        ]);
      case "suspend_agreement":
      case "resume_agreement":
        return this.call(body.action, [body.agreementId]);
      case "terminate_agreement":
        return this.call("terminate_agreement", [body.agreementId, keccakUtf8(body.reason)]);
      case "pause_grant":
      case "resume_grant":
      case "revoke_grant":
        return this.call(body.action, [body.grantId]);
      case "publish_calendar_year": {
        const words = yearWordsOf(body.year, body);
        return this.call("publish_calendar_year", [body.year, words.firstWord, words.secondWord]);
      }
      case "assign_responsibility":
        return this.call("assign_responsibility", [body.demandId, body.responsible, body.workingDays]);
      case "decide_objection":
        return this.call("decide_objection", [
          body.objectionId,
          body.uphold,
          body.reason === undefined ? ZERO : keccakUtf8(body.reason),
        ]);
      case "revoke_consent": {
        const consent = this.deps.consents.get(body.consentId);
        if (!consent) throw new NotFoundError(`no consent with id ${body.consentId}`, { consentId: body.consentId });
        return this.call("revoke_consent", [consentKeyArg(consent)]);
      }
    }
  }

  private call(name: CouncilCall, args: readonly unknown[]) {
    const { contract, method } = COUNCIL_CALLS[name];
    return { action: "call" as const, payload: encodeCall(this.deps.contracts[contract], contract, method, args) };
  }

  /** A Consortium write; a council call the module refused is reported with the module's own error decoded. */
  private async write(departmentKey: string, method: string, args: readonly unknown[]): Promise<WriteResult> {
    try {
      return await this.deps.chain.write(departmentKey, "Consortium", method, args);
    } catch (error) {
      if (error instanceof TransactionRevertedError && error.errorName === "ConsortiumCallFailed") {
        const moduleError = decodeRevert(String(error.args.reason), Object.values(CONTRACT_INTERFACES));
        if (moduleError) {
          throw new ContractRevertError(
            error.errorName,
            { ...error.args, moduleError: { errorName: moduleError.errorName, args: moduleError.args } },
            { detail: `the council call reverted with ${moduleError.errorName}`, cause: error },
          );
        }
      }
      throw error;
    }
  }

  private view(row: ProposalRow, now: number) {
    const { action, details } = decodeProposal(row.action, row.payload, this.deps.contracts);
    return {
      proposalId: row.id,
      action,
      status: proposalState(row, now),
      details,
      payload: row.payload,
      proposer: row.proposer,
      approvals: row.approvals,
      required: row.required,
      expiresAt: isoTime(row.expiresAt),
      createdBlock: row.createdBlock,
      createdAt: isoTime(row.createdAt),
      createdTx: row.createdTx,
      executedBlock: row.executedBlock,
      executedAt: row.executedAt === null ? null : isoTime(row.executedAt),
      executedTx: row.executedTx,
      approvedBy: this.deps.store.approvals(row.id).map((a) => ({
        departmentId: a.departmentId,
        key: this.deps.departments.keyOf(a.departmentId),
        blockNumber: a.blockNumber,
        time: isoTime(a.blockTime),
        txHash: a.txHash,
      })),
    };
  }
}
