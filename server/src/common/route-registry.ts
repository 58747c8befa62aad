import express from "express";
import type { Request, RequestHandler, Response, Router } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import { fieldPath, validationError } from "./errors";
import type { FieldError } from "./errors";
import { jsonSafe } from "./problem";
import type { AuthContext, AuthLevel } from "./request-context";

/**
 * Validation at the edge and the route registry. A feature module declares each route once — method, path,
 * who may call it, the zod schemas of its input and its responses — and the registry both mounts it on express
 * (authentication, role guard, idempotency, parsing) and records it, so that /openapi.json and /docs are
 * generated from the very schemas that check the requests.
 */

/** Input schemas for query and path parameters must be objects (each key is one parameter). */
type ParamsSchema = z.ZodType<unknown, Record<string, unknown>>;

/** How deep a request body may nest (objects and arrays); the API's own bodies need fewer than ten levels. */
export const MAX_BODY_DEPTH = 64;

/** The nesting depth of a parsed JSON value, without recursion (a hostile body may nest 50,000 levels). */
export function jsonDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > stopAbove) return deepest;
    for (const inner of Array.isArray(current) ? current : Object.values(current)) {
      if (inner !== null && typeof inner === "object") stack.push([inner, here]);
    }
  }
  return deepest;
}

/**
 * Refuses a request body nested deeper than `maxDepth` with a 400, before anything walks it: the idempotency hash,
 * canonical JSON of terms and evidence documents and the zod schemas all recurse, and a body of 100 kB can nest
 * 50,000 levels — enough to overflow the stack (a 500) in any of them.
 */
export function bodyDepthGuard(maxDepth = MAX_BODY_DEPTH): RequestHandler {
  return (req, _res, next) => {
    if (req.body !== null && typeof req.body === "object" && jsonDepth(req.body, maxDepth) > maxDepth) {
      throw validationError([{ field: "body", message: `nested deeper than ${maxDepth} levels` }]);
    }
    next();
  };
}

type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

interface RouteResponse {
  description: string;
  /** Response body schema; omitted for an empty body. */
  schema?: z.ZodType;
  /** `application/json` unless said otherwise. */
  contentType?: string;
}

interface RouteSpec<
  B extends z.ZodType | undefined,
  Q extends ParamsSchema | undefined,
  P extends ParamsSchema | undefined,
  A extends AuthLevel = AuthLevel,
> {
  method: HttpMethod;
  /** Express syntax: `/v1/agreements/:id`. */
  path: string;
  summary: string;
  description?: string;
  /** OpenAPI tag; defaults to the path's first segment after /v1. */
  tag?: string;
  auth: A;
  /** A write method that changes nothing (auditors may call it). */
  readOnly?: boolean;
  body?: B;
  query?: Q;
  params?: P;
  /** By status code. The lowest 2xx is the status a handler's plain return value is sent with. */
  responses: Record<number, RouteResponse>;
}

/** The responses every route with input and a token documents: bad input, and no or a bad token. */
export const INPUT_PROBLEMS = {
  400: { description: "Invalid input (problem+json naming each bad field)" },
  401: { description: "No or bad token" },
} as const satisfies Record<number, RouteResponse>;

/** The 422 of a route whose transaction the contract may refuse. */
export const CONTRACT_REVERT: RouteResponse = {
  description: "The contract refused the transaction (`contract_revert` with errorName and args)",
};

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

interface RouteInput<B, Q, P, A extends AuthLevel = AuthLevel> {
  body: Parsed<B>;
  query: Parsed<Q>;
  params: Parsed<P>;
  /** The caller; null on `auth: "none"` routes. */
  auth: A extends "none" ? null : AuthContext;
  log: Logger;
  req: Request;
  res: Response;
}

/** A handler's answer with an explicit status (e.g. 202) or headers; a plain value is sent with the default. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export function reply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return new Reply(status, body, headers);
}

type RouteHandler<B, Q, P, A extends AuthLevel = AuthLevel> = (input: RouteInput<B, Q, P, A>) => unknown;

/** What the registry remembers of each route, for OpenAPI. */
export interface RegisteredRoute {
  method: HttpMethod;
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth: AuthLevel;
  readOnly: boolean;
  body?: z.ZodType;
  query?: ParamsSchema;
  params?: ParamsSchema;
  responses: Record<number, RouteResponse>;
  idempotent: boolean;
}

