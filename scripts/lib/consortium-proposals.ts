/**
 * Payloads of council proposals (`Consortium.propose(action, payload)`), encoded as the contract decodes them. Used by
 * `npm start` (admitting the demo departments on a live node) and the tests (on the in-process network).
 */
import { AbiCoder, ZeroHash } from "ethers";
import { DEMO_DEPARTMENTS, LEVELS, type DemoDepartment } from "./demo-departments";

/** `IConsortium.ProposalAction` values used here. */
export const ADMIT = 0;
export const CALL = 7;

/** Encodes the payload of an `Admit` proposal for a demo department whose admin operator is `admin`. */
export function admitPayload(d: DemoDepartment, admin: string): string {
  const parent = d.parentKey ? DEMO_DEPARTMENTS.find((p) => p.key === d.parentKey)!.id : ZeroHash;
  return AbiCoder.defaultAbiCoder().encode(
    [
      "tuple(bytes32 id,uint8 level,uint32 regionCode,bytes32 parent,bool councilSeat,string code,string name)",
      "address",
    ],
    [[d.id, LEVELS.indexOf(d.level), d.regionCode, parent, d.council, d.code, d.name], admin],
  );
}
