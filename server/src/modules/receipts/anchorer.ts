/**
 * Anchors each served department's receipts on the AccessLedger: every `batchSize` receipts or `batchSeconds`
 * seconds, the department's oldest unbatched receipts become a batch (a StandardMerkleTree), the batch and every
 * receipt's proof are stored, and only then `AccessLedger.anchor` is sent through the outbox with the dedupe key
 * `anchor:<department>:<batch>`. After a crash the stored pending batch is resumed with the same key, so the same
 * batch is never anchored twice and never rebuilt differently; a batch whose anchor was mined before the crash is
 * marked anchored by the indexer (ReceiptStore's BatchAnchored projection).
 *
 * Batches of a department are anchored one after the other (the contract wants them in order, each naming the root
 * before it). A reverted anchor is retried with backoff under a new dedupe key (`…:retry<n>`), since the outbox
 * answers a reused key with the first, reverted, row.
 *
 * A receipt goes into a batch only once the chain's clock (a lower bound read from the node, ChainClock) has reached
 * the receipt's time, so that the anchoring block is stamped at or after every receipt time of its batch: a gateway
 * whose clock runs ahead of the chain's (within the exchange tolerance, or by a slow NTP correction) delays its
 * anchoring by its lead instead of dating its receipts after their anchor (the auditor's `time_after_anchor`). The
 * receipts of a batch are always a prefix of the unbatched ones by sequence; a receipt ahead holds back the ones after
 * it.
 *
 * It also measures the anchoring lag, which fetches and exchanges consult to fail closed: the age of each department's
 * oldest receipt not yet anchored, counted from when the chain's clock reached its time rather than from when it was
 * written — but never more than `maxClockLeadSeconds` less than its age on this gateway's clock, so that a clock ahead
 * beyond the tolerance fails closed instead of holding unanchored receipts for as long as it is wrong.
 *
 * A department whose batches the chain holds and this database does not (ReceiptStore's divergences: a database
 * restored from an older backup, or another gateway anchoring for the department) is not anchored at all: its next
 * batch would reuse sequence numbers the chain has anchored. Fetches and exchanges consult `divergence` and fail closed.
 */
import { ZeroHash } from "ethers";
import type { Logger } from "pino";
import { TransactionRevertedError } from "../../chain/errors";
import type { KuajieChain } from "../../chain/adapter";
import type { ChainClock } from "../../chain/chain-clock";
import type { Metrics } from "../../common/metrics";
import { buildBatch, type Receipt } from "../../../../core/receipt";
import type { BatchTail, ReceiptDivergence, ReceiptStore, StoredBatch } from "../../store/receipts";
import { divergenceDetail } from "./errors";
import type { RecordedReceipt } from "./recorder";

export interface AnchoredDepartment {
  key: string;
  id: string;
}

export interface AnchorerOptions {
  store: ReceiptStore;
  chain: Pick<KuajieChain, "write">;
  chainClock: Pick<ChainClock, "lowerBoundMs" | "refresh">;
  /** How far ahead of the chain's clock this gateway's may run and still serve (the exchange tolerance). */
  maxClockLeadSeconds: number;
  departments: readonly AnchoredDepartment[];
  batchSize: number;
  batchSeconds: number;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

const MAX_RETRY_DELAY_MS = 60_000;

function anchorDedupeKey(department: string, batchSequence: number, attempt: number): string {
  return `anchor:${department}:${batchSequence}` + (attempt > 0 ? `:retry${attempt}` : "");
}

interface PendingReceipt {
  /** Wall-clock ms when it was committed. */
  createdMs: number;
  /** The time it carries (unix seconds). */
  time: number;
}

export class Anchorer {
  private readonly oldestPending = new Map<string, PendingReceipt | null>();
  private readonly retryAt = new Map<string, number>();
  /** The last failure logged per department, so that a chain that stays down is reported once, not every pass. */
  private readonly lastFailure = new Map<string, string>();
  private readonly intervalMs: number;
  private readonly now: () => number;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();
  private metricTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: AnchorerOptions) {
    this.now = options.now ?? Date.now;
    this.intervalMs = Math.max(10, Math.min(250, (options.batchSeconds * 1000) / 4));
    for (const d of options.departments) this.oldestPending.set(d.id, options.store.oldestUnanchored(d.id));
    options.store.watch(options.departments.map((d) => d.id));
    this.updateMetric();
  }

