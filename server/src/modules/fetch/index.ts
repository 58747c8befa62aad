import { receiptLedger } from "../receipts";
import type { Feature } from "../feature";
import { AccessPolicy } from "./policy";
import { QuotaCounters } from "./quota";
import { registerFetchRoutes } from "./routes";
import { FetchService } from "./service";

/** Quota windows are at most a calendar month: delivered receipts older than this cannot count any more. */
const QUOTA_LOOKBACK_SECONDS = 32 * 24 * 3600;

/** The fetch feature: the access policy projection and `POST /v1/data/fetch`, receipted through the receipt ledger. */
export const fetchFeature: Feature = (ctx) => {
  const { config, chain, departments, metrics } = ctx;
  const policy = ctx.projection(AccessPolicy);
  const ledger = receiptLedger(ctx);
  const quota = new QuotaCounters(config.timezone);
  quota.rebuild(ledger.deliveredSince(policy.now() - QUOTA_LOOKBACK_SECONDS));

  const fetches = new FetchService({
    policy,
    quota,
    recorder: ledger.recorder,
    anchorer: ledger.anchorer,
    metrics,
    consortiumSecret: config.consortiumSecret,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    anchorMaxLagSeconds: config.anchorMaxLagSeconds,
    departmentIdOf: (key) => departments.idOf(key)?.toLowerCase() ?? null,
    gatewayAccountOf: (key) => chain.accountOf(key),
    indexedBlock: () => chain.indexer.indexedBlock(),
  });
  return (registry) => registerFetchRoutes(registry, fetches);
};
