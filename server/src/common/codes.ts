/**
 * How the API's words map to the contracts' values, in one place: enumerations (the contracts' enum order, the API's
 * lower snake case), purpose codes and other short codes (a readable bytes32: the code as a short string), and field
 * names to bitmasks. Every module and the auditor's output use these, never their own copies.
 */
import { decodeBytes32String, encodeBytes32String } from "ethers";
import { z } from "zod";

function enumeration<const T extends readonly string[]>(values: T) {
  return {
    values,
    schema: z.enum(values as unknown as [T[number], ...T[number][]]),
    toIndex(value: T[number]): number {
      return values.indexOf(value);
    },
    fromIndex(index: number | string | bigint): T[number] {
      const value = values[Number(index)];
      if (value === undefined) throw new RangeError(`no value at index ${index} of ${values.join("|")}`);
      return value;
    },
  };
}

export const LEVEL = enumeration(["central", "province", "city", "county", "township"] as const);
export const SHARE_TYPE = enumeration(["unconditional", "conditional", "not_shareable"] as const);
export const OPEN_TYPE = enumeration(["open", "restricted"] as const);
export const SECURITY_LEVEL = enumeration(["general", "important", "core"] as const);
export const RESOURCE_STATUS = enumeration(["none", "active", "retired"] as const);
export const LEGAL_BASIS = enumeration(["consent", "statutory_duty", "contract", "public_interest"] as const);
export const AGREEMENT_STATUS = enumeration([
  "requested",
  "active",
  "rejected",
  "escalated",
  "suspended",
  "terminated",
  "expired",
] as const);
export const QUOTA_PERIOD = enumeration(["none", "minute", "hour", "day", "month"] as const);
export const GRANT_STATUS = enumeration(["active", "paused", "revoked"] as const);
export const CONSENT_STATUS = enumeration(["none", "active", "withdrawn", "revoked", "expired"] as const);
export const EVIDENCE_KIND = enumeration(["none", "signature", "record"] as const);
export const PROPOSAL_ACTION = enumeration([
  "admit",
  "suspend",
  "reinstate",
  "grant_seat",
  "revoke_seat",
  "set_quorum",
  "set_reply_deadline",
  "call",
  "clear_node",
] as const);

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
