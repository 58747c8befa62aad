/**
 * The receipts feature: the receipt recorder (each served department's sequence and hash chain), the anchorer (whose
 * lag makes fetches fail closed) and the receipt reads, `GET /v1/receipts[/:id]`. The fetch feature writes its
 * receipts through the ledger.
 */
import { DeferredWalSync } from "../../common/wal-sync";
import { ReceiptStore } from "../../store/receipts";
import type { Feature, FeatureContext } from "../feature";
import { Anchorer, type AnchoredDepartment } from "./anchorer";
import { ReceiptRecorder } from "./recorder";
import { registerReceiptRoutes } from "./routes";
import { ReceiptService } from "./service";

/** What the fetch feature uses of the receipts: record, the anchoring lag, and the delivered fetches to count. */
export interface ReceiptLedger {
  recorder: ReceiptRecorder;
  anchorer: Pick<Anchorer, "lagMs" | "divergence">;
  deliveredSince: ReceiptStore["deliveredSince"];
}

interface Receipts extends ReceiptLedger {
  store: ReceiptStore;
}

function receipts(ctx: FeatureContext): Receipts {
  return ctx.single(receipts, () => {
    const { config, chain, departments, metrics } = ctx;
    const store = ctx.projection(ReceiptStore);
    const served: AnchoredDepartment[] = chain
      .servedDepartments()
      .map((key) => ({ key, id: departments.idOf(key)?.toLowerCase() ?? "" }))
      .filter((d) => d.id !== "");
    const anchorer = new Anchorer({
      store,
      chain,
      chainClock: chain.clock,
      maxClockLeadSeconds: config.exchangeMaxSkewSeconds,
      departments: served,
      batchSize: config.receiptBatchSize,
      batchSeconds: config.receiptBatchSeconds,
      metrics,
      logger: ctx.logger.child({ component: "anchorer" }),
    });
    const durability = new DeferredWalSync(ctx.db);
    const recorder = new ReceiptRecorder(store, {
      onCommitted: (committed) => anchorer.noteCommitted(committed),
      durability,
    });
    anchorer.start();
    ctx.onStop(async () => {
      recorder.flush();
      await recorder.drained();
      await anchorer.stop();
      await durability.close();
    });
    return { store, recorder, anchorer, deliveredSince: (since, side) => store.deliveredSince(since, side) };
  });
}

/** The gateway's receipt ledger, started the first time a feature asks. */
export function receiptLedger(ctx: FeatureContext): ReceiptLedger {
  return receipts(ctx);
}

export const receiptsFeature: Feature = (ctx) => {
  const service = new ReceiptService(
    receipts(ctx).store,
    (key) => ctx.departments.idOf(key),
    () => ctx.chain.indexer.indexedBlock(),
  );
  return (registry) => registerReceiptRoutes(registry, service);
};
