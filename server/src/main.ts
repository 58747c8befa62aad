import fs from "node:fs";
import type { Server } from "node:http";
import { createApp } from "./app";
import { ConfigError, describeConfig, loadConfig, type GatewayConfig } from "./common/config";
import type { Department, DepartmentDirectory } from "./common/departments";
import { createLogger, type Logger } from "./common/logger";
import { createMetrics } from "./common/metrics";
import type { HealthCheck } from "./modules/health/routes";
import { openDatabase } from "./store/db";
import { IdempotencyStore } from "./store/idempotency";

/**
 * `npm run gateway`: configuration from the environment (and .kuajie/dev/gateway.json in development), the
 * database in KUAJIE_DATA_DIR, the app on KUAJIE_GATEWAY_HOST:KUAJIE_GATEWAY_PORT; stops cleanly on SIGTERM/SIGINT.
 *
 * Until the chain adapter (server/src/chain/) provides them, health and the department directory come from two
 * JSON-RPC calls and the deployment file.
 */

interface DeploymentFile {
  contracts: Record<string, string>;
  departments: Department[];
}

function readDeployment(file: string, logger: Logger): DeploymentFile {
  if (!fs.existsSync(file)) {
    logger.warn({ file }, "deployment file not found; health reports no contracts");
    return { contracts: {}, departments: [] };
  }
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  const source = (
    typeof parsed.contracts === "object" && parsed.contracts !== null ? parsed.contracts : parsed
  ) as Record<string, unknown>;
  const contracts: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) contracts[name] = value;
  }
  const departments = Array.isArray(parsed.departments)
    ? (parsed.departments as unknown[]).filter(
        (d): d is Department => typeof d === "object" && d !== null && typeof (d as { key?: unknown }).key === "string",
      )
    : [];
  return { contracts, departments };
}

async function rpc(url: string, method: string, timeoutMs: number): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message ?? "JSON-RPC error"}`);
  return body.result;
}

function chainHealth(config: GatewayConfig, contracts: Record<string, string>): HealthCheck {
  return async () => {
    const [chainId, blockNumber] = await Promise.all([
      rpc(config.rpcUrl, "eth_chainId", 2000),
      rpc(config.rpcUrl, "eth_blockNumber", 2000),
    ]);
    return {
      status: "ok",
      chainId: Number(BigInt(String(chainId))),
      blockNumber: Number(BigInt(String(blockNumber))),
      contracts,
      // No outbox until the chain adapter lands; it replaces this whole function.
      outbox: { pending: 0 },
    };
  };
}

function directory(departments: Department[]): DepartmentDirectory {
  const byKey = new Map(departments.map((d) => [d.key, d]));
  return { byKey: (key) => byKey.get(key) ?? null };
}

function main(): void {
  let config: GatewayConfig;
  try {
    config = loadConfig();
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

  const deployment = readDeployment(config.deploymentFile, logger);
  const metrics = createMetrics({ collectProcessMetrics: true });
  const app = createApp({
    db,
    logger,
    consortiumSecret: config.consortiumSecret,
    bodyLimit: config.bodyLimit,
    health: chainHealth(config, deployment.contracts),
    departments: directory(deployment.departments),
    metrics,
  });

  const server: Server = app.listen(config.port, config.host, () => {
    logger.info({ url: `http://${config.host}:${config.port}` }, "gateway listening");
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
      db.close();
      logger.info("stopped");
      logger.flush();
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main();