/** Registers one route: its input is validated before the handler runs, its answer sent after. */
type RegisterRoute = <
  B extends z.ZodType | undefined = undefined,
  Q extends ParamsSchema | undefined = undefined,
  P extends ParamsSchema | undefined = undefined,
  A extends AuthLevel = AuthLevel,
>(
  spec: RouteSpec<B, Q, P, A>,
  handler: RouteHandler<B, Q, P, A>,
) => void;

export interface RouteRegistry {
  route: RegisterRoute;
  /** Every route registered so far, in order. */
  routes(): readonly RegisteredRoute[];
  /** The express router holding the mounted routes. */
  readonly router: Router;
}

export interface RouteRegistryOptions {
  /** Sets req.auth or answers 401 (modules/auth). */
  authenticate: RequestHandler;
  /** The role guard for a level (modules/auth's `authorize`). */
  authorize: (level: Exclude<AuthLevel, "none">, options: { readOnly?: boolean }) => RequestHandler;
  /** Applied to POST, PUT, PATCH and DELETE routes. */
  idempotency: RequestHandler;
}

const WRITE_METHODS: ReadonlySet<HttpMethod> = new Set(["post", "put", "patch", "delete"]);

function defaultTag(path: string): string {
  const segments = path.split("/").filter((s) => s !== "" && s !== "v1" && !s.startsWith(":"));
  return segments[0] ?? "system";
}

function successStatus(responses: Record<number, RouteResponse>): number {
  const ok = Object.keys(responses)
    .map(Number)
    .filter((status) => status >= 200 && status < 300)
    .sort((a, b) => a - b);
  return ok[0] ?? 200;
}

export function createRouteRegistry(options: RouteRegistryOptions): RouteRegistry {
  const router = express.Router();
  const registered: RegisteredRoute[] = [];
  const seen = new Set<string>();

  const route: RegisterRoute = (spec, handler) => {
    const id = `${spec.method.toUpperCase()} ${spec.path}`;
    if (seen.has(id)) throw new Error(`route registered twice: ${id}`);
    seen.add(id);
    const idempotent = WRITE_METHODS.has(spec.method);
    registered.push({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      description: spec.description,
      tag: spec.tag ?? defaultTag(spec.path),
      auth: spec.auth,
      readOnly: spec.readOnly ?? false,
      body: spec.body,
      query: spec.query,
      params: spec.params,
      responses: spec.responses,
      idempotent,
    });

    const status = successStatus(spec.responses);
    const chain: RequestHandler[] = [
      (_req, res, next) => {
        res.locals.routeTemplate = spec.path;
        next();
      },
    ];
    if (spec.auth !== "none") {
      chain.push(options.authenticate, options.authorize(spec.auth, { readOnly: spec.readOnly }));
    }
    if (idempotent) chain.push(options.idempotency);
    chain.push(async (req, res) => {
      // Every location is checked before answering, so that one 400 names all the bad fields.
      const errors: FieldError[] = [];
      const check = (location: string, schema: z.ZodType | undefined, value: unknown): unknown => {
        if (schema === undefined) return undefined;
        const result = schema.safeParse(value);
        if (result.success) return result.data;
        for (const issue of result.error.issues) {
          errors.push({ field: fieldPath(location, issue.path), message: issue.message });
        }
        return undefined;
      };
      const params = check("params", spec.params, req.params);
      const query = check("query", spec.query, req.query);
      const body = check("body", spec.body, req.body);
      if (errors.length > 0) throw validationError(errors);
      // `log` read only by a handler that logs: the request's child logger is made on first use (request-id.ts).
      const input = {
        params,
        query,
        body,
        auth: req.auth ?? null,
        get log() {
          return req.log;
        },
        req,
        res,
      };
      // The schemas accepted them, so they have the parsed types the handler is declared with.
      const result = await handler(input as Parameters<typeof handler>[0]);
      if (res.headersSent) return;
      if (result instanceof Reply) {
        for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
        send(res, result.status, result.body);
      } else {
        send(res, status, result);
      }
    });
    router[spec.method](spec.path, ...chain);
  };

  return { route, routes: () => registered, router };
}

function send(res: Response, status: number, body: unknown): void {
  res.status(status);
  if (body === undefined || status === 204) {
    res.send();
  } else {
    res.json(jsonSafe(body));
  }
}
