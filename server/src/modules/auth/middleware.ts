import type { Request, RequestHandler } from "express";
import { parseCookie } from "cookie";
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from "../../common/errors";
import type { AuthLevel, Role } from "../../common/request-context";
import type { RateLimiter } from "../../common/rate-limit";
import { clientKey } from "./client-key";
import type { TokenService } from "./service";
import type { SessionService } from "./sessions";
import { CsrfTokenError, SessionEndedError } from "./errors";

/** The console's session cookie (HttpOnly) and the header a session's state changes carry its CSRF token in. */
export const SESSION_COOKIE = "kj_session";
const CSRF_HEADER = "x-csrf-token";

export type { AuthLevel };

/** council is operator plus council actions, so operator routes admit council tokens too. */
const ROLES_FOR_LEVEL: Record<Exclude<AuthLevel, "none">, readonly Role[]> = {
  any: ["operator", "council", "auditor"],
  operator: ["operator", "council"],
  council: ["council"],
  auditor: ["auditor"],
};

const BEARER = /^Bearer ([^\s]+)$/i;
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Establishes `req.auth` from `Authorization: Bearer kj_…`, or else from the console's session cookie, or answers 401.
 * A request authenticated by the cookie that changes state must carry the session's CSRF token in `X-CSRF-Token`
 * (403 `csrf_failed` otherwise): the browser sends the cookie with a cross-site request, never that token. Failed
 * attempts count against the client (`clientKey`: its address as `trust proxy` lets express see it); past the limit
 * every attempt from it is 429 until the window passes, valid token or not.
 */
export function authenticate(tokens: TokenService, failures: RateLimiter, sessions?: SessionService): RequestHandler {
  return (req, _res, next) => {
    const address = clientKey(req.ip ?? req.socket.remoteAddress);
    const wait = failures.blockedFor(address);
    if (wait !== null) {
      throw new TooManyRequestsError(
        "too many failed authentication attempts from this address",
        {},
        { retryAfterSeconds: wait },
      );
    }
    const header = req.get("authorization");
    const sessionId = header === undefined && sessions ? sessionCookie(req) : undefined;
    if (sessionId !== undefined && sessions) {
      const session = sessions.verify(sessionId);
      if (session === null) {
        failures.record(address);
        throw new SessionEndedError();
      }
      if (!READ_METHODS.has(req.method) && !sessions.csrfMatches(session, req.get(CSRF_HEADER))) {
        throw new CsrfTokenError();
      }
      req.auth = session.auth;
      return next();
    }
    if (header === undefined) {
      failures.record(address);
      throw new UnauthorizedError("missing bearer token");
    }
    const match = BEARER.exec(header.trim());
    const auth = match ? tokens.verify(match[1]) : null;
    if (auth === null) {
      failures.record(address);
      throw new UnauthorizedError("unknown, revoked or malformed bearer token");
    }
    req.auth = auth;
    next();
  };
}

/** The session cookie's value, if the request carries one. */
export function sessionCookie(req: Request): string | undefined {
  const header = req.get("cookie");
  return header === undefined ? undefined : parseCookie(header)[SESSION_COOKIE];
}

/** 403 unless the authenticated caller has one of the roles. */
function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) throw new UnauthorizedError("missing bearer token");
    if (!roles.includes(req.auth.role)) {
      throw new ForbiddenError(`this action needs the role ${roles.join(" or ")}`, {
        role: req.auth.role,
        needed: roles,
      });
    }
    next();
  };
}

/**
 * The guard the route registry puts on each route: role by level, and auditors confined to reads unless the
 * route declares that it changes nothing (`readOnly`, e.g. computing a subject reference).
 */
export function authorize(level: Exclude<AuthLevel, "none">, options: { readOnly?: boolean } = {}): RequestHandler {
  const roleGuard = requireRole(...ROLES_FOR_LEVEL[level]);
  return (req, res, next) => {
    roleGuard(req, res, () => {
      if (req.auth?.role === "auditor" && !READ_METHODS.has(req.method) && !options.readOnly) {
        throw new ForbiddenError("auditor tokens are read-only", { role: "auditor" });
      }
      next();
    });
  };
}
