import { AbiCoder, getAddress } from "ethers";
import { CONTRACT_INTERFACES } from "../../chain/adapter";
import { abiArgsToJson, type JsonObject } from "../../chain/json";
import type { ContractName } from "../../chain/deployment";
import { LEVEL, PROPOSAL_ACTION } from "../../common/codes";

/**
 * The ABI-encoded payloads of council proposals (IConsortium.ProposalAction): encoding what the API asks for, and
 * decoding what the chain holds back into readable details. `Call` payloads are `abi.encode(address module, bytes
 * callData)`; the API names each council call it knows (`decide_agreement`, `pause_grant`, …).
 */

const coder = AbiCoder.defaultAbiCoder();
const PROFILE =
  "tuple(bytes32 id,uint8 level,uint32 regionCode,bytes32 parent,bool councilSeat,string code,string name)";
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
} as const satisfies Record<string, { contract: ContractName; method: string }>;
export type CouncilCall = keyof typeof COUNCIL_CALLS;

export function encodeAdmit(profile: DepartmentProfile, admin: string): string {
  return coder.encode(
    [PROFILE, "address"],
    [
      [
        profile.id,
        LEVEL.toIndex(profile.level),
        profile.regionCode,
        profile.parent ?? ZERO,
        profile.councilSeat,
        profile.code,
        profile.name,
      ],
      admin,
    ],
  );
}

export function encodeDepartmentId(departmentId: string): string {
  return coder.encode(["bytes32"], [departmentId]);
}

export function encodeQuorum(quorumBps: number): string {
  return coder.encode(["uint16"], [quorumBps]);
}

export function encodeReplyDeadline(seconds: number): string {
  return coder.encode(["uint64"], [seconds]);
}

/** `abi.encode(module, callData)` for a council call to a registered module. */
export function encodeCall(moduleAddress: string, contract: ContractName, method: string, args: readonly unknown[]) {
  return coder.encode(
    ["address", "bytes"],
    [moduleAddress, CONTRACT_INTERFACES[contract].encodeFunctionData(method, args)],
  );
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
        const [profile, admin] = coder.decode([PROFILE, "address"], payload);
        return {
          action,
          details: {
            department: {
              id: String(profile[0]).toLowerCase(),
              level: LEVEL.fromIndex(profile[1] as bigint),
              regionCode: Number(profile[2]),
              parent: profile[3] === ZERO ? null : String(profile[3]).toLowerCase(),
              councilSeat: Boolean(profile[4]),
              code: String(profile[5]),
              name: String(profile[6]),
            },
            admin: getAddress(String(admin)),
          },
        };
      }
      case "set_quorum":
        return { action, details: { quorumBps: Number(coder.decode(["uint16"], payload)[0]) } };
      case "set_reply_deadline":
        return { action, details: { seconds: Number(coder.decode(["uint64"], payload)[0]) } };
      case "call":
        return decodeCall(payload, contracts);
      default:
        return { action, details: { departmentId: String(coder.decode(["bytes32"], payload)[0]).toLowerCase() } };
    }
  } catch {
    return { action, details: { payload } };
  }
}

function decodeCall(payload: string, contracts: Readonly<Record<ContractName, string>>): ProposalDetails {
  const [module, callData] = coder.decode(["address", "bytes"], payload);
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
