import type { ErrorRequestHandler, Request, RequestHandler, Response } from "express";
import { ZodError } from "zod";
import {
  ChainError,
  ChainResetError,
  ChainUnavailableError,
  SenderStoppedError,
  TransactionFailedError,
  TransactionRevertedError,
  UnknownSignerError,
  WritePendingError,
} from "../chain/errors";
import {
  ContractRevertError,
  HttpError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
  problemType,
  validationErrorFromIssues,
} from "./errors";
import "./request-context";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  [extra: string]: unknown;
}

/** bigint → decimal string, recursively: decoded revert arguments are often uint256. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = jsonSafe(inner);
    return out;
  }
  return value;
}

const CORE_KEYS = new Set(["type", "title", "status", "detail", "requestId", "instance"]);

function problemBody(error: HttpError, requestId?: string): ProblemBody {
  const body: ProblemBody = {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.detail,
  };
  if (requestId !== undefined) body.requestId = requestId;
  if (error instanceof ValidationError) {
    // `field` is the house name (GATEWAY.md); `path` is the name the API issue uses. Same value in both.
    body.errors = error.errors.map((e) => ({ field: e.field, path: e.field, message: e.message }));
  }
  for (const [key, value] of Object.entries(error.extra)) {
    if (!CORE_KEYS.has(key)) body[key] = jsonSafe(value);
  }
  return body;
}

function sendProblem(res: Response, error: HttpError, requestId?: string): void {
  if (error.retryAfterSeconds !== undefined) {
    res.setHeader("Retry-After", String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  }
  if (error.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="kuajie"');
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(error, requestId)));
}

class InternalError extends HttpError {
  override readonly status = 500;
  override readonly code = "internal_error";
  override readonly title = "Internal error";
}

interface ClientInputError {
  /** body-parser's kind (`entity.parse.failed`, …); absent on raw-body's zlib errors and the router's URIError. */
  type?: string;
  status: number;
}

/**
 * An error that express's body parser or router raised about the request itself: http-errors with a 4xx status
 * (body-parser, raw-body; a corrupt gzip/deflate body has no `type`) or the router's URIError for a path parameter
 * that is not valid percent-encoding (status 400).
 */
function isClientInputError(err: unknown): err is ClientInputError {
  if (!(err instanceof Error)) return false;
  const { status, type } = err as Partial<ClientInputError>;
  return (
    typeof status === "number" && status >= 400 && status < 500 && (type === undefined || typeof type === "string")
  );
}

/**
 * A write was persisted in the outbox but not mined within the wait: 202 with the outbox id, which
 * `GET /v1/outbox/:id` follows.
 */
class WriteAcceptedProblem extends HttpError {
  override readonly status = 202;
  override readonly code = "write_pending";
  override readonly title = "Accepted; the transaction is waiting to be mined";
}

/** What a failed chain write means to a client; other chain errors are the gateway's own failure (500). */
function chainProblem(err: ChainError): HttpError | null {
  if (err instanceof TransactionRevertedError) {
    return new ContractRevertError(err.errorName, err.args, { detail: err.message, cause: err });
  }
  if (err instanceof WritePendingError) {
    return new WriteAcceptedProblem(err.message, { outboxId: err.outboxId, location: `/v1/outbox/${err.outboxId}` });
  }
  if (err instanceof UnknownSignerError) {
    return new ServiceUnavailableError(`this gateway holds no signing key for department '${err.key}'`);
  }
  if (err instanceof TransactionFailedError)
    return new ServiceUnavailableError(err.message, { outboxId: err.outboxId });
  if (err instanceof ChainResetError) {
    return new ServiceUnavailableError(
      "the chain was reset (a different genesis): the gateway refuses to mix it with the old state",
      { reason: "chain_reset" },
      { cause: err },
    );
  }
  if (err instanceof ChainUnavailableError || err instanceof SenderStoppedError) {
    return new ServiceUnavailableError(
      "the chain is unavailable; try again shortly",
      { reason: "chain_unavailable" },
      { retryAfterSeconds: 2, cause: err },
    );
  }
  return null;
}

/** Maps anything thrown to an HttpError; unknown errors become a 500 that says nothing about their insides. */
function toHttpError(err: unknown, req: Request): HttpError {
  if (err instanceof HttpError) return err;
  const fromChain = err instanceof ChainError ? chainProblem(err) : null;
  if (fromChain) return fromChain;
  if (err instanceof ZodError) return validationErrorFromIssues("", err.issues);
  if (isClientInputError(err)) {
    switch (err.type) {
      case "entity.parse.failed":
        return new ValidationError("the request body is not valid JSON", [
          { field: "body", message: "malformed JSON" },
        ]);
      case "entity.too.large":
        return new PayloadTooLargeError("the request body is larger than the gateway accepts");
      case "encoding.unsupported":
      case "charset.unsupported":
        return new UnsupportedMediaTypeError("the request body's encoding or charset is not supported");
    }
    if (err instanceof URIError) {
      return new ValidationError("the request path is not valid percent-encoding", [
        { field: "params", message: "malformed percent-encoding" },
      ]);
    }
    if (err.status === 413) return new PayloadTooLargeError("the request body is larger than the gateway accepts");
    if (err.status === 415) return new UnsupportedMediaTypeError("the request body's media type is not supported");
    return new ValidationError("the request body could not be read", [
      { field: "body", message: err.type ?? "unreadable (corrupt content encoding?)" },
    ]);
  }
  return new InternalError(`internal error; quote request id ${req.id ?? "(none)"} when reporting it`);
}

/** The one error middleware: every failure leaves as application/problem+json. */
export function problemHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const error = toHttpError(err, req);
    const log = req.log;
    if (error.status >= 500) {
      // Only the serialised error (type, message, code, stack) reaches the log; see logger.ts.
      log?.error({ err }, "request failed with an internal error");
    } else if (log?.isLevelEnabled("debug")) {
      log.debug({ code: error.code, status: error.status }, "request refused");
    }
    sendProblem(res, error, req.id);
  };
}

export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    // The path is not repeated: a client may have put personal data in it.
    next(new NotFoundError(`no route for ${req.method} at this path; see /openapi.json`));
  };
}
