import type { Logger } from "pino";
import type { IndexedEvent } from "../common/indexed-event";
import type { KuajieChain } from "../chain/adapter";
import type { GatewayConfig } from "../common/config";
import type { Metrics } from "../common/metrics";
import type { RouteRegistry } from "../common/route-registry";
import type { Db } from "../common/db";
import type { DepartmentService } from "./departments/service";

/**
 * The contract between the composition root (`gateway.ts`) and the features: what a feature is built with and what
 * it gives back. It lives apart from the root so that no feature imports the root.
 */

/** A read model fed by the indexer: applied inside the indexer's transaction, cleared on a chain reset. */
export interface Projection {
  /** True when its tables were just created, so the already indexed history must be replayed into them. */
  readonly fresh: boolean;
  apply(events: readonly IndexedEvent[]): void;
  reset(): void;
}

/** A projection class: built on the gateway database. */
export type ProjectionKind<T extends Projection> = new (db: Db) => T;

/** Declares a feature's routes on the registry. */
export type RouteModule = (registry: RouteRegistry) => void;

/** What every feature is built with. */
export interface FeatureContext {
  config: GatewayConfig;
  db: Db;
  chain: KuajieChain;
  departments: DepartmentService;
  logger: Logger;
  metrics: Metrics;
  /**
   * The gateway's one projection of this kind: built and subscribed to the indexer (replaying the indexed history
   * into it when it is fresh) the first time any feature asks, the same instance after.
   */
  projection<T extends Projection>(kind: ProjectionKind<T>): T;
  /**
   * The gateway's one instance of a service other features use, built by `create` the first time any feature asks
   * for `key` (the accessor function a feature exports), the same instance after.
   */
  single<T>(key: object, create: () => T): T;
  /** Registers work to stop with the gateway (timers, batchers), in reverse order of registration. */
  onStop(stop: () => Promise<void> | void): void;
}

/** A feature (catalog, agreements, grants, consents, fetch, receipts, …): builds its services and declares routes. */
export type Feature = (ctx: FeatureContext) => RouteModule;
