import type { RouteRegistry } from "../../common/route-registry";
import { callerKeyOf } from "../auth/caller";
import {
  proposalBodySchema,
  proposalDetailSchema,
  proposalIdParamsSchema,
  proposalListQuerySchema,
  proposalListSchema,
  proposalResultSchema,
} from "./schemas";
import type { CouncilService } from "./service";

export function registerCouncilRoutes(registry: RouteRegistry, service: CouncilService): void {
  registry.route(
    {
      method: "post",
      path: "/v1/council/proposals",
      summary: "Make a council proposal",
      description:
        "The proposer's department approves it at once; it executes when the approvals reach the quorum (at once " +
        "with a single seat). Actions: admit, suspend, reinstate, grant_seat, revoke_seat, clear_node, " +
        "clear_endpoint, set_quorum, set_reply_deadline, set_objection_answer_deadline, and council calls: decide_agreement, suspend_agreement, resume_agreement, " +
        "terminate_agreement, pause_grant, resume_grant, revoke_grant, revoke_consent, publish_calendar_year, " +
        "assign_responsibility, decide_objection.",
      tag: "council",
      auth: "council",
      body: proposalBodySchema,
      responses: {
        201: { description: "Proposed (and executed if the quorum is reached)", schema: proposalResultSchema },
        400: { description: "Malformed input (the field is named)" },
        403: { description: "Not a council token, or the department holds no seat" },
        404: { description: "Unknown consent (revoke_consent)" },
        422: { description: "The Consortium (or the called module) refused it: errorName and args" },
      },
    },
    ({ auth, body }) => service.propose(callerKeyOf(auth), body),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/council/proposals/:id/approvals",
      summary: "Approve a council proposal for the caller's department",
      tag: "council",
      auth: "council",
      params: proposalIdParamsSchema,
      responses: {
        200: { description: "The updated proposal", schema: proposalResultSchema },
        403: { description: "Not a council token, or the department holds no seat" },
        404: { description: "No such proposal" },
        409: { description: "Executed or expired already, or already approved by this department" },
        422: { description: "The Consortium (or the called module) refused it" },
      },
    },
    ({ auth, params }) => service.approve(callerKeyOf(auth), params.id),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/council/proposals",
      summary: "List council proposals, newest first",
      tag: "council",
      auth: "any",
      query: proposalListQuerySchema,
      responses: { 200: { description: "Proposals", schema: proposalListSchema } },
    },
    ({ query }) => service.list(query.status),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/council/proposals/:id",
      summary: "One council proposal with its approvals by department",
      tag: "council",
      auth: "any",
      params: proposalIdParamsSchema,
      responses: {
        200: { description: "The proposal", schema: proposalDetailSchema },
        404: { description: "No such proposal" },
      },
    },
    ({ params }) => service.get(params.id),
  );
}
