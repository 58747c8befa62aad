import type { RouteRegistry } from "../../common/route-registry";
import { exchangeAnswerSchema, exchangeFetchBodySchema } from "./schemas";
import { EXCHANGE_FAILURES, EXCHANGE_REFUSALS, type ExchangeService } from "./service";

const reasonsAt = (status: number, table: Record<string, number>) =>
  Object.entries(table)
    .filter(([, s]) => s === status)
    .map(([reason]) => `\`${reason}\``)
    .join(", ");

const signed = (status: number, what: string) => ({
  description: `${what} (${[reasonsAt(status, EXCHANGE_REFUSALS), reasonsAt(status, EXCHANGE_FAILURES)]
    .filter(Boolean)
    .join(", ")}): a signed answer without data, and a provider receipt`,
  schema: exchangeAnswerSchema,
});

export function registerExchangeRoutes(registry: RouteRegistry, exchange: ExchangeService): void {
  registry.route(
    {
      method: "post",
      path: "/exchange/v1/fetch",
      summary: "Gateway to gateway: serve a consumer department's signed exchange request (provider side)",
      description:
        "No bearer token: the request is authenticated by its EIP-712 signature (ExchangeRequest under the domain " +
        '{name: "Kuajie Exchange", version: "1", chainId, verifyingContract: Consortium}), which must recover to an ' +
        "operator of `request.consumer` on this gateway's indexed view. Then, in order: the request's time within " +
        "±60 s (configurable) of this gateway's clock; its requestId unseen from this consumer, or seen with the same " +
        "request digest, in which case the first signed answer is returned unchanged (one receipt, the quota counted " +
        "once); the view current; the grant, agreement, window, suspensions, purpose, field mask, subject reference " +
        "(recomputed from the identity number), parameters, consent and the authoritative quota. The backend is asked " +
        "for the requested fields only and its answer filtered again. Every answer after the signature check is an " +
        "ExchangeResponse signed by the provider department (over keccak256(canonicalJson({data}))), stored with its " +
        "provider receipt before it is sent. See docs/FEDERATION.md.",
      tag: "exchange",
      auth: "none",
      body: exchangeFetchBodySchema,
      responses: {
        200: { description: "Delivered: the data and the signed response", schema: exchangeAnswerSchema },
        400: { description: "Malformed body (problem+json naming each field); no receipt" },
        401: {
          description:
            "`exchange_bad_signature` (problem+json, unsigned, with the receipt id of a denied provider receipt), or " +
            "`exchange_stale` (a signed answer, naming the skew in `detail`, and a provider receipt)",
        },
        403: signed(403, "Refused by the rules on the provider's view"),
        404: {
          description:
            "`no_grant` or `not_found` (signed answers with a provider receipt), or `exchange_not_provided_here` " +
            "(problem+json: no department of this gateway provides the grant's resource; no receipt)",
        },
        409: signed(409, "The requestId was already answered for another request of this consumer"),
        429: signed(429, "The grant's or the agreement's quota is used up, counted at the provider"),
        502: signed(502, "The provider's backend failed"),
        503: {
          description:
            "`view_stale` (signed, with a provider receipt), or `anchoring_behind` / `receipts_diverged` / " +
            "`receipt_unavailable` " +
            "(problem+json, nothing signed or recorded)",
        },
        504: signed(504, "The provider's backend did not answer in time"),
      },
    },
    async ({ body, res }) => {
      const result = await exchange.fetch(body);
      // Written directly rather than returned: a returned body would be kept by the Idempotency-Key store, and
      // delivered data must not be stored by the gateway beyond the exchange's own idempotency window.
      res.status(result.httpStatus).type("application/json").end(JSON.stringify(result.body));
    },
  );
}
