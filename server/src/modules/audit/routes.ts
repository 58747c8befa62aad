import type { RouteRegistry } from "../../common/route-registry";
import type { ExchangeCheckService } from "./exchange-check";
import { exchangeCheckBodySchema, exchangeCheckSchema, scorecardQuerySchema, scorecardSchema } from "./schemas";
import type { ScorecardService } from "./service";

export function registerAuditRoutes(
  registry: RouteRegistry,
  scorecards: ScorecardService,
  exchanges: ExchangeCheckService,
): void {
  registry.route(
    {
      method: "get",
      path: "/v1/audit/scorecard",
      summary: "The supervision scorecard, per department, over a period",
      description:
        "What `npm run audit -- report` computes (the same code, core/audit/scorecard.ts), from this gateway's " +
        "index of the chain: requests, reply times, replies past the deadline, escalations, grants, consents, " +
        "demands and objections per department, ranked; deliveries and denials by reason from the receipts this " +
        "gateway wrote. Days are China Standard Time; `to` takes the whole day.",
      tag: "audit",
      auth: "auditor",
      query: scorecardQuerySchema,
      responses: {
        200: { description: "The scorecards, as of the block given", schema: scorecardSchema },
        400: { description: "A date that is not YYYY-MM-DD, or a period that ends before it starts" },
        403: { description: "Not an auditor token" },
      },
    },
    ({ query }) => scorecards.scorecard(query),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/audit/exchange",
      summary: "Check two sides' receipts of their exchanges",
      description:
        "The exchange check of `npm run audit -- exchange` (the same code, core/audit/exchange/): each federated " +
        "receipt against its own signed request and response (signers were operators of the consumer and the " +
        "provider at the receipt's time, by this gateway's index), then the consumer's receipts paired with the " +
        "provider's by requestId and each pair judged by docs/FEDERATION.md §4. Changes nothing. The command's " +
        "checks of each receipt on chain (Merkle proof, anchoring, gaps, lawfulness) are not run here.",
      tag: "audit",
      auth: "auditor",
      readOnly: true,
      body: exchangeCheckBodySchema,
      responses: {
        200: { description: "The verdict, each exchange and each violation", schema: exchangeCheckSchema },
        400: { description: "Not two lists of receipt entries (the field is named)" },
        403: { description: "Not an auditor token" },
      },
    },
    ({ body }) => exchanges.check(body),
  );
}
