import { Coalescer } from "../../chain/coalescer";
import { CONTRACT_INTERFACES, type KuajieChain, type WriteResult } from "../../chain/adapter";
import { TransactionFailedError, TransactionRevertedError } from "../../chain/errors";
import { encodeRecordBatch } from "./batch-calldata";
import { batchGasLimit, maxBatchItems } from "./batch-gas";

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
  /** A batch is sent when it holds this many consents (default: as many as fit the transaction gas cap)… */
  maxItems?: number;
  /** …or this long after its first consent arrived (default 50 ms)… */
  maxWaitMs?: number;
  /**
   * …unless this many batches of the department are already on their way and not yet mined (default 1): then it
   * keeps filling. A batch stops counting once its transaction is mined, while its block is indexed and its answers
   * written.
   */
  maxInFlight?: number;
}

const CONSENT_BATCH_MAX_WAIT_MS = 50;
/**
 * One batch of a department being mined at a time: the next one fills until it is, then is sent while the previous
 * one's block is indexed and answered (once it is as large as that one). Three flushes at once, each held until
 * answered, cut batches of 30 instead of 170 for the same rate (docs/perf/consents-profile.md).
 */
const CONSENT_BATCHES_IN_FLIGHT = 1;

/** What the batcher needs of the chain adapter. */
export type BatcherChain = Pick<KuajieChain, "write" | "writeCalldata" | "outboxRow" | "blockGasLimit" | "deployment">;

const CONSENT_RECORDED_TOPIC = CONTRACT_INTERFACES.ConsentRegistry.getEvent("ConsentRecorded")!.topicHash;

/**
 * Coalesces the record-evidenced consents a department submits close together into one `recordBatch` transaction
 * (one per department: each batch is signed by that department's key, which becomes the recording department).
 * Each caller still gets its own consent id, taken from the batch's `ConsentRecorded` events in input order.
 *
 * Under load a department's next batch fills while its previous ones are being mined (at most `maxInFlight` not yet
 * mined), up to what fits the transaction gas cap; the batches are queued in the outbox in arrival order, so their
 * nonces, and so the order the chain records a key's consents in, follow the order the requests came in. A batch is
 * sent with a gas limit worked out from its size (batch-gas.ts) rather than estimated by the node.
 *
 * Items are validated before they get here, but the chain can still refuse one (a recipient suspended meanwhile, a
 * validity that ended by chain time): a batch that reverts (mined and reverted, or refused before it was sent) is
 * retried item by item, so that only the bad item fails, with its own revert; none of its consents was recorded, so
 * none is recorded twice. Any other failure (the write is pending, the chain is down) is every item's answer: the
 * batch stays in the outbox and is recorded once, whatever the answer said.
 */
export class ConsentBatcher {
  private readonly coalescers = new Map<string, Coalescer<RecordItem, Outcome>>();
  private readonly maxItems: number;
  private readonly maxWaitMs: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly chain: BatcherChain,
    options: ConsentBatcherOptions = {},
  ) {
    this.maxItems = options.maxItems ?? maxBatchItems();
    this.maxWaitMs = options.maxWaitMs ?? CONSENT_BATCH_MAX_WAIT_MS;
    this.maxInFlight = options.maxInFlight ?? CONSENT_BATCHES_IN_FLIGHT;
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
        maxInFlight: this.maxInFlight,
        flush: (items, release) => this.flush(departmentKey, items, release),
      });
      this.coalescers.set(departmentKey, coalescer);
    }
    return coalescer;
  }

  /**
   * One coalesced batch, as one transaction or, when the chain's block gas limit is below the cap the batch was
   * sized by, several. Every transaction is queued before the first await, so that batches keep arrival order. The
   * batch's slot is released once all its transactions are mined (not reverted): the next batch's nonces then come
   * after all of them, and a batch retried item by item keeps its slot until the retries end, so that order holds.
   */
  private async flush(departmentKey: string, items: RecordItem[], release: () => void): Promise<Outcome[]> {
    const perTransaction = Math.min(this.maxItems, maxBatchItems(this.chain.blockGasLimit()));
    const parts: Promise<Outcome[]>[] = [];
    let unmined = Math.ceil(items.length / perTransaction);
    const mined = () => {
      unmined -= 1;
      if (unmined === 0) release();
    };
    for (let i = 0; i < items.length; i += perTransaction) {
      parts.push(this.send(departmentKey, items.slice(i, i + perTransaction), mined));
    }
    return (await Promise.all(parts)).flat();
  }

  private async send(departmentKey: string, items: RecordItem[], onMined: () => void): Promise<Outcome[]> {
    if (items.length === 1) return [await this.recordOne(departmentKey, items[0], onMined)];
    let result: WriteResult;
    try {
      result = await this.chain.writeCalldata(
        departmentKey,
        "ConsentRegistry",
        "recordBatch",
        encodeRecordBatch(items),
        {
          gasLimit: batchGasLimit(items.length),
          decodeEvents: false,
          onMined,
        },
      );
    } catch (error) {
      if (!this.recordedNone(error)) return items.map(() => ({ ok: false, error }));
      // One bad item reverts the whole batch: send each on its own so that only the bad one fails.
      return Promise.all(items.map((item) => this.recordOne(departmentKey, item)));
    }
    const ids = this.recordedIds(result);
    if (ids.length !== items.length) {
      const error = new Error(`recordBatch of ${items.length} consents emitted ${ids.length} ConsentRecorded events`);
      return items.map(() => ({ ok: false, error }));
    }
    return ids.map((consentId) => ({
      ok: true,
      value: { consentId, txHash: result.txHash, blockNumber: result.blockNumber },
    }));
  }

  /**
   * True when the batch's transaction ended without recording anything: the registry refused it (a custom error), or
   * it was mined reverted without one (out of gas: the bound of batch-gas.ts was wrong). Not when it is still pending
   * (it may yet be mined), nor when it failed otherwise (an abandoned chain, no funds): those are reported as they are.
   */
  private recordedNone(error: unknown): boolean {
    if (error instanceof TransactionRevertedError) return true;
    if (!(error instanceof TransactionFailedError)) return false;
    const status = this.chain.outboxRow(error.outboxId)?.status;
    return status === "reverted";
  }

  private async recordOne(departmentKey: string, item: RecordItem, onMined?: () => void): Promise<Outcome> {
    try {
      const result = await this.chain.write(
        departmentKey,
        "ConsentRegistry",
        "record",
        [item.terms, item.evidenceHash],
        onMined ? { onMined } : {},
      );
      const [consentId] = this.recordedIds(result);
      if (consentId === undefined) throw new Error("record emitted no ConsentRecorded event");
      return { ok: true, value: { consentId, txHash: result.txHash, blockNumber: result.blockNumber } };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * The ids of the consents a transaction recorded, in the order it recorded them (= input order): the second topic
   * of each ConsentRecorded log of the registry, read without decoding the rest.
   */
  private recordedIds(result: WriteResult): string[] {
    const registry = this.chain.deployment.contracts.ConsentRegistry.toLowerCase();
    return result.logs
      .filter(
        (log) => log.address.toLowerCase() === registry && log.topics[0]?.toLowerCase() === CONSENT_RECORDED_TOPIC,
      )
      .sort((a, b) => a.logIndex - b.logIndex)
      .map((log) => log.topics[2].toLowerCase());
  }
}
