/** Purpose codes and other short codes: a readable bytes32, the code as a short string. */
import { decodeBytes32String, encodeBytes32String } from "ethers";
import { remembered } from "../../../core/remembered";
import { z } from "zod";

/** A purpose or other short code: lower snake case / dotted / dashed, at most 31 bytes, stored as a bytes32 string. */
export const shortCodeSchema = z
  .string()
  .regex(/^[a-z0-9]+([._-][a-z0-9]+)*$/, "expected a lower-case code such as minimum-living-allowance")
  .refine((s) => Buffer.byteLength(s, "utf8") <= 31, "at most 31 bytes");

/** A code as its bytes32 (remembered: a gateway writes a few purposes and reasons on every fetch). */
export const codeToBytes32: (code: string) => string = remembered(encodeBytes32String);

export function bytes32ToCode(value: string): string {
  try {
    return decodeBytes32String(value);
  } catch {
    return value;
  }
}
