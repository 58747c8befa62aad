import { AbiCoder, dataSlice, isHexString, type Interface } from "ethers";
import type { JsonObject } from "../common/indexed-event";
import { abiArgsToJson } from "./json";

export interface DecodedRevert {
  /** The custom error's name (`AgreementNotShareable`), or `Error` / `Panic` for Solidity's built-in reverts. */
  errorName: string;
  /** Full signature, e.g. `AccessControlUnauthorizedAccount(address,bytes32)`. */
  signature: string;
  /** Arguments by parameter name (by position when unnamed), JSON-safe: integers as decimal strings, bytes as hex. */
  args: JsonObject;
}

// Solidity's own reverts, with argument names (ethers decodes them with unnamed parameters).
const BUILTIN_ERRORS: Record<string, { errorName: string; signature: string; type: string; arg: string }> = {
  "0x08c379a0": { errorName: "Error", signature: "Error(string)", type: "string", arg: "message" },
  "0x4e487b71": { errorName: "Panic", signature: "Panic(uint256)", type: "uint256", arg: "code" },
};

/**
 * Decodes revert data: Solidity's `Error(string)` and `Panic(uint256)`, then the custom errors of the contracts'
 * ABIs. Returns null for empty data or data no interface knows.
 */
export function decodeRevert(data: string | null | undefined, interfaces: readonly Interface[]): DecodedRevert | null {
  if (!data || !isHexString(data) || data.length < 10) {
    return null;
  }
  const builtin = BUILTIN_ERRORS[dataSlice(data, 0, 4)];
  if (builtin) {
    try {
      const [value] = AbiCoder.defaultAbiCoder().decode([builtin.type], dataSlice(data, 4));
      const arg = typeof value === "bigint" ? value.toString(10) : String(value);
      return { errorName: builtin.errorName, signature: builtin.signature, args: { [builtin.arg]: arg } };
    } catch {
      return null;
    }
  }
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) {
        return {
          errorName: parsed.name,
          signature: parsed.signature,
          args: abiArgsToJson(parsed.args, parsed.fragment.inputs),
        };
      }
    } catch {
      // Selector matched but the arguments did not decode with this ABI: try the next interface.
    }
  }
  return null;
}
