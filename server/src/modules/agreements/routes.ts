import { CONTRACT_REVERT, INPUT_PROBLEMS, type RouteRegistry } from "../../common/route-registry";
import type { DepartmentService } from "../departments/service";
import { callerIfAny, callerOf } from "../auth/caller";
import {
  agreementDetailSchema,
  agreementListQuerySchema,
  agreementListSchema,
  agreementWriteSchema,
  idParamsSchema,
  rejectAgreementSchema,
  requestAgreementSchema,
} from "./schemas";
import type { AgreementAction, AgreementService } from "./service";

const actionProblems = {
  ...INPUT_PROBLEMS,
  403: { description: "The caller's department has no part in this action (`not_party`), or an auditor token" },
  404: { description: "No such agreement (`agreement_not_found`)" },
  409: { description: "The recorded status excludes the action (`invalid_status`)" },
  422: CONTRACT_REVERT,
};

const ACTION_SUMMARIES: Record<Exclude<AgreementAction, "reject" | "terminate">, string> = {
  approve: "Approve a requested agreement (the provider)",
  seal: "Seal a requested or escalated agreement (a co-consumer)",
  suspend: "Suspend an active agreement (the provider)",
  resume: "Resume a suspended agreement (the provider)",
  escalate: "Escalate a request the provider has not answered by its reply deadline to the council (any member)",
};

export function registerAgreementRoutes(
  registry: RouteRegistry,
  agreements: AgreementService,
  departments: DepartmentService,
): void {
  registry.route(
    {
      method: "post",
      path: "/v1/agreements",
      summary: "Request a sharing agreement as the lead consumer",
      description:
        "Field names become the field mask; the terms object's canonical JSON hashes to termsHash; times are " +
        "ISO 8601 or unix seconds. An unconditional resource gives an active agreement at once (without " +
        "co-consumers); a conditional one stays requested until the provider approves.",
      tag: "agreements",
      auth: "operator",
      body: requestAgreementSchema,
      responses: {
        201: { description: "Requested (status active or requested)", schema: agreementWriteSchema },
        ...INPUT_PROBLEMS,
        404: { description: "No such resource (`resource_not_found`)" },
        409: { description: "The resource is retired (`resource_retired`)" },
        422: {
          description: "The resource is not shareable (`not_shareable`), or the contract refused (`contract_revert`)",
        },
      },
    },
    ({ auth, body }) => agreements.request(callerOf(auth, departments), body),
  );
  for (const action of Object.keys(ACTION_SUMMARIES) as Array<keyof typeof ACTION_SUMMARIES>) {
    registry.route(
      {
        method: "post",
        path: `/v1/agreements/:id/${action}`,
        summary: ACTION_SUMMARIES[action],
        tag: "agreements",
        auth: "operator",
        params: idParamsSchema,
        responses: { 200: { description: "The updated agreement", schema: agreementWriteSchema }, ...actionProblems },
      },
      ({ auth, params }) => agreements.act(callerOf(auth, departments), params.id, action),
    );
  }
  for (const [action, summary, result] of [
    ["reject", "Reject a requested agreement with a reason (the provider)", "The rejected agreement"],
    [
      "terminate",
      "Terminate an active or suspended agreement for good, with a reason (the provider)",
      "The terminated agreement",
    ],
  ] as const) {
    registry.route(
      {
        method: "post",
        path: `/v1/agreements/:id/${action}`,
        summary,
        description: "The reason's keccak256 goes on chain; the gateway keeps the text and shows it.",
        tag: "agreements",
        auth: "operator",
        params: idParamsSchema,
        body: rejectAgreementSchema,
        responses: { 200: { description: result, schema: agreementWriteSchema }, ...actionProblems },
      },
      ({ auth, params, body }) => agreements.act(callerOf(auth, departments), params.id, action, body.reason),
    );
  }
  registry.route(
    {
      method: "get",
      path: "/v1/agreements",
      summary: "List agreements",
      description: "`as` narrows to the agreements where the caller's department is the provider or a consumer.",
      tag: "agreements",
      auth: "any",
      query: agreementListQuerySchema,
      responses: {
        200: { description: "Agreements, as of the block given", schema: agreementListSchema },
        ...INPUT_PROBLEMS,
      },
    },
    ({ auth, query }) => agreements.list(callerIfAny(auth, departments), query),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/agreements/:id",
      summary: "One agreement with its history",
      tag: "agreements",
      auth: "any",
      params: idParamsSchema,
      responses: {
        200: { description: "The agreement", schema: agreementDetailSchema },
        ...INPUT_PROBLEMS,
        404: { description: "No such agreement (`agreement_not_found`)" },
      },
    },
    ({ params }) => agreements.detail(params.id),
  );
}
