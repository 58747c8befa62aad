import type { Server } from "node:http";
import { ConfigError, describeConfig, loadConfig, type GatewayConfig } from "./common/config";
import { createLogger } from "./common/logger";
import { createMetrics } from "./common/metrics";
import { readDeployment } from "./chain/deployment";
import { deriveDevSigners, loadKeystoreSigners } from "./chain/keys";
import { createProvider } from "./chain/provider";
import { createGateway } from "./gateway";
import { readServedDepartments } from "./modules/departments/service";
import { openDatabase } from "./common/db";
import { IdempotencyStore } from "./store/idempotency";

/**
 * `npm run gateway`: configuration from the environment (and .kuajie/dev/gateway.json in development), the
 * database in KUAJIE_DATA_DIR, the deployment file and the departments file it names; recovers the outbox, catches
 * the index up, and serves on KUAJIE_GATEWAY_HOST:KUAJIE_GATEWAY_PORT; stops cleanly on SIGTERM/SIGINT.
 */

async function main(): Promise<void> {
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

  const deployment = readDeployment(config.deploymentFile);
  const served = readServedDepartments(config.departmentsFile);
  const signers =
    config.keys.kind === "mnemonic"
      ? deriveDevSigners(
          config.keys.mnemonic,
          served.map((d) => d.key),
          { firstIndex: 1 },
        )
      : await loadKeystoreSigners({
          dir: config.keys.dir,
          password: config.keys.password,
          departments: served.map((d) => d.key),
        });
  const provider = await createProvider(config.rpcUrl, { chainId: deployment.chainId });
  const metrics = createMetrics({ collectProcessMetrics: true });
  const gateway = createGateway({ config, db, provider, deployment, signers, served, logger, metrics });
  await gateway.start();
  const app = gateway.app;

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

main().catch((err: unknown) => {
  process.stderr.write(`kuajie gateway: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
