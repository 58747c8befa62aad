/**
 * The benchmark baseline, "the same hops with nothing on them": forwards a fetch to a backend's `/query` (or, as the
 * consumer-side hop of two chained proxies, to the next proxy's `/fetch`) with no authentication of its caller, no
 * chain checks, no field stripping, no signature and no receipt. Whatever the gateways cost on top of this is the
 * price of their rules and evidence. `backendToken` is the backend's shared secret, which the provider-side hop
 * presents as the provider's gateway does. Each hop forwards with the gateways' own HTTP client (keep-alive `http`,
 * server/src/common/http-client.ts), so that the comparison prices the rules, not a slower client on one side.
 */
import express, { type Express } from "express";
import { BACKEND_TOKEN_HEADER } from "../../core/backend";
import { postJson } from "../../server/src/common/http-client";

/** What a hop reads of an answer: the gateways' caps (8 MB). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export function createBareProxy(
  targetUrl: string,
  options: { path?: "query" | "fetch"; backendToken?: string } = {},
): Express {
  const queryUrl = new URL(options.path ?? "query", targetUrl.endsWith("/") ? targetUrl : `${targetUrl}/`).toString();
  const headers: Record<string, string> = {};
  if (options.backendToken) headers[BACKEND_TOKEN_HEADER] = options.backendToken;
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");

  app.post("/fetch", express.json({ limit: "64kb" }), async (req, res) => {
    const { resourceCode, subject, fields, params } = (req.body ?? {}) as Record<string, unknown>;
    const outcome = await postJson(queryUrl, JSON.stringify({ resourceCode, subject, fields, params }), {
      headers,
      timeoutMs: TIMEOUT_MS,
      maxBytes: MAX_ANSWER_BYTES,
    });
    if (outcome.kind !== "answered" || outcome.text === null) {
      res.status(502).json({ error: "backend_unreachable" });
      return;
    }
    res.status(outcome.status).type("application/json").send(outcome.text);
  });

  return app;
}
