import express from "express";
import type { Express } from "express";
import type { Logger } from "pino";
import { docsRouter } from "./common/docs-page";
import { idempotency } from "./common/idempotency";
import { createMetrics, httpMetrics, metricsEndpoint, type Metrics } from "./common/metrics";
import { buildOpenApiDocument, type OpenApiDocument } from "./common/openapi";
import { notFoundHandler, problemHandler } from "./common/problem";
import { requestId, requestLogger } from "./common/request-id";
import { securityHeaders } from "./common/security-headers";
import { bodyDepthGuard, createRouteRegistry } from "./common/route-registry";
import { authenticate, authorize } from "./modules/auth/middleware";
import { RateLimiter, type RateLimiterOptions } from "./common/rate-limit";
import type { TrustProxy } from "./common/config";
import { TokenService } from "./modules/auth/service";
import { SessionService } from "./modules/auth/sessions";
import { SessionStore } from "./store/sessions";
import type { RouteModule } from "./modules/feature";
import type { Db } from "./common/db";
import { IdempotencyStore } from "./store/idempotency";
import { TokenStore } from "./store/tokens";

export interface AppDeps {
  /** The gateway database: tokens and idempotency keys live here (other components add their own tables). */
  db: Db;
  logger: Logger;
  /** The consortium secret: keys the idempotency request hashes. */
  consortiumSecret: Uint8Array;
  /** express.json limit, e.g. "100kb". */
  bodyLimit: string;
  /** Shared with the chain adapter, which sets the outbox, anchoring and indexer gauges; created when omitted. */
  metrics?: Metrics;
  /** The features' routes (modules/index.ts lists them), declared in this order. */
  modules?: RouteModule[];
  /** Failed-authentication limit per client (default 20 per minute). */
  authFailures?: RateLimiterOptions;
  /**
   * Express's "trust proxy" (KUAJIE_TRUST_PROXY): which proxies' X-Forwarded-For gives the client address that the
   * failed-authentication limit counts by; false (the default) when the gateway listens directly.
   */
  trustProxy?: TrustProxy;
  /** Clock in milliseconds, for idempotency key expiry and the console's session expiry. */
  now?: () => number;
  version?: string;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  const metrics = deps.metrics ?? createMetrics();
  app.set("trust proxy", deps.trustProxy ?? false);
  app.disable("x-powered-by");
  // No ETag on the API's answers: no client of the API revalidates (its answers change with every block), and express
  // hashed every answer's body (SHA-1) for it, POSTs included. Static files (the console, /docs' assets) keep
  // Last-Modified and, where served by express.static, its ETag.
  app.disable("etag");

  app.use(requestId(deps.logger));
  app.use(httpMetrics(metrics));
  app.use(requestLogger(deps.logger));
  // The gateway speaks plain HTTP on loopback (TLS, where any, ends in front of it): no HSTS, no upgrade of
  // the /docs page's links to https.
  app.use(
    securityHeaders({
      strictTransportSecurity: false,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  app.use(express.json({ limit: deps.bodyLimit, type: ["application/json", "application/*+json"] }));
  app.use(bodyDepthGuard());

  const tokens = new TokenService(new TokenStore(deps.db));
  const sessions = new SessionService(new SessionStore(deps.db), tokens, deps.now);
  const registry = createRouteRegistry({
    authenticate: authenticate(tokens, new RateLimiter({ ...deps.authFailures }), sessions),
    authorize,
    idempotency: idempotency(new IdempotencyStore(deps.db), { hashKey: deps.consortiumSecret, now: deps.now }),
  });
  for (const register of deps.modules ?? []) register(registry);
  app.use(registry.router);

  // Built on first request, after every module has registered its routes.
  let document: OpenApiDocument | undefined;
  const openApi = (): OpenApiDocument =>
    (document ??= buildOpenApiDocument(registry.routes(), {
      title: "Kuajie gateway",
      version: deps.version ?? "1",
      description:
        "The department API of Kuajie: rule-bound data sharing between government departments, with the rules " +
        "and the evidence on a permissioned blockchain. Errors are application/problem+json.",
    }));
  app.get("/openapi.json", (_req, res) => {
    res.locals.routeTemplate = "/openapi.json";
    res.json(openApi());
  });
  app.use(docsRouter({ title: "Kuajie gateway" }));
  app.get("/metrics", metricsEndpoint(metrics));

  app.use(notFoundHandler());
  app.use(problemHandler());
  return app;
}
