/**
 * The consumer receipt's exchange envelope (docs/FEDERATION.md §1): the `requestId`, `role: "consumer"`, the request
 * this gateway signed and, when a signed answer came, the provider's response and signature as received.
 */
import type { ExchangeRequest, ExchangeResponse } from "../../../../core/exchange";
import type { Receipt } from "../../../../core/receipt";
import type { ReceiptDraft, RecordedReceipt } from "../receipts/recorder";

export interface ConsumerEvidence {
  requestId: string;
  role: "consumer";
  exchange: {
    request: ExchangeRequest;
    requestSignature: string;
    response?: ExchangeResponse;
    responseSignature?: string;
  };
}

/**
 * Stores a consumer receipt with its envelope, and `alongside` (closing the exchange's intent) in the same
 * transaction; resolves once it is durable.
 */
export type ConsumerReceiptWriter = (
  draft: ReceiptDraft,
  evidence: ConsumerEvidence,
  alongside?: (receipt: Receipt) => void,
) => Promise<RecordedReceipt>;
