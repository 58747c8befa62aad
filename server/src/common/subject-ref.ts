import { z } from "zod";
import {
  ID_TYPES,
  checkIdNumber,
  subjectRefOfNormalised,
  type IdType,
  type SubjectRef,
} from "../../../core/identity/id-number";
import { ValidationError } from "./errors";

/**
 * The gateway's edge of the subject reference: the zod schemas of identity numbers and references in its API, and
 * the reference computed from a caller's number. The rules (normalisation, checks, HMAC) are the core's
 * (`core/identity/`), shared with the auditor.
 */

export const idTypeSchema = z.enum(ID_TYPES).meta({
  description:
    "resident_id: 18-character PRC resident identity number; passport; hk_macao_permit: H/M + 8 or 10 digits; " +
    "taiwan_permit: 8 or 10 digits; foreign_permanent_id: 15-character or 18-character permanent residence id; " +
    "social_credit_code: 18-character unified social credit code of an organisation",
});

/** Trims, uppercases, removes spaces and hyphens, and checks the number's format (and checksum where it has one). */
export function normaliseIdNumber(idType: IdType, idNumber: string): string {
  const result = checkIdNumber(idType, idNumber);
  if (!result.ok) throw new ValidationError(result.message, [{ field: "idNumber", message: result.message }]);
  return result.normalised;
}

/** HMAC-SHA256(secret, `idType:normalisedIdNumber`) as 0x-prefixed lowercase hex; 400 on a malformed number. */
export function subjectRef(secret: Uint8Array, idType: IdType, idNumber: string): SubjectRef {
  return subjectRefOfNormalised(secret, idType, normaliseIdNumber(idType, idNumber));
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
