import { resourceUpstreams } from "../catalog";
import { receiptLedger } from "../receipts";
import type { Feature } from "../feature";
import { AccessPolicy } from "./policy";
import { QUOTA_LOOKBACK_SECONDS, QuotaCounters } from "./quota";
import { registerFetchRoutes } from "./routes";
import { FetchService } from "./service";
import { queryUpstream } from "../../common/backend-client";

/** The fetch feature: the access policy projection and `POST /v1/data/fetch`, receipted through the receipt ledger. */
export const fetchFeature: Feature = (ctx) => {
  const { config, chain, departments, metrics } = ctx;
  const policy = ctx.projection(AccessPolicy);
  const ledger = receiptLedger(ctx);
  const quota = new QuotaCounters(config.timezone);
  quota.rebuild(ledger.deliveredSince(policy.now() - QUOTA_LOOKBACK_SECONDS));

  // Until fetches go through the provider's exchange endpoint, a resource's backend is the one its provider set at
  // this gateway (private, never on chain), or the URL of its pre-federation on-chain metadata.
  const upstreams = resourceUpstreams(ctx);
  const withPrivateUpstream: AccessPolicy = Object.create(policy, {
    resource: {
      value: (id: string) => {
        const resource = policy.resource(id);
        const url = resource ? upstreams.get(resource.id) : null;
        return resource && url !== null ? { ...resource, upstreamUrl: url } : resource;
      },
    },
  });
  const fetches = new FetchService({
    policy: withPrivateUpstream,
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
    query: (url, query, timeoutMs) => queryUpstream(url, query, timeoutMs, config.backendToken),
  });
  return (registry) => registerFetchRoutes(registry, fetches);
};
