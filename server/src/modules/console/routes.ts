import type { Request, Response } from "express";
import { UnauthorizedError, ValidationError } from "../../common/errors";
import type { AuthContext } from "../../common/request-context";
import { reply, type RouteRegistry } from "../../common/route-registry";
import type { DepartmentDirectory } from "../auth/department-directory";
import { SESSION_COOKIE, sessionCookie } from "../auth/middleware";
import type { SessionService } from "../auth/sessions";
import { consoleSessionSchema } from "./schemas";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/** The cookie is Secure wherever the console is reached by a name other than loopback (there TLS is in front). */
function cookieOptions(req: Request, expiresAt?: number) {
  return {
    httpOnly: true,
    sameSite: "strict" as const,
    secure: !LOOPBACK_HOSTS.has(req.hostname),
    path: "/",
    ...(expiresAt === undefined ? {} : { expires: new Date(expiresAt) }),
  };
}

async function describe(departments: DepartmentDirectory, auth: AuthContext) {
  const { departmentKey, role } = auth;
  if (departmentKey === null) return { department: null, role };
  const department = (await departments.byKey(departmentKey)) ?? { key: departmentKey, id: null, name: null };
  return { department, role };
}

/** `/console/session`: a bearer token exchanged for a session cookie, the session read back, and signing out. */
export function registerConsoleRoutes(
  registry: RouteRegistry,
  sessions: SessionService,
  departments: DepartmentDirectory,
): void {
  registry.route(
    {
      method: "post",
      path: "/console/session",
      summary: "Sign in to the console",
      description:
        "Exchanges the bearer token of the Authorization header for a session cookie (HttpOnly, SameSite=Strict, " +
        "Secure unless on loopback, expiring after eight hours) and the session's CSRF token.",
      tag: "console",
      auth: "any",
      readOnly: true,
      responses: {
        201: { description: "Signed in: the cookie is set", schema: consoleSessionSchema },
        401: { description: "unknown, revoked or malformed token" },
      },
    },
    async ({ auth, req, res }) => {
      if (req.get("authorization") === undefined) {
        throw new ValidationError("sign in with a bearer token", [
          { field: "headers.authorization", message: "expected Bearer and an API token" },
        ]);
      }
      const opened = sessions.open(auth);
      res.cookie(SESSION_COOKIE, opened.sessionId, cookieOptions(req, opened.expiresAt));
      return reply(201, {
        ...(await describe(departments, auth)),
        csrfToken: opened.csrfToken,
        expiresAt: new Date(opened.expiresAt).toISOString(),
      });
    },
  );

  registry.route(
    {
      method: "get",
      path: "/console/session",
      summary: "The console session of the cookie",
      tag: "console",
      auth: "any",
      responses: {
        200: { description: "Who the session acts for, and its CSRF token", schema: consoleSessionSchema },
        401: { description: "no session, or it expired or was signed out" },
      },
    },
    async ({ req }) => {
      const session = sessionOf(req, sessions);
      return {
        ...(await describe(departments, session.auth)),
        csrfToken: session.csrfToken,
        expiresAt: new Date(session.expiresAt).toISOString(),
      };
    },
  );

  registry.route(
    {
      method: "delete",
      path: "/console/session",
      summary: "Sign out of the console",
      tag: "console",
      auth: "any",
      readOnly: true,
      responses: { 204: { description: "Signed out: the session is gone and the cookie cleared" } },
    },
    ({ req, res }: { req: Request; res: Response }) => {
      const sessionId = sessionCookie(req);
      if (sessionId !== undefined) sessions.close(sessionId);
      res.clearCookie(SESSION_COOKIE, cookieOptions(req));
      return reply(204, undefined);
    },
  );
}

function sessionOf(req: Request, sessions: SessionService) {
  const sessionId = sessionCookie(req);
  const session = sessionId === undefined ? null : sessions.verify(sessionId);
  if (session === null) throw new UnauthorizedError("this request carries no console session");
  return session;
}
