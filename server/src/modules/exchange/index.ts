/**
 * The exchange feature, provider side: `POST /exchange/v1/fetch`, where other departments' gateways ask this gateway
 * for its departments' data with requests signed by their department (docs/FEDERATION.md). It decides on the access
 * policy projection, counts the authoritative quota from its own provider receipts, asks its private backends and
 * records provider receipts through the receipt ledger.
 */
import { exchangeDomain } from "../../../../core/exchange";
import { ExchangeStore } from "../../store/exchanges";
import { resourceUpstreams } from "../catalog";
import type { Feature } from "../feature";
import { accessPolicy } from "../fetch";
import { QUOTA_LOOKBACK_SECONDS, QuotaCounters } from "../fetch/quota";
import { queryUpstream } from "../../common/backend-client";
import { receiptLedger } from "../receipts";
import { registerQuotaGauge } from "./quota-metric";
import { registerExchangeRoutes } from "./routes";
import { ExchangeService } from "./service";

export const exchangeFeature: Feature = (ctx) => {
  const { config, chain, departments } = ctx;
  const policy = accessPolicy(ctx);
  const ledger = receiptLedger(ctx);
  const quota = new QuotaCounters(config.timezone);
  quota.rebuild(ledger.deliveredSince(policy.now() - QUOTA_LOOKBACK_SECONDS, "provider"));
  registerQuotaGauge(ctx.metrics, quota);
  const service = new ExchangeService({
    policy,
    quota,
    recorder: ledger.recorder,
    anchorer: ledger.anchorer,
    exchanges: new ExchangeStore(ctx.db),
    upstreams: resourceUpstreams(ctx),
    consortiumSecret: config.consortiumSecret,
    domain: exchangeDomain(chain.deployment.chainId, chain.deployment.contracts.Consortium),
    served: () =>
      chain.servedDepartments().flatMap((key) => {
        const id = departments.idOf(key);
        return id === null ? [] : [{ key, id: id.toLowerCase() }];
      }),
    signerOf: (key) => chain.typedDataSigner(key),
    viewCaughtUpMs: () => chain.indexer.lastCaughtUpMs(),
    waitForBlock: (block, timeoutMs) => chain.indexer.waitForBlock(block, timeoutMs),
    viewMaxLagSeconds: config.viewMaxLagSeconds,
    maxSkewSeconds: config.exchangeMaxSkewSeconds,
    anchorMaxLagSeconds: config.anchorMaxLagSeconds,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    backendQuery: (url, query, timeoutMs) => queryUpstream(url, query, timeoutMs, config.backendToken),
    admitPerTurn: config.admitPerTurn,
  });
  return (registry) => registerExchangeRoutes(registry, service);
};
