import type { RequestHandler } from "express";
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from "../../common/errors";
import type { AuthLevel, Role } from "../../common/request-context";
import type { RateLimiter } from "../../common/rate-limit";
import { clientKey } from "./client-key";
import type { TokenService } from "./service";

export type { AuthLevel };

/** council is operator plus council actions, so operator routes admit council tokens too. */
const ROLES_FOR_LEVEL: Record<Exclude<AuthLevel, "none">, readonly Role[]> = {
  any: ["operator", "council", "auditor"],
  operator: ["operator", "council"],
  council: ["council"],
  auditor: ["auditor"],
};

const BEARER = /^Bearer ([^\s]+)$/i;

/**
 * Establishes `req.auth` from `Authorization: Bearer kj_…`, or answers 401. Failed attempts count against the
 * client (`clientKey`: its address as `trust proxy` lets express see it); past the limit every attempt from it is
 * 429 until the window passes, valid token or not.
 */
export function authenticate(tokens: TokenService, failures: RateLimiter): RequestHandler {
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

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

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
