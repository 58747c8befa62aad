/**
 * The stable codes of the rules the auditor checks. A violation always names its rule, and the receipt (or batch,
 * or deployment) it is about. Codes are part of the `--json` output: add new ones, never rename.
 */
export const RULES = {
  wrong_deployment: "the chain is not the one the deployment file describes (chain id, genesis, or contract code)",
  malformed_receipt: "the receipt does not parse as a Kuajie receipt (fields, id, or reason)",
  duplicate_receipt: "two different receipts carry the same id",
  leaf_mismatch: "the leaf recomputed from the receipt's fields differs from the leaf handed with it",
  proof_invalid: "the Merkle proof does not lead to the root anchored on chain for the receipt's batch",
  not_anchored: "the receipt's batch is not anchored on chain, and the allowed anchoring delay has passed",
  anchored_late: "the batch was anchored later after the receipt's time than the allowed delay",
  time_after_anchor: "the receipt's time is later than the anchoring of the batch that holds it",
  prev_hash_mismatch: "the receipt's prevHash is not the leaf of the department's previous receipt",
  sequence_gap: "a receipt is missing from a batch (or between receipts) of a department",
  batch_withheld: "a batch the department anchored on chain (within the span audited) is missing from the file",
  receipt_withheld: "a receipt of a batch the department anchored on chain is missing from the file",
  receipts_lost:
    "the department declared the receipts of anchored batches lost (AccessLedger ReceiptsDeclaredLost): those not given with their batch can no longer be verified",
  time_after_head: "the receipt's time is later than the chain's head, and no anchored batch holds its number",
  receipt_inconsistent: "the receipt's grant, agreement, provider, resource or account do not match the chain",
  agreement_inactive: "at the receipt's time the agreement was not active, or outside its validity window",
  grant_inactive: "at the receipt's time the grant was not issued, paused, revoked or expired",
  purpose_mismatch: "the receipt's purpose is not the agreement's",
  field_outside_grant: "the receipt delivered a field the grant does not cover",
  consent_missing: "the agreement requires consent and no active consent of the subject covered the delivery",
  department_suspended:
    "at the receipt's time the requester or the provider department was suspended (or not admitted)",
  quota_exceeded: "the delivery went past the grant's or the agreement's call quota in its calendar window",
  exchange_malformed: "the receipt's exchange envelope (requestId, role, signed request or response) does not parse",
  exchange_unmatched:
    "a delivery (or a signed answer) on one side of an exchange has no counterpart on the other (docs/FEDERATION.md §4)",
  exchange_mismatch:
    "the two receipts of an exchange (or a receipt and its own signed messages) differ in requestId, role, grant, fields, response hash or outcome",
  exchange_bad_signature:
    "the request is not signed by an operator of the consumer, the response not by an operator of the provider, or a digest does not match the anchored requestHash",
} as const;

type RuleCode = keyof typeof RULES;

export interface Violation {
  rule: RuleCode;
  /** The receipt the violation is about, when it is about one. */
  receiptId?: string;
  /** The other receipt of the exchange, when the violation is about a pair. */
  counterpartId?: string;
  /** What else it is about (a batch, a department, a contract), in words. */
  subject?: string;
  detail: string;
}