  /** The department's first batch that the chain holds and this database does not, or null (ReceiptStore). */
  divergence(department: string): ReceiptDivergence | null {
    return this.options.store.divergence(department);
  }

  /** Starts one loop per department (a department whose anchor waits to be mined does not hold up the others). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.options.departments.map((d) => this.run(d));
    // The lag grows while a loop waits for its anchor to be mined: the gauge is refreshed on its own clock.
    this.metricTimer = setInterval(() => this.updateMetric(), 500);
    this.metricTimer.unref();
  }

  /** Stops after the current step; an anchor still waiting to be mined stays in the outbox and is resumed later. */
  async stop(graceMs = 1_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.metricTimer !== null) clearInterval(this.metricTimer);
    for (const wake of this.wakers) wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.loops),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
  }

  /**
   * How long the department's oldest receipt not yet anchored has been anchorable (0 when all are anchored): since the
   * chain's clock reached its time, at most its age and at least its age less the allowed clock lead.
   */
  lagMs(department: string): number {
    const oldest = this.oldestPending.get(department.toLowerCase());
    if (oldest === undefined || oldest === null) return 0;
    const age = this.now() - oldest.createdMs;
    const chainNow = this.options.chainClock.lowerBoundMs();
    if (chainNow === null) return Math.max(0, age);
    const sinceChainReachedIt = chainNow - oldest.time * 1000;
    const lag = Math.min(age, Math.max(sinceChainReachedIt, age - this.options.maxClockLeadSeconds * 1000));
    return Math.max(0, lag);
  }

  /** Receipts just committed: the first of a department with nothing pending starts its lag clock. */
  noteCommitted(receipts: readonly RecordedReceipt[]): void {
    for (const { receipt, createdMs } of receipts) {
      const current = this.oldestPending.get(receipt.department);
      if (current === undefined || current === null) {
        this.oldestPending.set(receipt.department, { createdMs, time: receipt.time });
      }
    }
  }

  private async run(department: AnchoredDepartment): Promise<void> {
    while (this.running) {
      try {
        await this.anchorDepartment(department);
      } catch (error) {
        if (this.running) {
          this.options.logger.error({ err: error, department: department.key }, "receipt anchoring pass failed");
        }
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, this.intervalMs);
        this.wakers.add(wake);
      });
    }
  }

  /** Forms the department's batches that are due and anchors its pending ones, oldest first. */
  private async anchorDepartment(department: AnchoredDepartment): Promise<void> {
    const { store } = this.options;
    const diverged = store.divergence(department.id);
    if (diverged !== null) {
      const message = `not anchoring: ${divergenceDetail(diverged)}`;
      if (this.lastFailure.get(department.id) !== message) {
        this.lastFailure.set(department.id, message);
        this.options.logger.error({ department: department.key, divergence: diverged }, message);
      }
      return;
    }
    try {
      while (this.running) {
        const batch = store.firstPendingBatch(department.id) ?? (await this.formDueBatch(department.id));
        if (batch === null) break;
        if ((this.retryAt.get(department.id) ?? 0) > this.now()) break;
        if (!(await this.submit(department, batch))) break;
      }
    } finally {
      if (this.running) this.oldestPending.set(department.id, store.oldestUnanchored(department.id));
    }
  }

  /**
   * Builds and stores the next batch when enough receipts wait or the oldest has waited long enough, of the waiting
   * receipts (in sequence) whose time the chain's clock has reached.
   */
  private async formDueBatch(department: string): Promise<StoredBatch | null> {
    const { store, batchSize, batchSeconds, chainClock } = this.options;
    const { count, oldestMs } = store.unbatchedSummary(department);
    if (count === 0 || oldestMs === null) return null;
    if (count < batchSize && this.now() - oldestMs < batchSeconds * 1000) return null;
    const unbatched = store.unbatched(department, batchSize);
    const known = chainClock.lowerBoundMs();
    const chainNow =
      known === null || unbatched[unbatched.length - 1].receipt.time * 1000 > known
        ? await chainClock.refresh()
        : known;
    if (chainNow === null) return null;
    const reached = unbatched.findIndex((w) => w.receipt.time * 1000 > chainNow);
    const waiting = reached === -1 ? unbatched : unbatched.slice(0, reached);
    if (waiting.length === 0) return null;
    // A full batch waiting is due at once only if the chain's clock has reached all of it; fewer wait for batchSeconds.
    if (waiting.length < batchSize && this.now() - waiting[0].createdMs < batchSeconds * 1000) return null;
    const previous = store.batchTail(department);
    const expectedFirst = (previous?.lastSequence ?? 0) + 1;
    if (waiting[0].receipt.sequence !== expectedFirst) {
      throw new Error(
        `department ${department}: the next unbatched receipt is ${waiting[0].receipt.sequence}, expected ${expectedFirst}`,
      );
    }
    const { sequence } = storeNextBatch(
      store,
      department,
      waiting.map((w) => w.receipt),
      previous,
      this.now(),
    );
    return store.batch(department, sequence);
  }

  /** Sends the batch's anchor and waits for it; true once it is anchored. */
  private async submit(department: AnchoredDepartment, batch: StoredBatch): Promise<boolean> {
    const { store, chain, logger } = this.options;
    try {
      const result = await chain.write(
        department.key,
        "AccessLedger",
        "anchor",
        [batch.sequence, batch.root, batch.receiptCount, batch.firstSequence, batch.lastSequence, batch.previousRoot],
        { dedupeKey: anchorDedupeKey(department.id, batch.sequence, batch.attempts) },
      );
      store.markAnchored(department.id, batch.sequence, batch.root, result.txHash, result.blockNumber);
      this.retryAt.delete(department.id);
      this.lastFailure.delete(department.id);
      logger.debug(
        { department: department.key, batch: batch.sequence, receipts: batch.receiptCount, txHash: result.txHash },
        "receipt batch anchored",
      );
      return true;
    } catch (error) {
      if (!this.running) return false;
      if (store.batch(department.id, batch.sequence)?.status === "anchored") return true;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof TransactionRevertedError) {
        store.recordFailedAttempt(department.id, batch.sequence, `${error.errorName}: ${message}`);
        const delay = Math.min(MAX_RETRY_DELAY_MS, 1_000 * 2 ** batch.attempts);
        this.retryAt.set(department.id, this.now() + delay);
        logger.error(
          { department: department.key, batch: batch.sequence, errorName: error.errorName, retryInMs: delay },
          "the ledger refused a receipt batch; retrying",
        );
      } else {
        if (this.lastFailure.get(department.id) !== message) {
          this.lastFailure.set(department.id, message);
          store.recordError(department.id, batch.sequence, message);
          logger.warn(
            { department: department.key, batch: batch.sequence, err: message },
            "receipt batch not anchored yet",
          );
        }
      }
      return false;
    }
  }

  private updateMetric(): void {
    let lag = 0;
    for (const d of this.options.departments) lag = Math.max(lag, this.lagMs(d.id));
    this.options.metrics.anchorLagSeconds.set(lag / 1000);
  }
}

/**
 * Builds the batch of a department's next receipts (in sequence, after `previous`) and stores it with every proof, in
 * one transaction of the store: what the anchorer does before it submits an anchor.
 */
export function storeNextBatch(
  store: ReceiptStore,
  department: string,
  receipts: Receipt[],
  previous: BatchTail | null,
  createdMs: number,
): { sequence: number; root: string } {
  // Every stored receipt passed ReceiptSchema when the recorder made it: not parsed again here.
  const built = buildBatch(receipts, { checked: true });
  const sequence = (previous?.sequence ?? 0) + 1;
  store.saveBatch({
    department,
    sequence,
    root: built.root,
    previousRoot: previous?.root ?? ZeroHash,
    firstSequence: built.firstSequence,
    lastSequence: built.lastSequence,
    proofs: receipts.map((r) => built.proofs[r.id]),
    createdMs,
  });
  return { sequence, root: built.root };
}
