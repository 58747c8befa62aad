/**
 * The benchmark baseline, "call the provider directly": forwards a fetch to a backend's `/query` with no
 * authentication, no chain checks, no field stripping and no receipt. Whatever the gateway costs on top
 * of this is the price of its rules and evidence.
 */
import express, { type Express } from "express";

export function createBareProxy(backendUrl: string): Express {
  const queryUrl = new URL("query", backendUrl.endsWith("/") ? backendUrl : `${backendUrl}/`).toString();
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");

  app.post("/fetch", express.json({ limit: "64kb" }), async (req, res) => {
    const { resourceCode, subject, fields, params } = (req.body ?? {}) as Record<string, unknown>;
    try {
      const upstream = await fetch(queryUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
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
