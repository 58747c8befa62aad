/**
 * How the API's words map to the contracts' values: enumerations (the core's, re-exported), purpose codes and other
 * short codes (a readable bytes32: the code as a short string), and field names to bitmasks.
 */
import { decodeBytes32String, encodeBytes32String } from "ethers";
import { z } from "zod";

// The enumerations are the core's (core/codes/enumerations.ts); re-exported for the gateway's modules.
export {
  AGREEMENT_STATUS,
  CONSENT_STATUS,
  EVIDENCE_KIND,
  GRANT_STATUS,
  LEGAL_BASIS,
  LEVEL,
  OPEN_TYPE,
  PROPOSAL_ACTION,
  QUOTA_PERIOD,
  RESOURCE_STATUS,
  SECURITY_LEVEL,
  SHARE_TYPE,
} from "../../../core/codes/enumerations";

/** A purpose or other short code: lower snake case / dotted / dashed, at most 31 bytes, stored as a bytes32 string. */
export const shortCodeSchema = z
  .string()
  .regex(/^[a-z0-9]+([._-][a-z0-9]+)*$/, "expected a lower-case code such as minimum-living-allowance")
  .refine((s) => Buffer.byteLength(s, "utf8") <= 31, "at most 31 bytes");

export function codeToBytes32(code: string): string {
  return encodeBytes32String(code);
}

export function bytes32ToCode(value: string): string {
  try {
    return decodeBytes32String(value);
  } catch {
    return value;
  }
}

/** The mask of the named fields in a resource's field list (bit i = field i). Unknown names are returned apart. */
export function fieldsToMask(
  resourceFields: readonly { name: string }[],
  names: readonly string[],
): { mask: bigint; unknown: string[] } {
  let mask = 0n;
  const unknown: string[] = [];
  for (const name of names) {
    const index = resourceFields.findIndex((f) => f.name === name);
    if (index < 0) unknown.push(name);
    else mask |= 1n << BigInt(index);
  }
  return { mask, unknown };
}

/** The names of the fields set in `mask`, in the resource's order. */
export function maskToFields(resourceFields: readonly { name: string }[], mask: bigint | string): string[] {
  const m = BigInt(mask);
  return resourceFields.filter((_, i) => (m >> BigInt(i)) & 1n).map((f) => f.name);
}

/** Unix seconds ↔ ISO 8601, as every API response shows times. */
export function isoTime(seconds: number | bigint | string): string {
  return new Date(Number(seconds) * 1000).toISOString();
}
