/**
 * The benchmark baseline, "the same hops with nothing on them": forwards a fetch to a backend's `/query` (or, as the
 * consumer-side hop of two chained proxies, to the next proxy's `/fetch`) with no authentication of its caller, no
 * chain checks, no field stripping, no signature and no receipt. Whatever the gateways cost on top of this is the
 * price of their rules and evidence. `backendToken` is the backend's shared secret, which the provider-side hop
 * presents as the provider's gateway does.
 */
import express, { type Express } from "express";
import { BACKEND_TOKEN_HEADER } from "../../core/backend";

export function createBareProxy(
  targetUrl: string,
  options: { path?: "query" | "fetch"; backendToken?: string } = {},
): Express {
  const queryUrl = new URL(options.path ?? "query", targetUrl.endsWith("/") ? targetUrl : `${targetUrl}/`).toString();
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.backendToken) headers[BACKEND_TOKEN_HEADER] = options.backendToken;
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");

  app.post("/fetch", express.json({ limit: "64kb" }), async (req, res) => {
    const { resourceCode, subject, fields, params } = (req.body ?? {}) as Record<string, unknown>;
    try {
      const upstream = await fetch(queryUrl, {
        method: "POST",
        headers,
        body: JSON.stringify({ resourceCode, subject, fields, params }),
      });
      res
        .status(upstream.status)
        .type(upstream.headers.get("content-type") ?? "application/octet-stream")
        .send(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      res.status(502).json({ error: "backend_unreachable" });
    }
  });

  return app;
}
