/**
 * Completes the exchanges a crash interrupted (issue 16, write-ahead on the consumer side). An intent still open at
 * start is a signed request whose caller never got an answer from this gateway: whatever the provider did, nothing
 * was delivered to the caller. Each is asked of the provider again with the same `requestId` (the provider answers a
 * repeated request with its first signed answer, and counts it once), and closed by a consumer receipt that says so
 * truthfully — result `failed`, reason `not_delivered` — keeping the provider's signed answer as evidence when one
 * comes and verifies, so that the auditor can account for the provider's receipt.
 *
 * The subject's identity number is never kept in an intent, so the repeated request carries none: a provider that
 * never saw the first request refuses it (signed), and nothing is looked up for a caller who is gone.
 */
import type { Logger } from "pino";
import { ExchangeRequestSchema, type ExchangeRequest } from "../../../../core/exchange";
import type { IntentStore, OpenIntent } from "../../store/intents";
import type { ConsumerEvidence, ConsumerReceiptWriter } from "./evidence";
import type { ExchangeClient } from "./exchange-client";
import { consumerDraft, type FetchService, type ReceiptContext } from "./service";

const NOT_DELIVERED_REASON = "not_delivered";

export interface IntentRecoveryOptions {
  /** The intents a previous process left open, listed before this one served any fetch (whose own are not these). */
  interrupted: readonly OpenIntent[];
  intents: IntentStore;
  record: ConsumerReceiptWriter;
  fetches: Pick<FetchService, "verify">;
  endpointOf: (departmentId: string) => string | null;
  exchange: ExchangeClient;
  timeoutMs: number;
  requestDigestOf: (request: ExchangeRequest) => string;
  now: () => number;
  logger: Logger;
}

/** Closes every interrupted intent; resolves with how many it closed. */
export async function recoverIntents(options: IntentRecoveryOptions): Promise<number> {
  let closed = 0;
  for (const intent of options.interrupted) {
    const parsed = ExchangeRequestSchema.safeParse(intent.request);
    if (!parsed.success) {
      options.logger.error({ requestId: intent.requestId }, "an open exchange intent is unreadable; left open");
      continue;
    }
    const request = parsed.data;
    const evidence: ConsumerEvidence = {
      requestId: intent.requestId,
      role: "consumer",
      exchange: { request, requestSignature: intent.signature },
    };
    const endpoint = options.endpointOf(intent.provider);
    if (endpoint !== null) {
      const transport = await options.exchange(
        endpoint,
        {
          request,
          signature: intent.signature,
          ...(intent.params !== null ? { params: intent.params as Record<string, unknown> } : {}),
        },
        options.timeoutMs,
      );
      if (transport.kind === "answered") {
        const answer = options.fetches.verify(
          transport.body,
          intent.requestId,
          options.requestDigestOf(request),
          intent.provider,
        );
        if (answer.ok) {
          evidence.exchange.response = answer.response;
          evidence.exchange.responseSignature = answer.signature;
        }
      }
    }
    const context = { ...(intent.context as ReceiptContext), time: options.now() };
    // Closed in the receipt's own transaction: a crash now leaves either both or neither.
    const recorded = await options.record(consumerDraft(context, "failed", NOT_DELIVERED_REASON), evidence, () => {
      options.intents.close(intent.requestId);
    });
    closed += 1;
    options.logger.warn(
      {
        requestId: intent.requestId,
        receiptId: recorded.receipt.id,
        answered: evidence.exchange.response !== undefined,
      },
      "closed an exchange interrupted by a restart as not delivered",
    );
  }
  return closed;
}
