/**
 * Identity numbers of the subjects of data (citizens, residents, organisations) and the subject reference computed
 * from them. A subject appears on chain only as its reference: HMAC-SHA256 under the consortium secret of
 * `idType:normalisedIdNumber`. Every department and the auditor normalise the same way (this module), so they all
 * compute the same reference, and nobody without the secret can test guesses of identity numbers against the ledger.
 * Messages here never repeat the number itself: it is a personal identifier.
 */
import { computeHmac, toUtf8Bytes } from "ethers";
import { residentIdProblem } from "./resident-id";
import { isValidUscc } from "./uscc";

export const ID_TYPES = [
  "resident_id",
  "passport",
  "hk_macao_permit",
  "taiwan_permit",
  "foreign_permanent_id",
  "social_credit_code",
] as const;
export type IdType = (typeof ID_TYPES)[number];

export type IdNumberCheck = { ok: true; normalised: string } | { ok: false; message: string };

/** Unicode NFKC (full-width digits and letters, common in Chinese input methods, to ASCII), trim, uppercase, no spaces or hyphens. */
export function normaliseIdText(idNumber: string): string {
  return idNumber.normalize("NFKC").trim().toUpperCase().replace(/[\s-]/g, "");
}

/** Normalises and checks an identity number without throwing; messages never contain the number. */
export function checkIdNumber(idType: IdType, idNumber: string): IdNumberCheck {
  const value = normaliseIdText(idNumber);
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
      return isValidUscc(value)
        ? { ok: true, normalised: value }
        : { ok: false, message: "a unified social credit code must be 18 characters with a valid check character" };
  }
}

function checkResidentStyle(value: string, what: string): IdNumberCheck {
  switch (residentIdProblem(value)) {
    case "format":
      return { ok: false, message: `${what} must be 17 digits followed by a digit or X` };
    case "birth_date":
      return { ok: false, message: `${what} holds no valid birth date` };
    case "check_character":
      return { ok: false, message: `${what} fails its check digit` };
    case null:
      return { ok: true, normalised: value };
  }
}

export type SubjectRef = `0x${string}`;

/**
 * HMAC-SHA256(secret, `idType:normalised`) as 0x-prefixed lowercase hex. `normalised` is taken as given: callers
 * pass `checkIdNumber(...).normalised`, or `normaliseIdText(...)` where the number is not to be judged (the auditor).
 */
export function subjectRefOfNormalised(secret: Uint8Array, idType: string, normalised: string): SubjectRef {
  const text = `${idType}:${normalised}`;
  // Printable ASCII, as every identity number is, is its own UTF-8: written by Buffer at once rather than by ethers'
  // encoder (an array of numbers a character, on every fetch); anything else is encoded, and refused, as ethers does.
  return computeHmac(
    "sha256",
    secret,
    PRINTABLE_ASCII.test(text) ? Buffer.from(text, "latin1") : toUtf8Bytes(text),
  ) as SubjectRef;
}

const PRINTABLE_ASCII = /^[ -~]*$/;
