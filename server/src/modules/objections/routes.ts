import { CONTRACT_REVERT, INPUT_PROBLEMS, type RouteRegistry } from "../../common/route-registry";
import type { DepartmentService } from "../departments/service";
import { callerIfAny, callerOf } from "../auth/caller";
import {
  answerObjectionSchema,
  idParamsSchema,
  objectionDetailSchema,
  objectionListQuerySchema,
  objectionListSchema,
  objectionWriteSchema,
  raiseObjectionSchema,
} from "./schemas";
import type { ObjectionService } from "./service";

const actionProblems = {
  ...INPUT_PROBLEMS,
  403: { description: "The caller's department is not the party the action belongs to (`not_party`)" },
  404: { description: "No such objection (`objection_not_found`)" },
  409: { description: "The objection's status excludes the action (`invalid_status`)" },
  422: CONTRACT_REVERT,
};

export function registerObjectionRoutes(
  registry: RouteRegistry,
  objections: ObjectionService,
  departments: DepartmentService,
): void {
  registry.route(
    {
      method: "post",
      path: "/v1/objections",
      summary: "Raise a data-quality objection on another department's resource (校核纠错)",
      description:
        "Field names become the field mask. The provider must answer by the end of the tenth working day after " +
        "today (CST) on the council's calendar (answerDeadline).",
      tag: "objections",
      auth: "operator",
      body: raiseObjectionSchema,
      responses: {
        201: { description: "Raised", schema: objectionWriteSchema },
        ...INPUT_PROBLEMS,
        403: { description: "The caller's department provides the resource (`own_resource`)" },
        404: { description: "No such resource (`resource_not_found`)" },
        409: { description: "The resource is retired (`resource_retired`)" },
        422: CONTRACT_REVERT,
      },
    },
    ({ auth, body }) => objections.raise(callerOf(auth, departments), body),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/objections",
      summary: "List objections",
      tag: "objections",
      auth: "any",
      query: objectionListQuerySchema,
      responses: {
        200: { description: "Objections, as of the block given", schema: objectionListSchema },
        ...INPUT_PROBLEMS,
      },
    },
    ({ auth, query }) => objections.list(query, callerIfAny(auth, departments)),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/objections/:id",
      summary: "One objection with its history",
      tag: "objections",
      auth: "any",
      params: idParamsSchema,
      responses: {
        200: { description: "The objection", schema: objectionDetailSchema },
        ...INPUT_PROBLEMS,
        404: { description: "No such objection (`objection_not_found`)" },
      },
    },
    ({ params }) => objections.detail(params.id),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/objections/:id/answer",
      summary: "Answer an objection: corrected or disputed (the provider)",
      description:
        "corrected: with a note (its hash on chain), or without one pointing at the resource's current catalog " +
        "version; also after the council upheld the objection. disputed: with a reason (its hash on chain).",
      tag: "objections",
      auth: "operator",
      params: idParamsSchema,
      body: answerObjectionSchema,
      responses: { 200: { description: "The answered objection", schema: objectionWriteSchema }, ...actionProblems },
    },
    ({ auth, params, body }) => objections.answer(callerOf(auth, departments), params.id, body),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/objections/:id/escalate",
      summary: "Escalate a disputed objection, or one unanswered past its deadline, to the council (the consumer)",
      description: "The council then decides with a `decide_objection` proposal (POST /v1/council/proposals).",
      tag: "objections",
      auth: "operator",
      params: idParamsSchema,
      responses: { 200: { description: "The escalated objection", schema: objectionWriteSchema }, ...actionProblems },
    },
    ({ auth, params }) => objections.escalate(callerOf(auth, departments), params.id),
  );
}
