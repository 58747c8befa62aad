export interface CoalescerOptions<T, R> {
  /** A batch is flushed when it holds this many items… */
  maxItems: number;
  /** …or this long after its first item arrived, whichever comes first. */
  maxWaitMs: number;
  /** Handles one batch; returns one result per item, in order. A throw rejects every item of the batch. */
  flush(items: T[]): Promise<R[]>;
}

interface Pending<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Collects items that arrive close together into batches (e.g. many consents into one `recordBatch` transaction).
 * `add` resolves with the item's own result once its batch has been flushed.
 */
export class Coalescer<T, R = void> {
  private batch: Pending<T, R>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: CoalescerOptions<T, R>) {
    if (!Number.isInteger(options.maxItems) || options.maxItems < 1) {
      throw new RangeError("maxItems must be a positive integer");
    }
    if (!(options.maxWaitMs >= 0)) {
      throw new RangeError("maxWaitMs must be zero or more");
    }
  }

  /** Number of items waiting for their batch to be flushed. */
  get size(): number {
    return this.batch.length;
  }

  add(item: T): Promise<R> {
    if (this.closed) {
      return Promise.reject(new Error("the coalescer is closed"));
    }
    return new Promise<R>((resolve, reject) => {
      this.batch.push({ item, resolve, reject });
      if (this.batch.length >= this.options.maxItems) {
        this.flushNow();
      } else if (this.timer === null) {
        this.timer = setTimeout(() => this.flushNow(), this.options.maxWaitMs);
      }
    });
  }

  /** Flushes the current batch at once (if any) and resolves when every started flush has finished. */
  async drain(): Promise<void> {
    this.flushNow();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Refuses new items, flushes what is collected and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private flushNow(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.batch.length === 0) {
      return;
    }
    const batch = this.batch;
    this.batch = [];
    const run = this.run(batch).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async run(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.options.flush(batch.map((p) => p.item));
      if (results.length !== batch.length) {
        throw new Error(`flush returned ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      batch.forEach((p) => p.reject(error));
    }
  }
}
