/**
 * The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-character alphabet (digits
 * and capital letters without I, O, S, V, Z), the last a check character (modulus 31, weights 3^i mod 31).
 * A department's on-chain id is keccak256 of its code.
 */
import { id as keccakUtf8 } from "ethers";

const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const CODE_FORMAT = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

/** The check character of the first 17 characters of a code; throws on a wrong length or a character outside it. */
export function usccCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new Error(`expected 17 characters, got ${first17.length}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = ALPHABET.indexOf(first17[i]);
    if (value < 0) throw new Error(`character '${first17[i]}' is not allowed in a unified social credit code`);
    sum += value * WEIGHTS[i];
  }
  return ALPHABET[(31 - (sum % 31)) % 31];
}

/** Whether `code` is a well-formed unified social credit code with a correct check character (no normalising). */
export function isValidUscc(code: string): boolean {
  return CODE_FORMAT.test(code) && usccCheckCharacter(code.slice(0, 17)) === code[17];
}

/** Builds a code for a government organ (registration authority 1, type 1) in `regionCode` with a 9-char org code. */
export function makeOrganUscc(regionCode: string, orgCode: string): string {
  const first17 = `11${regionCode}${orgCode}`;
  return first17 + usccCheckCharacter(first17);
}

/** The department id used on chain: keccak256 of the code's UTF-8 bytes. */
export function departmentIdOf(code: string): string {
  return keccakUtf8(code);
}
