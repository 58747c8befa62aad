import type { RouteRegistry } from "../../common/route-registry";
import { scorecardQuerySchema, scorecardSchema } from "./schemas";
import type { ScorecardService } from "./service";

export function registerAuditRoutes(registry: RouteRegistry, scorecards: ScorecardService): void {
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
}
