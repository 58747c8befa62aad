/**
 * The fetch feature: the access policy projection, the receipt recorder and anchorer, `POST /v1/data/fetch` and
 * the receipt reads (`GET /v1/receipts[/:id]`). They share one recorder (the per-department sequence and hash
 * chain) and one anchorer (whose lag makes fetches fail closed), so they are one feature.
 */
import type { Feature } from "../../gateway";
import { ReceiptStore } from "../../store/receipts";
import { Anchorer, type AnchoredDepartment } from "../receipts/anchorer";
import { ReceiptRecorder } from "../receipts/recorder";
import { registerReceiptRoutes } from "../receipts/routes";
import { ReceiptService } from "../receipts/service";
import { AccessPolicy } from "./policy";
import { QuotaCounters } from "./quota";
import { registerFetchRoutes } from "./routes";
import { FetchService } from "./service";

/** Quota windows are at most a calendar month: delivered receipts older than this cannot count any more. */
const QUOTA_LOOKBACK_SECONDS = 32 * 24 * 3600;

export const fetchFeature: Feature = (ctx) => {
  const { config, chain, departments, metrics } = ctx;
  const logger = ctx.logger.child({ component: "fetch" });
  const policy = new AccessPolicy();
  ctx.project(policy);
  const store = new ReceiptStore(ctx.db);
  ctx.project(store);

  const served: AnchoredDepartment[] = chain
    .servedDepartments()
    .map((key) => ({ key, id: departments.idOf(key)?.toLowerCase() ?? "" }))
    .filter((d) => d.id !== "");
  const anchorer = new Anchorer({
    store,
    chain,
    departments: served,
    batchSize: config.receiptBatchSize,
    batchSeconds: config.receiptBatchSeconds,
    metrics,
    logger: logger.child({ component: "anchorer" }),
  });
  const recorder = new ReceiptRecorder(store, { onCommitted: (receipts) => anchorer.noteCommitted(receipts) });
  const quota = new QuotaCounters(config.timezone);
  quota.rebuild(store.deliveredSince(policy.now() - QUOTA_LOOKBACK_SECONDS));

  const fetches = new FetchService({
    policy,
    quota,
    recorder,
    anchorer,
    metrics,
    consortiumSecret: config.consortiumSecret,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    anchorMaxLagSeconds: config.anchorMaxLagSeconds,
    departmentIdOf: (key) => departments.idOf(key)?.toLowerCase() ?? null,
    gatewayAccountOf: (key) => chain.accountOf(key),
    indexedBlock: () => chain.indexer.indexedBlock(),
  });
  const receipts = new ReceiptService(
    store,
    (key) => departments.idOf(key),
    () => chain.indexer.indexedBlock(),
  );

  anchorer.start();
  ctx.onStop(async () => {
    recorder.flush();
    await anchorer.stop();
  });

  return (registry) => {
    registerFetchRoutes(registry, fetches);
    registerReceiptRoutes(registry, receipts);
  };
};
