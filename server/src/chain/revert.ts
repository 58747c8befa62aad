import { Interface, isHexString } from "ethers";
import { abiArgsToJson, type JsonObject } from "./json";

export interface DecodedRevert {
  /** The custom error's name (`AgreementNotShareable`), or `Error` / `Panic` for Solidity's built-in reverts. */
  errorName: string;
  /** Full signature, e.g. `AccessControlUnauthorizedAccount(address,bytes32)`. */
  signature: string;
  /** Arguments by parameter name (by position when unnamed), JSON-safe: integers as decimal strings, bytes as hex. */
  args: JsonObject;
}

const BUILTIN_ERRORS = new Interface(["error Error(string message)", "error Panic(uint256 code)"]);

/**
 * Decodes revert data with Solidity's `Error(string)` and `Panic(uint256)` (with named arguments; ethers' own
 * built-ins are unnamed) and then the contracts' ABIs (custom errors). Returns null for empty data or data no interface knows.
 */
export function decodeRevert(data: string | null | undefined, interfaces: readonly Interface[]): DecodedRevert | null {
  if (!data || !isHexString(data) || data.length < 10) {
    return null;
  }
  for (const iface of [BUILTIN_ERRORS, ...interfaces]) {
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
