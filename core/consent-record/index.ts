/** Consent records other systems can read: ISO/IEC TS 27560 and Kantara Consent Receipt v1.1, from one source. */
import { toIso27560Record } from "./iso27560";
import { toKantaraReceipt } from "./kantara";
import type { ConsentRecordSource } from "./source";

export const CONSENT_RECORD_FORMATS = ["iso27560", "kantara"] as const;
export type ConsentRecordFormat = (typeof CONSENT_RECORD_FORMATS)[number];

export function exportConsentRecord(source: ConsentRecordSource, format: ConsentRecordFormat) {
  return format === "iso27560" ? toIso27560Record(source) : toKantaraReceipt(source);
}

export { ISO27560_SCHEMA_VERSION, toIso27560Record } from "./iso27560";
export { KANTARA_VERSION, toKantaraReceipt } from "./kantara";
export type { ChainEvidence, ConsentParty, ConsentRecordEvent, ConsentRecordSource } from "./source";
