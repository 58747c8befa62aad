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
        "Checks, in this order and from the latest indexed chain state: the caller owns the grant; the grant is " +
        "active; the agreement is active and in its window; the purpose is the agreement's; a subject is named when " +
        "the resource is about people; the subject's consent is in effect where the agreement requires one; the " +
        "grant's and the agreement's quotas. Then queries the provider's system and answers only the granted " +
        "fields. Every decision leaves a receipt, stored before the answer. Refusals are 403 (429 for " +
        "quota_exceeded) with `reason` and `receiptId`; 503 while receipt anchoring is behind its limit. " +
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
        502: { description: "The provider's system failed; a failed receipt was stored" },
        503: { description: "Receipt anchoring is behind its limit: fetches fail closed" },
        504: { description: "The provider's system did not answer in time; a failed receipt was stored" },
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
