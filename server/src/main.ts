import fs from "node:fs";
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { TLSSocket } from "node:tls";
import { ConfigError, describeConfig, loadConfig, type GatewayConfig } from "./common/config";
import { createLogger } from "./common/logger";
import { createMetrics } from "./common/metrics";
import { readDeployment } from "./chain/deployment";
import { loadServedSigners } from "./chain/keys";
import { createProvider } from "./chain/provider";
import { createGateway } from "./gateway";
import { readServedDepartments } from "./modules/departments/service";
import { openDatabase } from "./common/db";
import { IdempotencyStore } from "./store/idempotency";

/**
 * `npm run gateway`: configuration from the environment (and .kuajie/dev/gateway.json in development), the
 * database in KUAJIE_DATA_DIR, the deployment file and the departments file it names; recovers the outbox and serves
 * at once, the index catching up meanwhile, on KUAJIE_GATEWAY_HOST:KUAJIE_GATEWAY_PORT — over mutual TLS when KUAJIE_TLS_CERT,
 * KUAJIE_TLS_KEY and KUAJIE_TLS_CA are set (docs/FEDERATION.md, "TLS between gateways"); stops cleanly on
 * SIGTERM/SIGINT.
 */

/** The exchange endpoint: only other departments' gateways call it, so only it demands a client certificate. */
const EXCHANGE_PATH = "/exchange/";

/** PEM files of the gateway's TLS server (KUAJIE_TLS_CERT, KUAJIE_TLS_KEY) and of the CA its peers' certificates chain to (KUAJIE_TLS_CA). */
export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

const TLS_VARIABLES = { cert: "KUAJIE_TLS_CERT", key: "KUAJIE_TLS_KEY", ca: "KUAJIE_TLS_CA" } as const;

/** All three TLS variables, or none (plain HTTP, for loopback development only); throws ConfigError on a part. */
export function tlsFilesFromEnv(env: NodeJS.ProcessEnv): TlsFiles | null {
  const values = Object.fromEntries(
    Object.entries(TLS_VARIABLES).map(([field, variable]) => [field, env[variable]?.trim() || undefined]),
  ) as Partial<TlsFiles>;
  const given = Object.values(values).filter((v) => v !== undefined).length;
  if (given === 0) return null;
  const problems = (Object.keys(TLS_VARIABLES) as Array<keyof TlsFiles>)
    .filter((field) => values[field] === undefined)
    .map((field) => ({
      variable: TLS_VARIABLES[field],
      message: "required with the other KUAJIE_TLS_* variables (all three, or none)",
    }));
  for (const field of Object.keys(TLS_VARIABLES) as Array<keyof TlsFiles>) {
    const file = values[field];
    if (file !== undefined && !fs.existsSync(file)) {
      problems.push({ variable: TLS_VARIABLES[field], message: `no such file: ${file}` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as TlsFiles;
}

/**
 * The gateway's server: plain HTTP without TLS files; with them, HTTPS that asks every client for a certificate
 * chaining to KUAJIE_TLS_CA and requires one on the exchange endpoint (mutual TLS between gateways: 403
 * problem+json without it). Clerks and systems of the department itself may connect without a certificate: they
 * authenticate with their bearer token.
 */
export function createGatewayServer(app: RequestListener, tls: TlsFiles | null): Server {
  return keepIdleConnections(createServerFor(app, tls));
}

/**
 * How long an idle keep-alive connection stays open. Node's default (5 s) loses requests under load: a busy client
 * (a clerk's system answered in bursts, the writes benchmark's 512 concurrent consents) keeps more connections than it
 * has requests in flight, and a client that lags reuses an idle one just as the server closes it ("other side
 * closed", ECONNRESET). A minute, as proxies and load balancers keep them, makes that race rare; clients are told the
 * time in the `Keep-Alive` header and close their end a little before.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function keepIdleConnections(server: Server): Server {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Above the keep-alive time, so that a request arriving on a connection just before it would close has its time.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  return server;
}

function createServerFor(app: RequestListener, tls: TlsFiles | null): Server {
  if (tls === null) return createHttpServer(app);
  return createHttpsServer(
    {
      cert: fs.readFileSync(tls.cert),
      key: fs.readFileSync(tls.key),
      ca: fs.readFileSync(tls.ca),
      requestCert: true,
      // Checked per request below: the API also serves callers without a certificate.
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      if ((req.url ?? "").startsWith(EXCHANGE_PATH) && !socket.authorized) {
        res.writeHead(403, { "content-type": "application/problem+json" });
        res.end(
          JSON.stringify({
            type: "https://kuajie.dev/problems/client-certificate-required",
            title: "A client certificate is required",
            status: 403,
            detail: `the exchange endpoint accepts only gateways with a certificate from the consortium's CA (${
              Object.keys(socket.getPeerCertificate()).length === 0
                ? "none presented"
                : `not accepted: ${String(socket.authorizationError)}`
            })`,
          }),
        );
        return;
      }
      app(req, res);
    },
  );
}

async function main(): Promise<void> {
  let config: GatewayConfig;
  let tls: TlsFiles | null;
  try {
    config = loadConfig();
    tls = tlsFilesFromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`kuajie gateway: configuration error\n${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  logger.info({ config: describeConfig(config) }, "starting the gateway");

  const db = openDatabase(config.databaseFile);
  const abandoned = new IdempotencyStore(db).abandonInFlight();
  if (abandoned > 0) logger.warn({ abandoned }, "released idempotency keys left in flight by the previous process");

  const deployment = readDeployment(config.deploymentFile);
  const served = readServedDepartments(config.departmentsFile);
  const signers = await loadServedSigners(
    config.keys,
    served.map((d) => d.key),
  );
  const provider = await createProvider(config.rpcUrl, { chainId: deployment.chainId });
  const metrics = createMetrics({ collectProcessMetrics: true });
  const gateway = createGateway({ config, db, provider, deployment, signers, served, logger, metrics });
  // Listen while the index catches up (minutes after a long stop): /healthz says "catching up: block X of Y", reads
  // say the block they reflect, fetches are refused (view_stale) until the index is current.
  await gateway.start({ awaitCatchUp: false });
  const app = gateway.app;
  const startedMs = Date.now();
  const caughtUp = setInterval(() => {
    const index = gateway.chain.indexer.status();
    if (index.caughtUpMs === null) return;
    clearInterval(caughtUp);
    logger.info({ block: index.indexedBlock, seconds: (index.caughtUpMs - startedMs) / 1000 }, "index caught up");
  }, 200);
  caughtUp.unref();

  const server = createGatewayServer(app, tls);
  server.listen(config.port, config.host, () => {
    const scheme = tls ? "https" : "http";
    logger.info({ url: `${scheme}://${config.host}:${config.port}`, mutualTls: tls !== null }, "gateway listening");
  });
  server.on("error", (err) => {
    logger.fatal({ err }, "cannot listen");
    db.close();
    process.exit(1);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: no new connections, finishing requests in flight");
    const force = setTimeout(() => {
      logger.warn("requests still running after 10 s; closing their connections");
      server.closeAllConnections();
    }, 10_000);
    force.unref();
    server.close(() => {
      void gateway.stop().finally(() => {
        db.close();
        logger.info("stopped");
        logger.flush();
        process.exit(0);
      });
    });
    server.closeIdleConnections();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`kuajie gateway: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
