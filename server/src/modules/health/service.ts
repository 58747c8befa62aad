import type { KuajieChain } from "../../chain/adapter";
import type { Metrics } from "../../common/metrics";
import type { HealthReport } from "./schemas";

export type HealthCheck = () => Promise<HealthReport>;

/** The gateway's health: the chain adapter's sender and indexer, also set as the outbox and lag gauges. */
export function gatewayHealth(chain: KuajieChain, metrics: Metrics): HealthCheck {
  return async () => {
    const sender = chain.sender.status();
    const indexer = chain.indexer.status();
    metrics.outboxPending.set(sender.pending);
    if (indexer.headBlock !== null) metrics.indexerLagBlocks.set(indexer.headBlock - indexer.indexedBlock);
    const status = sender.state === "chain_reset" ? "unavailable" : sender.state === "unavailable" ? "degraded" : "ok";
    return {
      status,
      chainId: chain.deployment.chainId,
      blockNumber: indexer.headBlock ?? indexer.indexedBlock,
      contracts: { ...chain.deployment.contracts },
      outbox: { pending: sender.pending },
    };
  };
}
