import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import "./request-context";

const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Honours a caller's x-request-id when it is short and plain (so that it cannot inject anything into logs),
 * otherwise generates one; echoes it back and gives the request a child logger that prints it on every line.
 */
export function requestId(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const offered = req.get("x-request-id");
    const id = offered !== undefined && WELL_FORMED_ID.test(offered) ? offered : randomUUID();
    req.id = id;
    req.log = logger.child({ requestId: id });
    res.setHeader("x-request-id", id);
    next();
  };
}

/** One line per request when it finishes: method, path (no query string), status and duration. */
export function requestLogger(): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: req.method,
        path: req.originalUrl.split("?")[0],
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
