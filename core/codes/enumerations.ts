/**
 * Every enumeration of the contracts, in the contracts' enum order (the index is the on-chain uint8), with the word
 * the API and the auditor's output use for each value (lower snake case). The gateway, the auditor, the scripts and
 * the tests all read these; nobody keeps a copy.
 *
 * One spelling was chosen where the gateway and the auditor differed: the evidence of a consent recorded by hash
 * (`IConsentRegistry.EvidenceKind.RecordHash`) is `record`, as the gateway's API has always answered; the auditor's
 * `subject --json` said `record_hash` before.
 */
import { z } from "zod";

function enumeration<const T extends readonly string[]>(values: T) {
  return {
    values,
    schema: z.enum(values as unknown as [T[number], ...T[number][]]),
    /** The on-chain index of `value`. */
    toIndex(value: T[number]): number {
      return values.indexOf(value);
    },
    /** The value at an on-chain index; a RangeError when there is none. */
    fromIndex(index: number | string | bigint): T[number] {
      const value = values[Number(index)];
      if (value === undefined) throw new RangeError(`no value at index ${index} of ${values.join("|")}`);
      return value;
    },
  };
}

/** `IConsortium.Level`. */
export const LEVEL = enumeration(["central", "province", "city", "county", "township"] as const);
/** `IDataCatalog.ShareType`. */
export const SHARE_TYPE = enumeration(["unconditional", "conditional", "not_shareable"] as const);
/** `IDataCatalog.OpenType`. */
export const OPEN_TYPE = enumeration(["open", "restricted"] as const);
/** `IDataCatalog.SecurityLevel`. */
export const SECURITY_LEVEL = enumeration(["general", "important", "core"] as const);
/** `IDataCatalog.ResourceStatus`. */
export const RESOURCE_STATUS = enumeration(["none", "active", "retired"] as const);
/** `ISharingAgreements.LegalBasis`. */
export const LEGAL_BASIS = enumeration(["consent", "statutory_duty", "contract", "public_interest"] as const);
/** `ISharingAgreements.AgreementStatus` (`expired` is computed by the contract from the validity window). */
export const AGREEMENT_STATUS = enumeration([
  "requested",
  "active",
  "rejected",
  "escalated",
  "suspended",
  "terminated",
  "expired",
] as const);
/** `ISharingAgreements.Period` (of a call quota), shared by grants. */
export const QUOTA_PERIOD = enumeration(["none", "minute", "hour", "day", "month"] as const);
/** `IGrants.GrantStatus`. */
export const GRANT_STATUS = enumeration(["active", "paused", "revoked"] as const);
/** `IConsentRegistry.ConsentStatus`. */
export const CONSENT_STATUS = enumeration(["none", "active", "withdrawn", "revoked", "expired"] as const);
/** `IConsentRegistry.EvidenceKind`: `record` is the contract's `RecordHash`. */
export const EVIDENCE_KIND = enumeration(["none", "signature", "record"] as const);
/** `IDemandRegistry.DemandStatus`. */
export const DEMAND_STATUS = enumeration(["none", "open", "answered", "assigned", "fulfilled"] as const);
/** `IObjections.ObjectionStatus`. */
export const OBJECTION_STATUS = enumeration([
  "none",
  "raised",
  "corrected",
  "disputed",
  "escalated",
  "upheld",
  "dismissed",
] as const);
/** `IConsortium.ProposalAction`. */
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
  "clear_endpoint",
  "set_objection_answer_deadline",
] as const);

export type Level = (typeof LEVEL.values)[number];
export type ShareType = (typeof SHARE_TYPE.values)[number];
export type SecurityLevel = (typeof SECURITY_LEVEL.values)[number];
export type LegalBasis = (typeof LEGAL_BASIS.values)[number];
export type AgreementStatus = (typeof AGREEMENT_STATUS.values)[number];
export type QuotaPeriod = (typeof QUOTA_PERIOD.values)[number];
export type GrantStatus = (typeof GRANT_STATUS.values)[number];
export type EvidenceKind = (typeof EVIDENCE_KIND.values)[number];
export type DemandStatus = (typeof DEMAND_STATUS.values)[number];
export type ObjectionStatus = (typeof OBJECTION_STATUS.values)[number];
