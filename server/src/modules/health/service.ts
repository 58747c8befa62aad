import type { KuajieChain } from "../../chain/adapter";
import type { Metrics } from "../../common/metrics";
import type { ReceiptDivergence, ReceiptLoss } from "../../store/receipts";
import { divergenceDetail } from "../receipts/errors";
import type { HealthReport } from "./schemas";

export type HealthCheck = () => Promise<HealthReport>;

/**
 * The gateway's health: the chain adapter's sender and indexer, also set as the outbox and lag gauges, the served
 * departments whose receipts the chain holds and this database does not (`divergences`), and the losses of receipts
 * their admins declared on chain (`losses`: settled, so the status stays "ok", but an operator should see them).
 */
export function gatewayHealth(
  chain: KuajieChain,
  metrics: Metrics,
  maxViewLagSeconds: number,
  divergences: () => ReceiptDivergence[] = () => [],
  losses: () => ReceiptLoss[] = () => [],
): HealthCheck {
  return async () => {
    const diverged = divergences();
    const lost = losses();
    const sender = chain.sender.status();
    const indexer = chain.indexer.status();
    metrics.outboxPending.set(sender.pending);
    const lagBlocks = indexer.headBlock === null ? null : Math.max(0, indexer.headBlock - indexer.indexedBlock);
    if (lagBlocks !== null) metrics.indexerLagBlocks.set(lagBlocks);
    const catchingUp = indexer.caughtUpMs === null;
    const lagSeconds = indexer.caughtUpMs === null ? null : Math.max(0, (Date.now() - indexer.caughtUpMs) / 1000);
    const fresh = lagSeconds !== null && lagSeconds <= maxViewLagSeconds;
    const status =
      sender.state === "chain_reset"
        ? "unavailable"
        : sender.state === "unavailable"
          ? "degraded"
          : catchingUp
            ? "catching_up"
            : fresh && diverged.length === 0
              ? "ok"
              : "degraded";
    return {
      status,
      chainId: chain.deployment.chainId,
      blockNumber: indexer.headBlock ?? indexer.indexedBlock,
      contracts: { ...chain.deployment.contracts },
      outbox: { pending: sender.pending },
      // A stale view refuses every fetch (503 view_stale): say so where operators look first.
      view: {
        fresh,
        lagSeconds: lagSeconds === null ? null : Math.round(lagSeconds * 10) / 10,
        maxLagSeconds: maxViewLagSeconds,
      },
      index: {
        catchingUp,
        indexedBlock: indexer.indexedBlock,
        headBlock: indexer.headBlock,
        lagBlocks,
        progress: catchingUp
          ? `catching up: block ${indexer.indexedBlock} of ${indexer.headBlock ?? "?"}`
          : lagBlocks
            ? `behind: block ${indexer.indexedBlock} of ${indexer.headBlock}`
            : `current at block ${indexer.indexedBlock}`,
      },
      // Fetches of diverged departments are refused (503 receipts_diverged) until the right database is back.
      ...(diverged.length || lost.length
        ? {
            receipts: {
              diverged: diverged.map((d) => ({
                department: d.department,
                batchSequence: d.batchSequence,
                detail: divergenceDetail(d),
              })),
              declaredLost: lost.map((l) => ({
                department: l.department,
                firstBatch: l.firstBatch,
                lastBatch: l.lastBatch,
                firstSequence: l.firstSequence,
                lastSequence: l.lastSequence,
                reasonHash: l.reasonHash,
                txHash: l.txHash,
                blockNumber: l.blockNumber,
              })),
            },
          }
        : {}),
    };
  };
}
