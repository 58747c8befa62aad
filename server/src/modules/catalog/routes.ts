import type { RouteRegistry } from "../../common/route-registry";
import type { DepartmentService } from "../departments/service";
import { callerOf } from "../auth/caller";
import {
  registerResourceSchema,
  resourceDetailSchema,
  resourceIdParamsSchema,
  resourceListQuerySchema,
  resourceListSchema,
  resourceSchema,
  updateResourceSchema,
} from "./schemas";
import type { CatalogService } from "./service";

const problems = {
  400: { description: "Invalid input (problem+json naming each bad field)" },
  401: { description: "No or bad token" },
};
const changeProblems = {
  ...problems,
  403: { description: "The caller's department is not the provider (`not_provider`), or an auditor token" },
  404: { description: "No such resource (`resource_not_found`)" },
  409: { description: "The resource is retired (`resource_retired`)" },
  422: { description: "The contract refused the transaction (`contract_revert` with errorName and args)" },
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
        "Builds the canonical metadata JSON of the description (upstream.url included; fields in order, bit i = " +
        "fields[i]) and calls DataCatalog.register signed by the caller's department. itemCount = fields.length; " +
        "legalBasis (required for not_shareable) goes on chain as its keccak256.",
      tag: "catalog",
      auth: "operator",
      body: registerResourceSchema,
      responses: {
        201: { description: "Registered (version 1)", schema: resourceSchema },
        ...problems,
        409: { description: "The department already has a resource with this code (`resource_exists`)" },
        422: { description: "The contract refused the transaction (`contract_revert` with errorName and args)" },
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
      responses: { 200: { description: "Resources, as of the block given", schema: resourceListSchema }, ...problems },
    },
    ({ query }) => catalog.list(query),
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
        ...problems,
        404: { description: "No such resource (`resource_not_found`)" },
      },
    },
    ({ params }) => catalog.detail(params.id),
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
