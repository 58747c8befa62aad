import { createHmac } from "node:crypto";
import { z } from "zod";
import { ValidationError } from "./errors";

/**
 * A citizen (or company) appears on chain only as a subject reference: HMAC-SHA256 under the consortium secret
 * of `idType:normalisedIdNumber`. Every department normalises the same way, so they all compute the same
 * reference, and nobody without the secret can test guesses of identity numbers against the ledger.
 * Messages here never repeat the number itself: it is a personal identifier.
 */

export const ID_TYPES = [
  "resident_id",
  "passport",
  "hk_macao_permit",
  "taiwan_permit",
  "foreign_permanent_id",
  "social_credit_code",
] as const;
export type IdType = (typeof ID_TYPES)[number];

export const idTypeSchema = z.enum(ID_TYPES).meta({
  description:
    "resident_id: 18-character PRC resident identity number; passport; hk_macao_permit: H/M + 8 or 10 digits; " +
    "taiwan_permit: 8 or 10 digits; foreign_permanent_id: 15-character or 18-character permanent residence id; " +
    "social_credit_code: 18-character unified social credit code of an organisation",
});

const RESIDENT_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_CHECK = "10X98765432";

/** ISO 7064 MOD 11-2 check character of the first 17 digits of a resident identity number. */
export function residentIdCheckChar(first17: string): string {
  if (!/^[0-9]{17}$/.test(first17)) throw new Error("residentIdCheckChar expects 17 digits");
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * RESIDENT_WEIGHTS[i];
  return RESIDENT_CHECK[sum % 11];
}

function isCalendarDate(yyyymmdd: string): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** GB 32100-2015 check character of the first 17 characters of a unified social credit code. */
export function socialCreditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_CHARS.indexOf(first17[i] ?? "");
    if (value < 0) throw new Error("socialCreditCodeCheckChar: character outside the code's alphabet");
    sum += value * CREDIT_CODE_WEIGHTS[i];
  }
  return CREDIT_CODE_CHARS[(31 - (sum % 31)) % 31];
}

export function isValidSocialCreditCode(code: string): boolean {
  if (code.length !== 18 || ![...code].every((c) => CREDIT_CODE_CHARS.includes(c))) return false;
  return socialCreditCodeCheckChar(code.slice(0, 17)) === code[17];
}

type Check = { ok: true; normalised: string } | { ok: false; message: string };

function checkResidentStyle(value: string, what: string): Check {
  if (!/^[0-9]{17}[0-9X]$/.test(value)) {
    return { ok: false, message: `${what} must be 17 digits followed by a digit or X` };
  }
  if (!isCalendarDate(value.slice(6, 14))) {
    return { ok: false, message: `${what} holds no valid birth date` };
  }
  if (residentIdCheckChar(value.slice(0, 17)) !== value[17]) {
    return { ok: false, message: `${what} fails its check digit` };
  }
  return { ok: true, normalised: value };
}

/** Normalises and checks an identity number without throwing; messages never contain the number. */
export function checkIdNumber(idType: IdType, idNumber: string): Check {
  // NFKC folds full-width digits and letters (common in Chinese input methods) to ASCII.
  const value = idNumber.normalize("NFKC").trim().toUpperCase().replace(/[\s-]/g, "");
  switch (idType) {
    case "resident_id":
      return checkResidentStyle(value, "a resident identity number");
    case "passport":
      return /^[A-Z0-9]{5,20}$/.test(value)
        ? { ok: true, normalised: value }
        : { ok: false, message: "a passport number must be 5 to 20 letters or digits" };
    case "hk_macao_permit":
      return /^[HM]([0-9]{8}|[0-9]{10})$/.test(value)
        ? { ok: true, normalised: value }
        : { ok: false, message: "a Hong Kong/Macao permit number must be H or M followed by 8 or 10 digits" };
    case "taiwan_permit":
      return /^([0-9]{8}|[0-9]{10})$/.test(value)
        ? { ok: true, normalised: value }
        : { ok: false, message: "a Taiwan permit number must be 8 or 10 digits" };
    case "foreign_permanent_id":
      if (/^[A-Z]{3}[0-9]{12}$/.test(value)) return { ok: true, normalised: value };
      if (value.length === 18 && value.startsWith("9")) {
        return checkResidentStyle(value, "an 18-character permanent residence id");
      }
      return {
        ok: false,
        message: "a permanent residence id must be 3 letters and 12 digits, or 18 characters starting with 9",
      };
    case "social_credit_code":
      return isValidSocialCreditCode(value)
        ? { ok: true, normalised: value }
        : { ok: false, message: "a unified social credit code must be 18 characters with a valid check character" };
  }
}

/** Trims, uppercases, removes spaces and hyphens, and checks the number's format (and checksum where it has one). */
export function normaliseIdNumber(idType: IdType, idNumber: string): string {
  const result = checkIdNumber(idType, idNumber);
  if (!result.ok) throw new ValidationError(result.message, [{ field: "idNumber", message: result.message }]);
  return result.normalised;
}

export type SubjectRef = `0x${string}`;

/** HMAC-SHA256(secret, `idType:normalisedIdNumber`) as 0x-prefixed lowercase hex. */
export function subjectRef(secret: Uint8Array, idType: IdType, idNumber: string): SubjectRef {
  const normalised = normaliseIdNumber(idType, idNumber);
  return `0x${createHmac("sha256", secret).update(`${idType}:${normalised}`, "utf8").digest("hex")}`;
}

export const subjectRefSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, { error: "expected a subject reference: 0x and 64 hex digits" })
  .transform((ref) => ref.toLowerCase() as SubjectRef)
  .meta({
    description: "HMAC-SHA256 of idType:normalisedIdNumber under the consortium secret",
    example: `0x${"ab".repeat(32)}`,
  });

/** `{idType, idNumber}` checked at the edge; the output carries the normalised number. */
export const subjectIdentitySchema = z
  .object({
    idType: idTypeSchema,
    idNumber: z.string().min(1).max(64).meta({ description: "spaces and hyphens are ignored; letters are uppercased" }),
  })
  .transform((identity, ctx) => {
    const result = checkIdNumber(identity.idType, identity.idNumber);
    if (!result.ok) {
      ctx.addIssue({ code: "custom", path: ["idNumber"], message: result.message });
      return z.NEVER;
    }
    return { idType: identity.idType, idNumber: result.normalised };
  });
export type SubjectIdentity = z.output<typeof subjectIdentitySchema>;
