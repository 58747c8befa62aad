import { Coalescer } from "../../chain/coalescer";
import type { KuajieChain, WriteResult } from "../../chain/adapter";
import { TransactionRevertedError } from "../../chain/errors";

/** ConsentRegistry's `ConsentTerms`, as the ABI encoder takes it. */
export interface ConsentTermsArg {
  key: { subjectRef: string; recipient: string; resourceId: string; purpose: string };
  separate: boolean;
  validFrom: number;
  validUntil: number;
}

export interface RecordItem {
  terms: ConsentTermsArg;
  evidenceHash: string;
}

export interface RecordedConsent {
  consentId: string;
  txHash: string;
  blockNumber: number;
}

type Outcome = { ok: true; value: RecordedConsent } | { ok: false; error: unknown };

export interface ConsentBatcherOptions {
  /** A batch is sent when it holds this many consents… (default 200) */
  maxItems?: number;
  /** …or this long after its first consent arrived (default 50 ms). */
  maxWaitMs?: number;
}

const CONSENT_BATCH_MAX_ITEMS = 200;
const CONSENT_BATCH_MAX_WAIT_MS = 50;

/**
 * Coalesces the record-evidenced consents a department submits close together into one `recordBatch` transaction
 * (one per department: each batch is signed by that department's key, which becomes the recording department).
 * Each caller still gets its own consent id, taken from the batch's `ConsentRecorded` events in input order.
 *
 * Items are validated before they get here, but the chain can still refuse one (a recipient suspended meanwhile, a
 * validity that ended by chain time): a batch that reverts is retried item by item, so that only the bad item fails,
 * with its own revert. Any other failure (the write is pending, the chain is down) is every item's answer.
 */
export class ConsentBatcher {
  private readonly coalescers = new Map<string, Coalescer<RecordItem, Outcome>>();
  private readonly maxItems: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly chain: Pick<KuajieChain, "write">,
    options: ConsentBatcherOptions = {},
  ) {
    this.maxItems = options.maxItems ?? CONSENT_BATCH_MAX_ITEMS;
    this.maxWaitMs = options.maxWaitMs ?? CONSENT_BATCH_MAX_WAIT_MS;
  }

  /** Records one consent for `departmentKey`, in a batch with whatever else arrives meanwhile. */
  async record(departmentKey: string, item: RecordItem): Promise<RecordedConsent> {
    const outcome = await this.coalescerOf(departmentKey).add(item);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Sends what is collected and waits for every batch in flight. */
  async close(): Promise<void> {
    await Promise.all([...this.coalescers.values()].map((c) => c.close()));
  }

  private coalescerOf(departmentKey: string): Coalescer<RecordItem, Outcome> {
    let coalescer = this.coalescers.get(departmentKey);
    if (!coalescer) {
      coalescer = new Coalescer<RecordItem, Outcome>({
        maxItems: this.maxItems,
        maxWaitMs: this.maxWaitMs,
        flush: (items) => this.flush(departmentKey, items),
      });
      this.coalescers.set(departmentKey, coalescer);
    }
    return coalescer;
  }

  private async flush(departmentKey: string, items: RecordItem[]): Promise<Outcome[]> {
    if (items.length === 1) return [await this.recordOne(departmentKey, items[0])];
    let result: WriteResult;
    try {
      result = await this.chain.write(departmentKey, "ConsentRegistry", "recordBatch", [
        items.map((item) => ({ terms: item.terms, evidenceHash: item.evidenceHash })),
      ]);
    } catch (error) {
      if (!(error instanceof TransactionRevertedError)) return items.map(() => ({ ok: false, error }));
      // One bad item reverts the whole batch: send each on its own so that only the bad one fails.
      return Promise.all(items.map((item) => this.recordOne(departmentKey, item)));
    }
    const ids = recordedIds(result);
    if (ids.length !== items.length) {
      const error = new Error(`recordBatch of ${items.length} consents emitted ${ids.length} ConsentRecorded events`);
      return items.map(() => ({ ok: false, error }));
    }
    return ids.map((consentId) => ({
      ok: true,
      value: { consentId, txHash: result.txHash, blockNumber: result.blockNumber },
    }));
  }

  private async recordOne(departmentKey: string, item: RecordItem): Promise<Outcome> {
    try {
      const result = await this.chain.write(departmentKey, "ConsentRegistry", "record", [
        item.terms,
        item.evidenceHash,
      ]);
      const [consentId] = recordedIds(result);
      if (consentId === undefined) throw new Error("record emitted no ConsentRecorded event");
      return { ok: true, value: { consentId, txHash: result.txHash, blockNumber: result.blockNumber } };
    } catch (error) {
      return { ok: false, error };
    }
  }
}

/** The ids of the consents a transaction recorded, in the order it recorded them (= input order). */
function recordedIds(result: WriteResult): string[] {
  return result.events
    .filter((e) => e.contract === "ConsentRegistry" && e.name === "ConsentRecorded")
    .sort((a, b) => a.logIndex - b.logIndex)
    .map((e) => String(e.args.consentId).toLowerCase());
}
