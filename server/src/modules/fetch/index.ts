import { exchangeDomain, requestDigest } from "../../../../core/exchange";
import { PolicyStore } from "../../store/access-policy";
import { CatalogStore } from "../../store/catalog";
import { AgreementStore } from "../../store/agreements";
import { GrantStore } from "../../store/grants";
import { ConsentStore } from "../../store/consents";
import { IntentStore } from "../../store/intents";
import { receiptLedger } from "../receipts";
import type { Feature, FeatureContext } from "../feature";
import type { ConsumerReceiptWriter } from "./evidence";
import { callProvider } from "./exchange-client";
import { AccessPolicy } from "./policy";
import { QUOTA_LOOKBACK_SECONDS, QuotaCounters } from "./quota";
import { recoverIntents } from "./recovery";
import { registerFetchRoutes } from "./routes";
import { FetchService } from "./service";

/** The gateway's access policy (the exchange feature decides on it too): persisted projections, read per fetch. */
export function accessPolicy(ctx: FeatureContext): AccessPolicy {
  return ctx.single(
    accessPolicy,
    () =>
      new AccessPolicy(
        ctx.projection(PolicyStore),
        ctx.projection(CatalogStore),
        ctx.projection(AgreementStore),
        ctx.projection(GrantStore),
        ctx.projection(ConsentStore),
      ),
  );
}

/**
 * The fetch feature: the access policy projection, `POST /v1/data/fetch` (the consumer's half of the exchange), and
 * the completion of exchanges a crash interrupted, run once the view has first caught up with the chain.
 */
export const fetchFeature: Feature = (ctx) => {
  const { config, chain, departments, metrics } = ctx;
  const policy = accessPolicy(ctx);
  const ledger = receiptLedger(ctx);
  const quota = new QuotaCounters(config.timezone);
  quota.rebuild(ledger.deliveredSince(policy.now() - QUOTA_LOOKBACK_SECONDS));
  const intents = new IntentStore(ctx.db);
  const domain = exchangeDomain(chain.deployment.chainId, chain.deployment.contracts.Consortium);
  const record: ConsumerReceiptWriter = (draft, evidence, alongside) =>
    ledger.recorder.record(draft, evidence, alongside ?? null);
  const endpointOf = (departmentId: string) => departments.endpointOf(departmentId);
  const viewSyncedAtMs = () => chain.indexer.lastCaughtUpMs();

  const fetches = new FetchService({
    policy,
    quota,
    record,
    intents,
    commit: (change) => ledger.recorder.write(change),
    anchorer: ledger.anchorer,
    metrics,
    consortiumSecret: config.consortiumSecret,
    domain,
    exchangeTimeoutMs: config.exchangeTimeoutMs,
    anchorMaxLagSeconds: config.anchorMaxLagSeconds,
    maxViewLagSeconds: config.viewMaxLagSeconds,
    departmentIdOf: (key) => departments.idOf(key)?.toLowerCase() ?? null,
    gatewayAccountOf: (key) => chain.accountOf(key),
    signerOf: (key) => chain.typedDataSigner(key),
    endpointOf,
    indexedBlock: () => chain.indexer.indexedBlock(),
    viewSyncedAtMs,
    admitPerTurn: config.admitPerTurn,
  });

  // Listed now, before this gateway serves any fetch: an intent opened by this process is never taken for a crash's.
  // Recovery verifies the provider's answers against the operators on chain: it waits for the first catch-up.
  const interrupted = intents.listOpen();
  const logger = ctx.logger.child({ component: "intent-recovery" });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const recoverWhenSynced = () => {
    if (stopped) return;
    if (viewSyncedAtMs() === null) {
      timer = setTimeout(recoverWhenSynced, 100);
      return;
    }
    recoverIntents({
      interrupted,
      intents,
      record,
      fetches,
      endpointOf,
      exchange: callProvider,
      timeoutMs: config.exchangeTimeoutMs,
      requestDigestOf: (request) => requestDigest(domain, request),
      now: () => policy.now(),
      logger,
    }).catch((err: unknown) => logger.error({ err }, "completing interrupted exchanges failed; retried at next start"));
  };
  if (interrupted.length > 0) timer = setTimeout(recoverWhenSynced, 0);
  ctx.onStop(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return (registry) => registerFetchRoutes(registry, fetches);
};
