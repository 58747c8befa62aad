import { z } from "zod";
import { createDocument } from "zod-openapi";
import type { oas31, ZodOpenApiOperationObject, ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { IDEMPOTENCY_HEADER } from "./idempotency";
import { PROBLEM_CONTENT_TYPE } from "./problem";
import type { RegisteredRoute } from "./route-registry";

export type OpenApiDocument = oas31.OpenAPIObject;

const problemSchema = z
  .looseObject({
    type: z.string().meta({ example: "https://kuajie.dev/problems/validation_failed" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    requestId: z.string().optional(),
    errors: z
      .array(
        z.object({
          field: z.string().meta({ example: "body.fields[0].name" }),
          path: z.string().meta({ description: "the same as field" }),
          message: z.string(),
        }),
      )
      .optional()
      .meta({ description: "validation failures (400), one per bad field" }),
  })
  .meta({
    id: "Problem",
    description: "RFC 9457 problem details; more members by type (reason, receiptId, errorName, args)",
  });

const idempotencyHeaders = z.object({
  [IDEMPOTENCY_HEADER]: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .meta({
      description:
        "Makes the request safe to retry: a retry with the same key and body returns the first response " +
        "(header Idempotent-Replayed: true); the same key with another body is 422; while the first is running, 409.",
    }),
});

/** `/v1/agreements/:id` → `/v1/agreements/{id}` */
function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function operationId(route: RegisteredRoute): string {
  const words = [route.method, ...route.path.split(/[/:_-]+/).filter(Boolean)];
  return words.map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1))).join("");
}

function problem(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };
}

function responsesOf(route: RegisteredRoute): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const isError = Number(status) >= 400;
    const contentType = response.contentType ?? (isError ? PROBLEM_CONTENT_TYPE : "application/json");
    const schema = response.schema ?? (isError ? problemSchema : undefined);
    responses[status as `2${string}`] = {
      description: response.description,
      ...(schema ? { content: { [contentType]: { schema } } } : {}),
    };
  }
  const add = (status: `4${string}`, description: string) => {
    if (!(status in responses)) responses[status] = problem(description);
  };
  if (route.body || route.query || route.params || route.idempotent)
    add("400", "Malformed input; `errors` names each bad field");
  // Every route parses a JSON body when one is sent, so even an input-less route can answer 400.
  else add("400", "A request body that is not well-formed JSON");
  if (route.auth !== "none") {
    add("401", "Missing, unknown or revoked bearer token");
    add("403", "The caller's role or department may not do this");
    add("429", "Too many failed authentication attempts from this address");
  }
  if (route.idempotent) {
    add("409", "A request with the same Idempotency-Key is still running");
    add("422", "The Idempotency-Key was used for a different request, or the rules refuse");
  }
  if (route.body) add("413", "Request body too large");
  responses.default = problem("Any other failure, as problem+json");
  return responses;
}

/**
 * The example request body a route's body schema carries (`.meta({ examples: [body] })`), checked against that
 * schema so that the reference never shows a body the gateway would refuse.
 */
function bodyExample(route: RegisteredRoute): { example?: unknown } {
  if (!route.body) return {};
  const examples = z.globalRegistry.get(route.body)?.examples;
  const example: unknown = Array.isArray(examples) ? examples[0] : undefined;
  if (example === undefined) return {};
  const parsed = route.body.safeParse(example);
  if (!parsed.success) {
    throw new Error(
      `the example body of ${route.method.toUpperCase()} ${route.path} is invalid: ${parsed.error.message}`,
    );
  }
  return { example };
}

function operationOf(route: RegisteredRoute): ZodOpenApiOperationObject {
  return {
    operationId: operationId(route),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: route.auth === "none" ? [] : [{ bearer: [] }],
    "x-kuajie-auth": route.auth,
    ...(route.readOnly ? { "x-kuajie-read-only": true } : {}),
    requestParams: {
      ...(route.params ? { path: route.params } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.idempotent ? { header: idempotencyHeaders } : {}),
    },
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: route.body, ...bodyExample(route) } },
          },
        }
      : {}),
    responses: responsesOf(route),
  };
}

/** The project's licence (package.json `license`), as an SPDX identifier. */
const API_LICENSE = { name: "Apache 2.0", identifier: "Apache-2.0" } as const;

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** The OpenAPI 3.1 description of every registered route, from the same zod schemas that validate requests. */
export function buildOpenApiDocument(routes: readonly RegisteredRoute[], info: OpenApiInfo): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operationOf(route) };
  }
  return createDocument(
    {
      openapi: "3.1.0",
      info: { ...info, license: { ...API_LICENSE } },
      // Relative to the document's own URL: each department's gateway serves the API and its description together.
      servers: [{ url: "/", description: "this gateway (the origin that served this document)" }],
      paths,
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            description:
              "A gateway token (kj_…) issued with `npm run tokens -- create`; roles operator, council, auditor",
          },
        },
      },
    },
    {},
  );
}
