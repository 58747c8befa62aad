import type { Express } from "express";
import type { JsonRpcApiProvider, Wallet } from "ethers";
import type { Logger } from "pino";
import { useFastKeccak } from "../../core/crypto/keccak";
import { createApp } from "./app";
import type { GatewayConfig } from "./common/config";
import { createMetrics, type Metrics } from "./common/metrics";
import type { Deployment } from "./chain/deployment";
import { KuajieChain } from "./chain/adapter";
import { BASE_FEATURES, FEATURES } from "./modules";
import type { ServedDepartment } from "./modules/departments/schemas";
import { DepartmentService } from "./modules/departments/service";
import type { Feature, FeatureContext, Projection, ProjectionKind } from "./modules/feature";
import type { Db } from "./common/db";
import { DepartmentStore } from "./store/departments";

export interface GatewayOptions {
  config: GatewayConfig;
  db: Db;
  provider: JsonRpcApiProvider;
  deployment: Deployment;
  signers: ReadonlyMap<string, Wallet>;
  served: readonly ServedDepartment[];
  logger: Logger;
  metrics?: Metrics;
  /** Defaults to FEATURES (every feature of the gateway); the BASE_FEATURES are always there. */
  features?: readonly Feature[];
  writeWaitMs?: number;
  pollIntervalMs?: number;
}

export interface Gateway {
  app: Express;
  chain: KuajieChain;
  departments: DepartmentService;
  /**
   * Recovers the outbox and starts following the chain; resolves once the index has first caught up, or at once
   * with `awaitCatchUp: false` (the server then listens while it catches up: /healthz says "catching_up", reads
   * say the block they reflect, fetches are refused as view_stale until the index is current).
   */
  start(options?: { awaitCatchUp?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** The composition root: wires the chain adapter, the projections and every feature into the express app. */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, db, logger } = options;
  // Every keccak256 ethers computes in this process (digests, checksums, receipt leaves) on WebAssembly once it has
  // compiled, a few milliseconds from now; ethers' own implementation, which gives the same bytes, until then.
  useFastKeccak().catch((error: unknown) => logger.warn({ err: error }, "WebAssembly Keccak unavailable: ethers' own"));
  const metrics = options.metrics ?? createMetrics();
  const chain = new KuajieChain({
    db,
    provider: options.provider,
    deployment: options.deployment,
    signers: options.signers,
    logger: logger.child({ component: "chain" }),
    writeWaitMs: options.writeWaitMs,
    pollIntervalMs: options.pollIntervalMs,
    maxBlockRange: config.indexerMaxBlockRange,
  });
  metrics.observeIndexer(() => chain.indexer.status());
  const stops: Array<() => Promise<void> | void> = [];
  const singles = new Map<object, unknown>();
  const single = <T>(key: object, create: () => T): T => {
    if (!singles.has(key)) singles.set(key, create());
    return singles.get(key) as T;
  };
  const projection = <T extends Projection>(kind: ProjectionKind<T>): T =>
    single(kind, () => {
      const created = new kind(db);
      chain.indexer.onEvents((events) => created.apply(events));
      chain.indexer.onReset(() => created.reset());
      if (created.fresh) chain.indexer.replay((events) => created.apply(events));
      return created;
    });
  const departments = new DepartmentService(
    projection(DepartmentStore),
    options.served,
    () => chain.indexer.status().indexedBlock,
  );

  const ctx: FeatureContext = {
    config,
    db,
    chain,
    departments,
    logger,
    metrics,
    projection,
    single,
    onStop: (stop) => stops.push(stop),
  };
  const features = [...BASE_FEATURES, ...(options.features ?? FEATURES)];
  const app = createApp({
    db,
    logger,
    consortiumSecret: config.consortiumSecret,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    metrics,
    modules: features.map((feature) => feature(ctx)),
  });

  return {
    app,
    chain,
    departments,
    start: (startOptions) => chain.start(startOptions),
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
      await chain.stop();
    },
  };
}
