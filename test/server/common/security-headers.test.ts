import type { IncomingMessage } from "node:http";
import { expect } from "chai";
import express, { type RequestHandler } from "express";
import helmet from "helmet";
import request from "supertest";
import { securityHeaders } from "../../../server/src/common/security-headers";
import { consoleStaticRouter, findConsoleDir } from "../../../server/src/modules/console/static";
import { buildGateway } from "../support/gateway";

/**
 * Every header the gateway sends with an API answer, a refusal, the docs and a console page, pinned by name and value
 * (only those that vary from answer to answer are left out), so that how the security headers are set may change and
 * what is sent may not.
 */
const VARYING = new Set(["date", "content-length", "x-request-id", "connection", "keep-alive", "last-modified"]);

/** helmet's headers as the gateway configures them: no HSTS, no upgrade-insecure-requests (plain HTTP on loopback). */
const API_CSP =
  "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';" +
  "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline'";
const SECURITY = {
  "content-security-policy": API_CSP,
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "SAMEORIGIN",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
};

function stableHeaders(headers: Record<string, string | string[] | undefined>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => !VARYING.has(name))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

describe("security headers", function () {
  const dir = findConsoleDir();
  const gateway = buildGateway({ modules: [(registry) => registry.router.use(consoleStaticRouter(dir!))] });

  it("sends exactly these headers with an API answer and a problem", async function () {
    const me = await request(gateway.app).get("/v1/me").set("authorization", gateway.bearer("operator", "health"));
    expect(me.status).to.equal(200);
    expect(stableHeaders(me.headers)).to.deep.equal({
      ...SECURITY,
      "content-type": "application/json; charset=utf-8",
    });
    const missing = await request(gateway.app).get("/no/such/route");
    expect(missing.status).to.equal(404);
    expect(stableHeaders(missing.headers)).to.deep.equal({
      ...SECURITY,
      "content-type": "application/problem+json; charset=utf-8",
    });
    const refused = await request(gateway.app).get("/v1/me");
    expect(refused.status).to.equal(401);
    expect(stableHeaders(refused.headers)).to.deep.equal({
      ...SECURITY,
      "content-type": "application/problem+json; charset=utf-8",
      "www-authenticate": refused.headers["www-authenticate"],
    });
  });

  it("sends exactly these headers with the docs page and a console page", async function () {
    const docs = await request(gateway.app).get("/docs");
    expect(docs.status).to.equal(200);
    expect(stableHeaders(docs.headers)).to.deep.equal({ ...SECURITY, "content-type": "text/html; charset=utf-8" });
    expect(dir).to.be.a("string");
    const page = await request(gateway.app).get("/console/");
    expect(page.status).to.equal(200);
    expect(stableHeaders(page.headers)).to.deep.equal({
      ...SECURITY,
      // The console's own policy replaces the API's (server/src/modules/console/static.ts).
      "content-security-policy":
        "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';" +
        "font-src 'self';object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'",
      // index.html names the console's bundle: revalidated at every load against a validator of its own, where the
      // API's answers carry none (app.ts; server/src/modules/console/static.ts).
      etag: page.headers.etag,
      "cache-control": "no-cache",
      "content-type": "text/html; charset=utf-8",
    });
  });
});

describe("securityHeaders", function () {
  it("refuses options under which helmet's headers vary by request (they could not be computed once)", function () {
    const nonce = (req: IncomingMessage) => `'nonce-${Buffer.from(req.url ?? "").toString("base64")}'`;
    expect(() => securityHeaders({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", nonce] } } })).to.throw(
      /vary by request/,
    );
  });

  it("sets what helmet sets, in helmet's order, with the same options", async function () {
    const options = { strictTransportSecurity: false as const, xFrameOptions: { action: "deny" as const } };
    const serve = (middleware: RequestHandler) => express().use(middleware, (_req, res) => void res.json({}));
    const ours = await request(serve(securityHeaders(options))).get("/");
    const helmets = await request(serve(helmet(options))).get("/");
    expect(ours.headers["x-frame-options"]).to.equal("DENY");
    // Node's parsed headers keep the order they arrived in.
    expect(Object.keys(ours.headers)).to.deep.equal(Object.keys(helmets.headers));
    expect(stableHeaders(ours.headers)).to.deep.equal(stableHeaders(helmets.headers));
  });
});
