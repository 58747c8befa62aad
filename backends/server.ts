/**
 * A demo provider backend: the department's own system that the gateway fetches data from.
 *
 * It speaks the provider backend protocol (`POST /query`) and is deliberately a little careless, like real
 * departmental systems: it answers with the whole record plus an `internalNote`, however few fields were
 * asked for, so that the gateway has to strip what was not granted. For fault tests it can hang, fail,
 * answer garbage or answer slowly on demand.
 *
 * It answers only its own gateway: a query without the gateway's secret header is refused with 401 before anything
 * else is looked at (docs/FEDERATION.md §3).
 */
import { timingSafeEqual } from "node:crypto";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import { BACKEND_TOKEN_HEADER } from "../core/backend";
import { z } from "zod";
import type { DataRecord, Dataset } from "./datasets";
import { normaliseIdNumber } from "./synthetic-people";

const BACKEND_MODES = ["normal", "hang", "error500", "garbage", "slow"] as const;
type BackendMode = (typeof BACKEND_MODES)[number];

export interface BackendBehaviour {
  mode: BackendMode;
  /** How long `slow` waits before answering normally. */
  delayMs: number;
}

export interface BackendOptions {
  department: string;
  datasets: readonly Dataset[];
  /** The shared secret its gateway sends in `X-Kuajie-Backend-Token`; every query without it is refused (401). */
  token: string;
  behaviour?: Partial<BackendBehaviour>;
  /** Mounts `POST /_control` to switch the behaviour at run time. Only for tests and development. */
  allowControl?: boolean;
}

const DEFAULT_SLOW_DELAY_MS = 1_000;
/** What a list query (a non-personal resource, no subject) answers unless `params.limit` says otherwise. */
export const DEFAULT_LIST_LIMIT = 5;
const MAX_LIST_LIMIT = 50;
/** The extra field every answer carries; a gateway that lets it through has a field-mask bug. */
export const INTERNAL_NOTE_FIELD = "internalNote";
export const GARBAGE_BODY = "<html><body>502 upstream misconfigured {not json";

const querySchema = z.object({
  resourceCode: z.string().min(1).max(128),
  subject: z
    .object({
      idType: z.string().min(1).max(64),
      idNumber: z.string().min(1).max(64),
    })
    .optional(),
  fields: z.array(z.string().min(1).max(128)).max(256),
  params: z
    .object({ limit: z.number().int().min(1).max(MAX_LIST_LIMIT).optional() })
    .catchall(z.unknown())
    .optional(),
});

const controlSchema = z.object({
  mode: z.enum(BACKEND_MODES),
  delayMs: z.number().int().min(0).max(600_000).optional(),
});

type ErrorCode = "bad_request" | "subject_required" | "not_found" | "unknown_resource" | "internal_error";

function errorBody(error: ErrorCode, detail?: string): { error: ErrorCode; detail?: string } {
  return detail === undefined ? { error } : { error, detail };
}

function withInternalNote(record: DataRecord, department: string): Record<string, unknown> {
  return { ...record, [INTERNAL_NOTE_FIELD]: `synthetic record held by ${department}; not for sharing` };
}

export function createBackendApp(options: BackendOptions): Express {
  const { department, allowControl = false } = options;
  const datasetsByCode = new Map(options.datasets.map((dataset) => [dataset.resource.code, dataset]));
  const behaviour: BackendBehaviour = {
    mode: options.behaviour?.mode ?? "normal",
    delayMs: options.behaviour?.delayMs ?? DEFAULT_SLOW_DELAY_MS,
  };

  const app = express();
  app.disable("x-powered-by");
  const expected = Buffer.from(options.token, "utf8");
  if (expected.length === 0) throw new Error("a backend needs the token its gateway sends");

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok", department, resources: [...datasetsByCode.keys()], mode: behaviour.mode });
  });

  const misbehave: RequestHandler = (req, res, next) => {
    switch (behaviour.mode) {
      case "normal":
        return next();
      case "hang":
        // Never answer; the connection stays open until the client gives up or the server closes.
        return;
      case "error500":
        res.status(500).json(errorBody("internal_error", "simulated failure"));
        return;
      case "garbage":
        // Claims JSON and is not: the worst kind of answer for a client that trusts the header.
        res.status(200).type("application/json").send(GARBAGE_BODY);
        return;
      case "slow": {
        const timer = setTimeout(next, behaviour.delayMs);
        req.once("close", () => {
          if (!res.writableEnded) clearTimeout(timer);
        });
        return;
      }
    }
  };

  const onlyItsGateway: RequestHandler = (req, res, next) => {
    const given = Buffer.from(req.get(BACKEND_TOKEN_HEADER) ?? "", "utf8");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res
      .status(401)
      .type("application/problem+json")
      .json({
        type: "https://kuajie.dev/problems/backend_unauthenticated",
        title: "Unauthenticated",
        status: 401,
        detail: `this backend answers only its own gateway: send its secret in ${BACKEND_TOKEN_HEADER}`,
      });
  };

  app.post("/query", onlyItsGateway, misbehave, express.json({ limit: "64kb" }), (req, res) => {
    const parsed = querySchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json(errorBody("bad_request", z.prettifyError(parsed.error)));
      return;
    }
    const { resourceCode, subject, params } = parsed.data;
    const dataset = datasetsByCode.get(resourceCode);
    if (dataset === undefined) {
      res.status(404).json(errorBody("unknown_resource", `no resource ${resourceCode} at ${department}`));
      return;
    }
    if (!dataset.resource.personal) {
      const limit = params?.limit ?? DEFAULT_LIST_LIMIT;
      res.json({ data: dataset.records.slice(0, limit).map((record) => withInternalNote(record, department)) });
      return;
    }
    if (subject === undefined) {
      res.status(400).json(errorBody("subject_required", `${resourceCode} is about people: name the subject`));
      return;
    }
    const idNumber = normaliseIdNumber(subject.idNumber);
    const record = dataset.records.find((candidate) => candidate.idNumber === idNumber);
    if (record === undefined) {
      res.status(404).json(errorBody("not_found"));
      return;
    }
    res.json({ data: withInternalNote(record, department) });
  });

  if (allowControl) {
    app.get("/_control", (_req, res) => {
      res.json(behaviour);
    });
    app.post("/_control", express.json({ limit: "4kb" }), (req, res) => {
      const parsed = controlSchema.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json(errorBody("bad_request", z.prettifyError(parsed.error)));
        return;
      }
      behaviour.mode = parsed.data.mode;
      behaviour.delayMs = parsed.data.delayMs ?? DEFAULT_SLOW_DELAY_MS;
      res.json(behaviour);
    });
  }

  app.use((_req, res) => {
    res.status(404).json(errorBody("not_found", "no such route"));
  });

  const answerErrors: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    // body-parser's errors carry a 4xx `status` (malformed JSON, body too large, wrong charset). Their
    // messages quote the body, which may hold an identity number: answer with a fixed text instead.
    const status =
      typeof error === "object" && error !== null && "status" in error && typeof error.status === "number"
        ? error.status
        : 500;
    if (status >= 400 && status < 500) {
      res.status(status).json(errorBody("bad_request", status === 413 ? "body too large" : "body is not valid JSON"));
      return;
    }
    res.status(500).json(errorBody("internal_error"));
  };
  app.use(answerErrors);

  return app;
}
