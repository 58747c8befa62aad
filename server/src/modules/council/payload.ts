import { getAddress } from "ethers";
import {
  decodeAdmitPayload,
  decodeCallPayload,
  decodeDepartmentPayload,
  decodeWorkingDaysPayload,
  decodeQuorumPayload,
  encodeAdmitPayload,
  encodeCallPayload,
  encodeDepartmentPayload,
  encodeWorkingDaysPayload,
  encodeQuorumPayload,
} from "../../../../core/council/proposals";
import { CONTRACT_INTERFACES } from "../../chain/adapter";
import { abiArgsToJson } from "../../chain/json";
import type { JsonObject } from "../../common/indexed-event";
import type { ContractName } from "../../chain/deployment";
import { LEVEL, PROPOSAL_ACTION } from "../../../../core/codes/enumerations";

/**
 * Council proposals as the API shows them: encoding what the API asks for, and decoding what the chain holds back
 * into readable details, with the core's payload encoding (core/council/proposals.ts). The API names each council
 * call it knows (`decide_agreement`, `pause_grant`, …).
 */

const ZERO = `0x${"0".repeat(64)}`;

export interface DepartmentProfile {
  id: string;
  level: (typeof LEVEL.values)[number];
  regionCode: number;
  parent: string | null;
  councilSeat: boolean;
  code: string;
  name: string;
}

/** The council calls the API offers, as the module function each one calls. */
export const COUNCIL_CALLS = {
  decide_agreement: { contract: "SharingAgreements", method: "councilDecide" },
  suspend_agreement: { contract: "SharingAgreements", method: "suspend" },
  resume_agreement: { contract: "SharingAgreements", method: "resume" },
  terminate_agreement: { contract: "SharingAgreements", method: "terminate" },
  pause_grant: { contract: "Grants", method: "pause" },
  resume_grant: { contract: "Grants", method: "resume" },
  revoke_grant: { contract: "Grants", method: "revoke" },
  revoke_consent: { contract: "ConsentRegistry", method: "revokeByCouncil" },
  publish_calendar_year: { contract: "WorkingCalendar", method: "publishYear" },
  assign_responsibility: { contract: "DemandRegistry", method: "assign" },
  decide_objection: { contract: "Objections", method: "councilDecide" },
} as const satisfies Record<string, { contract: ContractName; method: string }>;
export type CouncilCall = keyof typeof COUNCIL_CALLS;

export function encodeAdmit(profile: DepartmentProfile, admin: string): string {
  return encodeAdmitPayload({ ...profile, level: LEVEL.toIndex(profile.level), parent: profile.parent ?? ZERO }, admin);
}

export const encodeDepartmentId = encodeDepartmentPayload;
export const encodeQuorum = encodeQuorumPayload;
export const encodeReplyDeadline = encodeWorkingDaysPayload;
export const encodeObjectionAnswerDeadline = encodeWorkingDaysPayload;

/** `abi.encode(module, callData)` for a council call to a registered module. */
export function encodeCall(moduleAddress: string, contract: ContractName, method: string, args: readonly unknown[]) {
  return encodeCallPayload(moduleAddress, CONTRACT_INTERFACES[contract].encodeFunctionData(method, args));
}

/** What a proposal does, readable: the API action name and its arguments (JSON: integers as decimal strings). */
export interface ProposalDetails {
  action: string;
  details: JsonObject;
}

/** Decodes a proposal's payload; a payload that does not decode is shown raw. */
export function decodeProposal(
  actionIndex: number,
  payload: string,
  contracts: Readonly<Record<ContractName, string>>,
): ProposalDetails {
  const action = PROPOSAL_ACTION.fromIndex(actionIndex);
  try {
    switch (action) {
      case "admit": {
        const { profile, admin } = decodeAdmitPayload(payload);
        return {
          action,
          details: {
            department: {
              id: profile.id.toLowerCase(),
              level: LEVEL.fromIndex(profile.level),
              regionCode: Number(profile.regionCode),
              parent: profile.parent === ZERO ? null : profile.parent.toLowerCase(),
              councilSeat: profile.councilSeat,
              code: profile.code,
              name: profile.name,
            },
            admin: getAddress(admin),
          },
        };
      }
      case "set_quorum":
        return { action, details: { quorumBps: decodeQuorumPayload(payload) } };
      case "set_reply_deadline":
        return { action, details: { workingDays: decodeWorkingDaysPayload(payload) } };
      case "set_objection_answer_deadline":
        return { action, details: { workingDays: decodeWorkingDaysPayload(payload) } };
      case "call":
        return decodeCall(payload, contracts);
      default:
        return { action, details: { departmentId: decodeDepartmentPayload(payload).toLowerCase() } };
    }
  } catch {
    return { action, details: { payload } };
  }
}

function decodeCall(payload: string, contracts: Readonly<Record<ContractName, string>>): ProposalDetails {
  const { module, callData } = decodeCallPayload(payload);
  const contract = (Object.keys(contracts) as ContractName[]).find(
    (name) => contracts[name].toLowerCase() === String(module).toLowerCase(),
  );
  const parsed = contract ? CONTRACT_INTERFACES[contract].parseTransaction({ data: String(callData) }) : null;
  if (!contract || !parsed) return { action: "call", details: { module: String(module), callData: String(callData) } };
  const args = abiArgsToJson(parsed.args, parsed.fragment.inputs);
  const known = (Object.keys(COUNCIL_CALLS) as CouncilCall[]).find(
    (name) => COUNCIL_CALLS[name].contract === contract && COUNCIL_CALLS[name].method === parsed.name,
  );
  return { action: known ?? "call", details: { contract, method: parsed.name, args } };
}
