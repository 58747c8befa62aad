export interface CoalescerOptions<T, R> {
  /** A batch is flushed when it holds this many items… */
  maxItems: number;
  /** …or this long after its oldest item arrived, whichever comes first. */
  maxWaitMs: number;
  /**
   * At most this many flushes hold a slot at once (default: no limit). While every slot is held, arriving items keep
   * filling the next batch past the window, so that under load a batch fills while the previous one is being mined
   * instead of many small batches queueing behind each other.
   */
  maxInFlight?: number;
  /**
   * Handles one batch; returns one result per item, in order. A throw rejects every item of the batch. Batches are
   * handed over in arrival order, and `flush` is called synchronously: whatever it does before its first `await`
   * (e.g. queueing a transaction with the next nonce) happens in that order. A flush holds its slot until it ends or
   * calls `release` (e.g. once its transaction is mined: the next batch is sent while this one's answers are
   * prepared).
   */
  flush(items: T[], release: () => void): Promise<R[]>;
  /** Milliseconds now (tests). */
  now?: () => number;
}

interface Pending<T, R> {
  item: T;
  arrivedAt: number;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Collects items that arrive close together into batches (e.g. many consents into one `recordBatch` transaction).
 * `add` resolves with the item's own result once its batch has been flushed.
 */
export class Coalescer<T, R = void> {
  private queue: Pending<T, R>[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Every flush that has not ended (close and drain wait for them)… */
  private readonly inFlight = new Set<Promise<void>>();
  /** …and how many of them still hold a slot… */
  private slotsHeld = 0;
  /** …and the sizes of those that released theirs early and have not ended. */
  private readonly finishing = new Map<object, number>();
  private readonly maxInFlight: number;
  private readonly now: () => number;
  private draining = 0;
  private closed = false;

  constructor(private readonly options: CoalescerOptions<T, R>) {
    if (!Number.isInteger(options.maxItems) || options.maxItems < 1) {
      throw new RangeError("maxItems must be a positive integer");
    }
    if (!(options.maxWaitMs >= 0)) {
      throw new RangeError("maxWaitMs must be zero or more");
    }
    this.maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;
    if (!(this.maxInFlight >= 1)) {
      throw new RangeError("maxInFlight must be at least 1");
    }
    this.now = options.now ?? Date.now;
  }

  /** Number of items waiting for their batch to be flushed. */
  get size(): number {
    return this.queue.length;
  }

  /** Number of flushes holding a slot. */
  get flushing(): number {
    return this.slotsHeld;
  }

  add(item: T): Promise<R> {
    if (this.closed) {
      return Promise.reject(new Error("the coalescer is closed"));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, arrivedAt: this.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Flushes everything collected (in batches of at most maxItems) and resolves once every flush has finished. */
  async drain(): Promise<void> {
    this.draining += 1;
    try {
      this.schedule();
      while (this.queue.length > 0 || this.inFlight.size > 0) {
        await Promise.race(this.inFlight);
      }
    } finally {
      this.draining -= 1;
    }
  }

  /** Refuses new items, flushes what is collected and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  /**
   * Starts every batch that is due (full, its window over, or draining) while a flush slot is free. While a flush
   * that released its slot early is still finishing, the next batch starts only once it is at least as large as that
   * one (or full): otherwise the batch sizes would shrink towards one item a flush, each paying the flush's whole
   * fixed cost, as a closed loop of clients (each sending again once answered) drove them to.
   */
  private schedule(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.queue.length > 0 && this.slotsHeld < this.maxInFlight) {
      if (this.draining === 0 && this.queue.length < Math.min(this.options.maxItems, this.largestFinishing())) {
        return; // the finishing flush's end schedules it again
      }
      const waitMs = this.queue[0].arrivedAt + this.options.maxWaitMs - this.now();
      if (this.queue.length < this.options.maxItems && waitMs > 0 && this.draining === 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.schedule();
        }, waitMs);
        return;
      }
      this.start(this.queue.splice(0, this.options.maxItems));
    }
    // Every slot is busy: the batch keeps filling; the next finished flush schedules it.
  }

  /** The size of the largest batch whose flush released its slot and has not ended (0: none). */
  private largestFinishing(): number {
    let largest = 0;
    for (const size of this.finishing.values()) largest = Math.max(largest, size);
    return largest;
  }

  private start(batch: Pending<T, R>[]): void {
    let holding = true;
    let ended = false;
    const token = {};
    const release = () => {
      if (!holding) return;
      holding = false;
      this.slotsHeld -= 1;
      if (!ended) this.finishing.set(token, batch.length);
      this.schedule();
    };
    this.slotsHeld += 1;
    const run = this.run(batch, release).finally(() => {
      ended = true;
      this.inFlight.delete(run);
      this.finishing.delete(token);
      if (holding) release();
      else this.schedule();
    });
    this.inFlight.add(run);
  }

  private async run(batch: Pending<T, R>[], release: () => void): Promise<void> {
    try {
      const results = await this.options.flush(
        batch.map((p) => p.item),
        release,
      );
      if (results.length !== batch.length) {
        throw new Error(`flush returned ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      batch.forEach((p) => p.reject(error));
    }
  }
}
