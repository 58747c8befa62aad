import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import "./request-context";

const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Honours a caller's x-request-id when it is short and plain (so that it cannot inject anything into logs),
 * otherwise generates one; echoes it back and gives the request a child logger that prints it on every line. The
 * child is made when a line is first written for the request: most requests write none at the usual levels, and a
 * pino child (its bindings serialised, its redaction set up) costs about a percent of the fetch path's CPU.
 */
export function requestId(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const offered = req.get("x-request-id");
    const id = offered !== undefined && WELL_FORMED_ID.test(offered) ? offered : randomUUID();
    req.id = id;
    let child: Logger | undefined;
    Object.defineProperty(req, "log", {
      configurable: true,
      enumerable: true,
      get: () => (child ??= logger.child({ requestId: id })),
      set: (replacement: Logger) => {
        child = replacement;
      },
    });
    res.setHeader("x-request-id", id);
    next();
  };
}

/**
 * The path as logged. A client may put anything in a path, an identity number included, and the path is checked only
 * by the route's schemas: so the concrete path is logged only for answers below 400 (its parameters passed the
 * schemas: ids of the API's own formats); a refused request logs its route template, and a path that matched no
 * route only its first segment when that is a plain word (`/v1/…`, `/docs`).
 */
function loggablePath(originalUrl: string, routeTemplate: string | undefined, status: number): string {
  const path = originalUrl.split("?")[0];
  if (routeTemplate !== undefined) return status < 400 ? path : routeTemplate;
  const segments = path.split("/").slice(1);
  const first = /^(v[0-9]{1,3}|[A-Za-z_-]{1,32})$/.test(segments[0] ?? "") ? segments[0] : "…";
  return segments.length > 1 ? `/${first}/…` : `/${first}`;
}

/** One line per request when it finishes: method, path (no query string; see loggablePath), status and duration. */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      if (!logger.isLevelEnabled(res.statusCode >= 500 ? "error" : "info")) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: req.method,
        path: loggablePath(req.originalUrl, res.locals.routeTemplate, res.statusCode),
        route: res.locals.routeTemplate,
        status: res.statusCode,
        durationMs: Math.round(ms * 10) / 10,
      };
      if (res.statusCode >= 500) {
        req.log.error(line, "request failed");
      } else {
        req.log.info(line, "request");
      }
    });
    next();
  };
}
