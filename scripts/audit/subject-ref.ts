/**
 * The subject reference, computed the way every Kuajie department computes it (the core's `core/identity/`):
 * HMAC-SHA256 under the consortium secret of `idType:normalisedIdNumber`. The auditor normalises the number but does
 * not judge it: a reference is computed even for a number the gateway would refuse, so the answer is "no trail".
 */
import fs from "node:fs";
import { normaliseIdText, subjectRefOfNormalised } from "../../core/identity/id-number";
import { UsageError } from "./errors";

export function subjectRefOf(secret: Uint8Array, idType: string, idNumber: string): string {
  return subjectRefOfNormalised(secret, idType, normaliseIdText(idNumber));
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
