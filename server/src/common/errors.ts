/**
 * One class per kind of failure; the error middleware (problem.ts) turns each into application/problem+json with
 * `type: https://kuajie.dev/problems/<code>`. `code` is stable: clients and tests switch on it, never on `detail`.
 * Feature modules subclass these for their own domain failures and override `code` (and add `extra` fields such as
 * `reason` and `receiptId`). Never put a token, key or identity number in `detail` or `extra`.
 */
// A field missing from a request is "required" in every 400 (zod's own words for it read as a wrong value).
import "./zod-messages";

export type ProblemExtra = Record<string, unknown>;

export interface HttpErrorOptions {
  /** Seconds the client should wait (sent as Retry-After on 429 and 503). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export abstract class HttpError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  abstract readonly title: string;
  readonly detail: string;
  readonly extra: ProblemExtra;
  readonly retryAfterSeconds: number | undefined;

  constructor(detail: string, extra: ProblemExtra = {}, options: HttpErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.detail = detail;
    this.extra = extra;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export interface FieldError {
  /** Where the bad value is: `body.fields[0].name`, `query.since`, `params.id`, `headers.idempotency-key`. */
  field: string;
  message: string;
}

export class ValidationError extends HttpError {
  override readonly status = 400;
  override readonly code: string = "validation_failed";
  override readonly title = "Invalid request";
  readonly errors: FieldError[];

  constructor(detail: string, errors: FieldError[] = [], extra: ProblemExtra = {}) {
    super(detail, extra);
    this.errors = errors;
  }
}

export class UnauthorizedError extends HttpError {
  override readonly status = 401;
  override readonly code: string = "unauthorized";
  override readonly title = "Authentication required";
}

export class ForbiddenError extends HttpError {
  override readonly status = 403;
  override readonly code: string = "forbidden";
  override readonly title = "Forbidden";
}

export class NotFoundError extends HttpError {
  override readonly status = 404;
  override readonly code: string = "not_found";
  override readonly title = "Not found";
}

export class ConflictError extends HttpError {
  override readonly status = 409;
  override readonly code: string = "conflict";
  override readonly title = "Conflict";
}

export class PayloadTooLargeError extends HttpError {
  override readonly status = 413;
  override readonly code: string = "payload_too_large";
  override readonly title = "Request body too large";
}

export class UnsupportedMediaTypeError extends HttpError {
  override readonly status = 415;
  override readonly code: string = "unsupported_media_type";
  override readonly title = "Unsupported media type";
}

export class UnprocessableError extends HttpError {
  override readonly status = 422;
  override readonly code: string = "unprocessable";
  override readonly title = "Refused by the rules";
}

export class TooManyRequestsError extends HttpError {
  override readonly status = 429;
  override readonly code: string = "too_many_requests";
  override readonly title = "Too many requests";
}

export class ServiceUnavailableError extends HttpError {
  override readonly status = 503;
  override readonly code: string = "service_unavailable";
  override readonly title = "Service unavailable";
}

/**
 * A transaction or call reverted with a custom error that the ABI decoded, e.g.
 * `{errorName: "CatalogResourceNotShareable", args: {resourceId: "0x…"}}`. 422 by default (the rules refused);
 * the chain adapter may pass another status when the revert means "unknown id" (404) or "wrong state" (409).
 */
export class ContractRevertError extends HttpError {
  override readonly status: number;
  override readonly code: string = "contract_revert";
  override readonly title = "The contract refused the transaction";
  readonly errorName: string;
  readonly args: Record<string, unknown> | unknown[];

  constructor(
    errorName: string,
    args: Record<string, unknown> | unknown[],
    options: { status?: number; detail?: string; cause?: unknown } = {},
  ) {
    super(options.detail ?? `reverted with ${errorName}`, { errorName, args }, { cause: options.cause });
    this.status = options.status ?? 422;
    this.errorName = errorName;
    this.args = args;
  }
}

export function problemType(code: string): string {
  return `https://kuajie.dev/problems/${code}`;
}

/** `["fields", 0, "name"]` under `body` → `body.fields[0].name`. */
export function fieldPath(location: string, path: ReadonlyArray<PropertyKey>): string {
  let out = location;
  for (const segment of path) {
    if (typeof segment === "number") {
      out += `[${segment}]`;
    } else {
      const name = String(segment);
      out += /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(name) ? (out === "" ? name : `.${name}`) : `[${JSON.stringify(name)}]`;
    }
  }
  return out;
}

interface IssueLike {
  path: ReadonlyArray<PropertyKey>;
  message: string;
}

/** A 400 listing every bad field; its detail names the first. */
export function validationError(errors: FieldError[]): ValidationError {
  const first = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return new ValidationError(first ? `${first.field}: ${first.message}${more}` : "invalid request", errors);
}

/** A zod failure at one location of the request (`body`, `query`, `params`, `headers`) as a 400. */
export function validationErrorFromIssues(location: string, issues: ReadonlyArray<IssueLike>): ValidationError {
  return validationError(issues.map((issue) => ({ field: fieldPath(location, issue.path), message: issue.message })));
}
