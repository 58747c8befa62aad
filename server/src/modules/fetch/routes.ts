import type { RouteRegistry } from "../../common/route-registry";
import { fetchRequestSchema, fetchResponseSchema } from "./schemas";
import type { FetchService } from "./service";

export function registerFetchRoutes(registry: RouteRegistry, fetches: FetchService): void {
  registry.route(
    {
      method: "post",
      path: "/v1/data/fetch",
      summary: "Fetch data from a provider under a grant",
      description:
        "Checks on this gateway's own view of the chain, in this order: the caller owns the grant; the grant is " +
        "active; the agreement is active and in its window; the purpose is the agreement's; a subject is named when " +
        "the resource is about people; the subject's consent is in effect where the agreement requires one; the " +
        "grant's and the agreement's quotas as counted here. Then signs an exchange request with this department's " +
        "key, records the intent, and asks the provider department's gateway (its endpoint on chain), which decides " +
        "again for itself; checks the provider's signature on the answer, filters to the granted fields, checks the " +
        "policy once more, and answers. Every decision leaves a receipt, stored before the answer. Refusals are 403 " +
        "(429 for quota_exceeded) with `reason` and `receiptId`, the provider's signed refusals with the provider's " +
        "reason; 502/504 when the provider cannot be reached, times out or answers without a valid signature " +
        "(provider_unreachable, provider_timeout, provider_bad_signature, provider_unknown); 503 while receipt " +
        "anchoring is behind its limit (anchoring_behind), the chain holds receipt batches of this department that " +
        "this gateway's database does not (receipts_diverged), or this gateway's view of the chain is stale " +
        "(view_stale). " +
        "A delivered answer is never kept for Idempotency-Key replays (it holds personal data): a retry with the " +
        "same key after a 200 runs again and leaves its own receipt.",
      tag: "data",
      auth: "operator",
      body: fetchRequestSchema,
      responses: {
        200: { description: "The granted fields, and the receipt", schema: fetchResponseSchema },
        403: { description: "Refused: reason is one of the denial codes; a denied receipt was stored" },
        404: { description: "Unknown grant (no receipt), or no record at the provider (a failed receipt)" },
        429: { description: "quota_exceeded; a denied receipt was stored" },
        502: {
          description:
            "The provider's gateway is unreachable, unknown, answered without a valid signature, or its system " +
            "failed; a failed receipt was stored",
        },
        503: {
          description:
            "Receipt anchoring is behind its limit (anchoring_behind) or this database is behind the chain's " +
            "anchored receipts (receipts_diverged), no receipt either way; or this gateway's view of the chain is " +
            "stale (view_stale, a failed receipt when the grant is known): fetches fail closed",
        },
        504: { description: "The provider did not answer in time; a failed receipt was stored" },
      },
    },
    async ({ body, auth, res }) => {
      const result = await fetches.fetch(auth, body);
      // Written directly rather than returned: a returned body would be kept by the Idempotency-Key store, and
      // delivered data must not be stored anywhere by the gateway.
      res.status(200).type("application/json").end(JSON.stringify(result));
    },
  );
}
