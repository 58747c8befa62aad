import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import helmet, { type HelmetOptions } from "helmet";

type HeaderStep = { set: string; value: string } | { remove: string };

/** What helmet's middleware does to one answer's headers, in order, given a request it may look at. */
function recordHelmet(middleware: ReturnType<typeof helmet>, probe: string): HeaderStep[] {
  const steps: HeaderStep[] = [];
  const res = {
    setHeader: (name: string, value: unknown) => steps.push({ set: name, value: String(value) }),
    removeHeader: (name: string) => steps.push({ remove: name }),
  };
  let done = false;
  middleware(
    { url: probe, headers: {}, method: "GET" } as IncomingMessage,
    res as unknown as ServerResponse,
    (error) => {
      if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
      done = true;
    },
  );
  if (!done) throw new Error("helmet did not finish synchronously: its headers cannot be computed once");
  return steps;
}

/**
 * helmet's security headers, as helmet computes them for these options, set on every answer by one middleware from
 * a list computed once at start-up: helmet runs eleven middlewares a request to set the same eleven constant headers.
 * The headers are helmet's own (its defaults follow its releases); a policy that varies by request (a CSP nonce)
 * cannot be computed once, and is refused here by recording helmet on two different requests and comparing.
 */
export function securityHeaders(options: HelmetOptions): RequestHandler {
  const middleware = helmet(options);
  const steps = recordHelmet(middleware, "/");
  if (JSON.stringify(recordHelmet(middleware, "/other?x=1")) !== JSON.stringify(steps)) {
    throw new Error("helmet's headers vary by request with these options: use helmet itself");
  }
  return (_req, res, next) => {
    for (const step of steps) {
      if ("set" in step) res.setHeader(step.set, step.value);
      else res.removeHeader(step.remove);
    }
    next();
  };
}
