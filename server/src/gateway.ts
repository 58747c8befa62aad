import type { Express } from "express";
import type { JsonRpcApiProvider, Wallet } from "ethers";
import type { Logger } from "pino";
import { createApp, type RouteModule } from "./app";
import type { GatewayConfig } from "./common/config";
import { createMetrics, type Metrics } from "./common/metrics";
import type { Deployment } from "./chain/deployment";
import type { IndexedEvent } from "./chain/indexer";
import { KuajieChain } from "./chain/kuajie";
import { registerDepartmentRoutes } from "./modules/departments/routes";
import type { ServedDepartment } from "./modules/departments/schemas";
import { DepartmentService } from "./modules/departments/service";
import { FEATURES } from "./modules";
import type { Db } from "./store/db";
import { DepartmentStore } from "./store/departments";

/** A read model fed by the indexer: applied inside the indexer's transaction, cleared on a chain reset. */
export interface Projection {
  /** True when its tables were just created, so the already indexed history must be replayed into them. */
  readonly fresh: boolean;
  apply(events: readonly IndexedEvent[]): void;
  reset(): void;
}

/** What every feature module is built with. */
export interface FeatureContext {
  config: GatewayConfig;
  db: Db;
  chain: KuajieChain;
  departments: DepartmentService;
  logger: Logger;
  metrics: Metrics;
  /** Subscribes a projection to the indexer (replaying the indexed history into it when it is fresh). */
  project(projection: Projection): void;
  /** Registers work to stop with the gateway (timers, batchers), in reverse order of registration. */
  onStop(stop: () => Promise<void> | void): void;
}

/** A feature (catalog, agreements, grants, consents, fetch, receipts, …): builds its services and declares routes. */
export type Feature = (ctx: FeatureContext) => RouteModule;

export interface GatewayOptions {
  config: GatewayConfig;
  db: Db;
  provider: JsonRpcApiProvider;
  deployment: Deployment;
  signers: ReadonlyMap<string, Wallet>;
  served: readonly ServedDepartment[];
  logger: Logger;
  metrics?: Metrics;
  /** Defaults to FEATURES (every feature of the gateway). */
  features?: readonly Feature[];
  writeWaitMs?: number;
  pollIntervalMs?: number;
}

export interface Gateway {
  app: Express;
  chain: KuajieChain;
  departments: DepartmentService;
  /** Recovers the outbox, catches the index up and starts following the chain. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Wires the chain adapter, the projections and every feature module into the express app. */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, db, logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const chain = new KuajieChain({
    db,
    provider: options.provider,
    deployment: options.deployment,
    signers: options.signers,
    logger: logger.child({ component: "chain" }),
    writeWaitMs: options.writeWaitMs,
    pollIntervalMs: options.pollIntervalMs,
  });
  const stops: Array<() => Promise<void> | void> = [];
  const project = (projection: Projection) => {
    chain.indexer.onEvents((events) => projection.apply(events));
    chain.indexer.onReset(() => projection.reset());
    if (projection.fresh) chain.indexer.replay((events) => projection.apply(events));
  };
  const departmentStore = new DepartmentStore(db);
  project(departmentStore);
  const departments = new DepartmentService(departmentStore, options.served, () => chain.indexer.status().indexedBlock);

  const ctx: FeatureContext = {
    config,
    db,
    chain,
    departments,
    logger,
    metrics,
    project,
    onStop: (stop) => stops.push(stop),
  };
  const modules: RouteModule[] = [
    (registry) => registerDepartmentRoutes(registry, departments),
    ...(options.features ?? FEATURES).map((feature) => feature(ctx)),
  ];

  const app = createApp({
    db,
    logger,
    consortiumSecret: config.consortiumSecret,
    bodyLimit: config.bodyLimit,
    departments,
    metrics,
    modules,
    health: async () => {
      const sender = chain.sender.status();
      const indexer = chain.indexer.status();
      metrics.outboxPending.set(sender.pending);
      if (indexer.headBlock !== null) metrics.indexerLagBlocks.set(indexer.headBlock - indexer.indexedBlock);
      const status =
        sender.state === "chain_reset" ? "unavailable" : sender.state === "unavailable" ? "degraded" : "ok";
      return {
        status,
        chainId: options.deployment.chainId,
        blockNumber: indexer.headBlock ?? indexer.indexedBlock,
        contracts: { ...options.deployment.contracts },
        outbox: { pending: sender.pending },
      };
    },
  });

  return {
    app,
    chain,
    departments,
    start: () => chain.start(),
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
      await chain.stop();
    },
  };
}
