/**
 * The subject reference, computed the way every Kuajie department computes it: HMAC-SHA256 under the consortium
 * secret of `idType:normalisedIdNumber`. A small local copy on purpose: the auditor does not import the gateway.
 * Normalisation: Unicode NFKC (full-width digits and letters to ASCII), trim, uppercase, spaces and hyphens removed.
 */
import { createHmac } from "node:crypto";
import fs from "node:fs";
import { UsageError } from "./errors";

export function normaliseIdNumber(idNumber: string): string {
  return idNumber.normalize("NFKC").trim().toUpperCase().replace(/[\s-]/g, "");
}

export function subjectRefOf(secret: Uint8Array, idType: string, idNumber: string): string {
  return `0x${createHmac("sha256", secret)
    .update(`${idType}:${normaliseIdNumber(idNumber)}`, "utf8")
    .digest("hex")}`;
}

/** The consortium secret from a file holding it as hex (at least 32 bytes, `0x` optional), as the gateway's config. */
export function readSecretFile(file: string): Buffer {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").trim();
  } catch {
    throw new UsageError(`cannot read --secret-file ${file}: pass the file holding the consortium secret`);
  }
  if (!/^(0x)?([0-9a-fA-F]{2}){32,}$/.test(text)) {
    throw new UsageError(
      `--secret-file ${file} does not hold a secret: expected hex of at least 32 bytes (64 hex digits)`,
    );
  }
  return Buffer.from(text.replace(/^0x/, ""), "hex");
}
