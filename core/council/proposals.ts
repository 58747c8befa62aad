/**
 * The payloads of council proposals (`IConsortium.propose(action, payload)`), encoded as the Consortium decodes them
 * and decoded back. The action is `PROPOSAL_ACTION` (core/codes); the payload by action:
 * - admit: `abi.encode(DepartmentProfile profile, address admin)`;
 * - suspend, reinstate, grant_seat, revoke_seat, clear_node, clear_endpoint: `abi.encode(bytes32 departmentId)`;
 * - set_quorum: `abi.encode(uint16 quorumBps)`; set_reply_deadline and set_objection_answer_deadline:
 *   `abi.encode(uint64 workingDays)`;
 * - call: `abi.encode(address module, bytes callData)`.
 */
import { AbiCoder } from "ethers";

const coder = AbiCoder.defaultAbiCoder();

/** `IConsortium.DepartmentProfile`. */
const DEPARTMENT_PROFILE_TUPLE =
  "tuple(bytes32 id,uint8 level,uint32 regionCode,bytes32 parent,bool councilSeat,string code,string name)";

/** A department profile as the contract holds it: `level` is the `LEVEL` index, `parent` the zero hash for none. */
export interface DepartmentProfileTuple {
  id: string;
  level: number | bigint;
  regionCode: number | bigint;
  parent: string;
  councilSeat: boolean;
  code: string;
  name: string;
}

export function encodeAdmitPayload(p: DepartmentProfileTuple, admin: string): string {
  return coder.encode(
    [DEPARTMENT_PROFILE_TUPLE, "address"],
    [[p.id, p.level, p.regionCode, p.parent, p.councilSeat, p.code, p.name], admin],
  );
}

export function decodeAdmitPayload(payload: string): { profile: DepartmentProfileTuple; admin: string } {
  const [p, admin] = coder.decode([DEPARTMENT_PROFILE_TUPLE, "address"], payload);
  return {
    profile: {
      id: String(p[0]),
      level: p[1] as bigint,
      regionCode: p[2] as bigint,
      parent: String(p[3]),
      councilSeat: Boolean(p[4]),
      code: String(p[5]),
      name: String(p[6]),
    },
    admin: String(admin),
  };
}

/** The payload of suspend, reinstate, grant_seat, revoke_seat, clear_node and clear_endpoint. */
export function encodeDepartmentPayload(departmentId: string): string {
  return coder.encode(["bytes32"], [departmentId]);
}

export function decodeDepartmentPayload(payload: string): string {
  return String(coder.decode(["bytes32"], payload)[0]);
}

export function encodeQuorumPayload(quorumBps: number | bigint): string {
  return coder.encode(["uint16"], [quorumBps]);
}

export function decodeQuorumPayload(payload: string): number {
  return Number(coder.decode(["uint16"], payload)[0]);
}

/** A number of working days: the reply deadline and the objection answer deadline alike. */
export function encodeWorkingDaysPayload(workingDays: number | bigint): string {
  return coder.encode(["uint64"], [workingDays]);
}

export function decodeWorkingDaysPayload(payload: string): number {
  return Number(coder.decode(["uint64"], payload)[0]);
}

/** `abi.encode(module, callData)`: a council call to a registered module. */
export function encodeCallPayload(moduleAddress: string, callData: string): string {
  return coder.encode(["address", "bytes"], [moduleAddress, callData]);
}

export function decodeCallPayload(payload: string): { module: string; callData: string } {
  const [module, callData] = coder.decode(["address", "bytes"], payload);
  return { module: String(module), callData: String(callData) };
}
