import { CONTRACT_REVERT, INPUT_PROBLEMS, type RouteRegistry } from "../../common/route-registry";
import type { DepartmentService } from "../departments/service";
import { callerOf } from "../auth/caller";
import {
  grantDetailSchema,
  grantListQuerySchema,
  grantListSchema,
  grantWriteSchema,
  idParamsSchema,
  issueGrantSchema,
} from "./schemas";
import type { GrantAction, GrantService } from "./service";

const ACTION_SUMMARIES: Record<GrantAction, string> = {
  pause: "Pause an active grant (its consumer or the provider)",
  resume: "Resume a paused grant (its consumer or the provider)",
  revoke: "Revoke a grant for good (its consumer or the provider)",
};

export function registerGrantRoutes(
  registry: RouteRegistry,
  grants: GrantService,
  departments: DepartmentService,
): void {
  registry.route(
    {
      method: "post",
      path: "/v1/grants",
      summary: "Issue a grant under an active agreement (a consumer of it)",
      description:
        "grantee defaults to the caller department's gateway account, fields to the agreement's, expiresAt to the " +
        "agreement's validUntil, quota to the agreement's.",
      tag: "grants",
      auth: "operator",
      body: issueGrantSchema,
      responses: {
        201: { description: "Issued", schema: grantWriteSchema },
        ...INPUT_PROBLEMS,
        403: { description: "The caller's department is not a consumer of the agreement (`not_party`)" },
        404: { description: "No such agreement (`agreement_not_found`)" },
        409: { description: "The agreement is not active (`agreement_not_active`)" },
        422: {
          description:
            "Fields the agreement does not cover (`fields_outside_agreement`), or the contract refused " +
            "(`contract_revert` with errorName)",
        },
      },
    },
    ({ auth, body }) => grants.issue(callerOf(auth, departments), body),
  );
  for (const action of Object.keys(ACTION_SUMMARIES) as GrantAction[]) {
    registry.route(
      {
        method: "post",
        path: `/v1/grants/:id/${action}`,
        summary: ACTION_SUMMARIES[action],
        tag: "grants",
        auth: "operator",
        params: idParamsSchema,
        responses: {
          200: { description: "The updated grant", schema: grantWriteSchema },
          ...INPUT_PROBLEMS,
          403: { description: "Neither the grant's consumer nor the provider (`not_party`), or an auditor token" },
          404: { description: "No such grant (`grant_not_found`)" },
          409: { description: "The recorded status excludes the action (`invalid_status`)" },
          422: CONTRACT_REVERT,
        },
      },
      ({ auth, params }) => grants.act(callerOf(auth, departments), params.id, action),
    );
  }
  registry.route(
    {
      method: "get",
      path: "/v1/grants",
      summary: "List grants",
      tag: "grants",
      auth: "any",
      query: grantListQuerySchema,
      responses: { 200: { description: "Grants, as of the block given", schema: grantListSchema }, ...INPUT_PROBLEMS },
    },
    ({ query }) => grants.list(query),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/grants/:id",
      summary: "One grant with its history",
      tag: "grants",
      auth: "any",
      params: idParamsSchema,
      responses: {
        200: { description: "The grant", schema: grantDetailSchema },
        ...INPUT_PROBLEMS,
        404: { description: "No such grant (`grant_not_found`)" },
      },
    },
    ({ params }) => grants.detail(params.id),
  );
}
