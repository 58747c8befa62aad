import { CONTRACT_REVERT, INPUT_PROBLEMS, type RouteRegistry } from "../../common/route-registry";
import type { DepartmentService } from "../departments/service";
import { callerOf } from "../auth/caller";
import {
  assignResponsibilitySchema,
  assignmentResultSchema,
  demandDetailSchema,
  demandListQuerySchema,
  demandListSchema,
  demandWriteSchema,
  idParamsSchema,
  linkResourceSchema,
  publishDemandSchema,
} from "./schemas";
import type { DemandService } from "./service";

const linkProblems = {
  ...INPUT_PROBLEMS,
  404: { description: "No such demand (`demand_not_found`) or resource (`resource_not_found`)" },
  409: { description: "The demand's status excludes the action (`invalid_status`), or the resource is retired" },
  422: CONTRACT_REVERT,
};

export function registerDemandRoutes(
  registry: RouteRegistry,
  demands: DemandService,
  departments: DepartmentService,
): void {
  registry.route(
    {
      method: "post",
      path: "/v1/demands",
      summary: "Publish a demand for data (需求清单)",
      description:
        "The body's canonical JSON goes on chain in DemandRegistry's DemandPublished event, its keccak256 in the " +
        "contract's state. Describe the data, never a person: the texts are public to every member.",
      tag: "demands",
      auth: "operator",
      body: publishDemandSchema,
      responses: { 201: { description: "Published (status open)", schema: demandWriteSchema }, ...INPUT_PROBLEMS },
    },
    ({ auth, body }) => demands.publish(callerOf(auth, departments), body),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/demands",
      summary: "List demands",
      tag: "demands",
      auth: "any",
      query: demandListQuerySchema,
      responses: {
        200: { description: "Demands, as of the block given", schema: demandListSchema },
        ...INPUT_PROBLEMS,
      },
    },
    ({ query }) => demands.list(query),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/demands/:id",
      summary: "One demand with its history",
      tag: "demands",
      auth: "any",
      params: idParamsSchema,
      responses: {
        200: { description: "The demand", schema: demandDetailSchema },
        ...INPUT_PROBLEMS,
        404: { description: "No such demand (`demand_not_found`)" },
      },
    },
    ({ params }) => demands.detail(params.id),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/demands/:id/answer",
      summary: "Answer an open demand with a resource the caller's department provides",
      tag: "demands",
      auth: "operator",
      params: idParamsSchema,
      body: linkResourceSchema,
      responses: {
        200: { description: "The answered demand", schema: demandWriteSchema },
        ...linkProblems,
        403: { description: "The caller's department does not provide the resource (`not_provider`)" },
      },
    },
    ({ auth, params, body }) => demands.answer(callerOf(auth, departments), params.id, body.resourceId),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/responsibilities",
      summary: "Assign a demand to a department, due in working days (a council proposal, 责任清单)",
      description:
        "Makes the council proposal that calls DemandRegistry.assign; the proposer's department approves it at " +
        "once, and it executes at the quorum (at once with a single seat). The due date is the end (23:59:59 CST) " +
        "of the workingDays-th working day after today on the council's calendar.",
      tag: "demands",
      auth: "council",
      body: assignResponsibilitySchema,
      responses: {
        201: { description: "Proposed (and executed at the quorum)", schema: assignmentResultSchema },
        ...INPUT_PROBLEMS,
        403: { description: "The department holds no council seat" },
        404: { description: "No such demand (`demand_not_found`)" },
        409: { description: "The demand is answered or fulfilled (`invalid_status`)" },
        422: { description: "The council call was refused (`contract_revert` with the module's error)" },
      },
    },
    ({ auth, body }) => demands.assign(callerOf(auth, departments), body),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/responsibilities",
      summary: "List responsibilities: demands the council assigned (fulfilled or not)",
      tag: "demands",
      auth: "any",
      query: demandListQuerySchema,
      responses: {
        200: { description: "Responsibilities, as of the block given", schema: demandListSchema },
        ...INPUT_PROBLEMS,
      },
    },
    ({ query }) => demands.list(query, true),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/responsibilities/:id",
      summary: "One responsibility (by its demand's id) with its history",
      tag: "demands",
      auth: "any",
      params: idParamsSchema,
      responses: {
        200: { description: "The responsibility", schema: demandDetailSchema },
        ...INPUT_PROBLEMS,
        404: { description: "No such demand, or it was never assigned (`demand_not_found`)" },
      },
    },
    ({ params }) => demands.detail(params.id, true),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/responsibilities/:id/fulfil",
      summary: "Fulfil an assigned demand with a resource the responsible department provides",
      tag: "demands",
      auth: "operator",
      params: idParamsSchema,
      body: linkResourceSchema,
      responses: {
        200: {
          description: "The fulfilled demand (fulfilledOnTime says whether by the due date)",
          schema: demandWriteSchema,
        },
        ...linkProblems,
        403: {
          description:
            "The caller's department is not the responsible one (`not_responsible`) or does not provide the resource (`not_provider`)",
        },
      },
    },
    ({ auth, params, body }) => demands.fulfil(callerOf(auth, departments), params.id, body.resourceId),
  );
}
