import { CONTRACT_REVERT, INPUT_PROBLEMS, type RouteRegistry } from "../../common/route-registry";
import type { DepartmentService } from "../departments/service";
import { callerIfAny, callerOf } from "../auth/caller";
import {
  registerResourceSchema,
  resourceDetailSchema,
  resourceIdParamsSchema,
  resourceListQuerySchema,
  resourceListSchema,
  resourceSchema,
  returnedBodySchema,
  updateResourceSchema,
} from "./schemas";
import type { CatalogService } from "./service";

const changeProblems = {
  ...INPUT_PROBLEMS,
  403: { description: "The caller's department is not the provider (`not_provider`), or an auditor token" },
  404: { description: "No such resource (`resource_not_found`)" },
  409: { description: "The resource is retired (`resource_retired`)" },
  422: CONTRACT_REVERT,
};

export function registerCatalogRoutes(
  registry: RouteRegistry,
  catalog: CatalogService,
  departments: DepartmentService,
): void {
  registry.route(
    {
      method: "post",
      path: "/v1/catalog/resources",
      summary: "Register a resource of the caller's department",
      description:
        "Builds the canonical metadata JSON of the description (fields in order, bit i = fields[i]; upstream left " +
        "out: it is kept only in this gateway's database) and calls DataCatalog.register signed by the caller's " +
        "department. itemCount = fields.length; legalBasis (required for not_shareable) goes on chain as its keccak256.",
      tag: "catalog",
      auth: "operator",
      body: registerResourceSchema,
      responses: {
        201: { description: "Registered (version 1)", schema: resourceSchema },
        ...INPUT_PROBLEMS,
        409: { description: "The department already has a resource with this code (`resource_exists`)" },
        422: CONTRACT_REVERT,
      },
    },
    ({ auth, body }) => catalog.register(callerOf(auth, departments), body),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/catalog/resources",
      summary: "List catalog resources",
      tag: "catalog",
      auth: "any",
      query: resourceListQuerySchema,
      responses: {
        200: { description: "Resources, as of the block given", schema: resourceListSchema },
        ...INPUT_PROBLEMS,
      },
    },
    ({ query, auth }) => catalog.list(query, callerIfAny(auth, departments)),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/catalog/resources/:id",
      summary: "One resource with its metadata and history",
      tag: "catalog",
      auth: "any",
      params: resourceIdParamsSchema,
      responses: {
        200: { description: "The resource", schema: resourceDetailSchema },
        ...INPUT_PROBLEMS,
        404: { description: "No such resource (`resource_not_found`)" },
      },
    },
    ({ params, auth }) => catalog.detail(params.id, callerIfAny(auth, departments)),
  );
  registry.route(
    {
      method: "patch",
      path: "/v1/catalog/resources/:id",
      summary: "Publish a new version of a resource (provider only)",
      description:
        "The properties given replace the current ones (fields: the whole new list; existing fields keep their " +
        "names and positions, new ones are appended); the rest is kept. Calls DataCatalog.update.",
      tag: "catalog",
      auth: "operator",
      params: resourceIdParamsSchema,
      body: updateResourceSchema,
      responses: { 200: { description: "The new version", schema: resourceSchema }, ...changeProblems },
    },
    ({ auth, params, body }) => catalog.update(callerOf(auth, departments), params.id, body),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/catalog/resources/:id/returned",
      summary: "Mark a resource returned (回流) to the departments below the provider, or withdraw the mark",
      description:
        "For a department below the provider (its parent links lead to the provider and its region code lies in the " +
        "provider's region) an agreement on the resource starts active at once, as on an unconditional resource; " +
        "purpose, grants, consent and receipts bind it as any other. Calls DataCatalog.setReturned; keeps the version.",
      tag: "catalog",
      auth: "operator",
      params: resourceIdParamsSchema,
      body: returnedBodySchema,
      responses: { 200: { description: "The resource with its mark", schema: resourceSchema }, ...changeProblems },
    },
    ({ auth, params, body }) => catalog.setReturned(callerOf(auth, departments), params.id, body.returned),
  );
  registry.route(
    {
      method: "post",
      path: "/v1/catalog/resources/:id/retire",
      summary: "Retire a resource (provider only)",
      tag: "catalog",
      auth: "operator",
      params: resourceIdParamsSchema,
      responses: { 200: { description: "The retired resource", schema: resourceSchema }, ...changeProblems },
    },
    ({ auth, params }) => catalog.retire(callerOf(auth, departments), params.id),
  );
}
