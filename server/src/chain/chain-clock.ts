/**
 * A lower bound of the chain's clock, read from the node rather than from this host. The anchorer puts a receipt into
 * a batch only once this bound has reached the receipt's time, so that the block that anchors the batch is stamped at
 * or after every receipt time in it (the auditor's `time_after_anchor`), even when this host's clock runs ahead of the
 * chain (docs/FEDERATION.md §3.4).
 *
 * One observation asks the node for the timestamp it would give a block made now (the `pending` block; a node with
 * none answers with its latest block) and notes the monotonic time at which it asked. From then on the chain's clock is
 * at least that timestamp plus the monotonic time elapsed — provided the observed timestamp was not ahead of the
 * producing node's own clock: true of Besu QBFT (validators refuse blocks stamped in their future, and stamp theirs
 * with their own synchronised clocks) and of Hardhat's pending block (the node's clock, or its parent's time + 1 s
 * while more than one block a second is mined, the one case it over-states). Monotonic time, not `Date.now()`: the
 * bound must not move with this host's wall clock, which is what it corrects for.
 */
import type { JsonRpcApiProvider } from "ethers";

interface ChainClockOptions {
  /** The timestamp (unix seconds) the node would give a block made now. */
  readBlockTime: () => Promise<number>;
  /** Milliseconds on a clock that only moves forward (default `performance.now()`). */
  monotonicMs?: () => number;
  /** A refresh within this long of the previous one reuses it (default 1 s: the bound advances by itself). */
  minIntervalMs?: number;
  /** A read not answered within this long is given up (a node paused or cut): the previous bound stands. */
  readTimeoutMs?: number;
}

const DEFAULT_MIN_INTERVAL_MS = 1_000;
const DEFAULT_READ_TIMEOUT_MS = 2_000;

export class ChainClock {
  private readonly monotonicMs: () => number;
  /** Chain time minus monotonic time, from the most recently asked observation that was answered. */
  private offsetMs: number | null = null;
  /** Questions asked so far, and which of them the bound comes from. */
  private questions = 0;
  private observedQuestion = 0;
  private lastAskedAt = -Infinity;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly options: ChainClockOptions) {
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
  }

  /** The chain's time is at least this (unix ms); null before the node has ever answered. */
  lowerBoundMs(): number | null {
    return this.offsetMs === null ? null : this.offsetMs + this.monotonicMs();
  }

  /**
   * Asks the node again (unless it was asked within `minIntervalMs`) and resolves with the bound; never rejects. The
   * latest answered question wins, not the highest bound: a replaced development chain may start at an earlier time.
   */
  async refresh(): Promise<number | null> {
    const minIntervalMs = this.options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    if (this.refreshing === null && this.monotonicMs() - this.lastAskedAt >= minIntervalMs) {
      this.refreshing = this.observe().finally(() => {
        this.refreshing = null;
      });
    }
    await this.refreshing;
    return this.lowerBoundMs();
  }

  private async observe(): Promise<void> {
    const askedAt = this.monotonicMs();
    const question = ++this.questions;
    this.lastAskedAt = askedAt;
    let timer: NodeJS.Timeout | undefined;
    const read = this.options.readBlockTime().then(
      (seconds) => {
        // A slow answer to an older question must not replace a newer observation.
        if (question < this.observedQuestion) return;
        this.observedQuestion = question;
        this.offsetMs = seconds * 1000 - askedAt;
      },
      () => undefined,
    );
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS);
      timer.unref();
    });
    await Promise.race([read, timeout]);
    clearTimeout(timer);
  }
}

/**
 * The timestamp the node would give a block made now: its `pending` block's (Hardhat: the node's clock), else its
 * latest block's (a node that keeps no pending block answers null, the latest block, or an error).
 */
export async function nextBlockTime(provider: Pick<JsonRpcApiProvider, "send">): Promise<number> {
  const pending = (await provider.send("eth_getBlockByNumber", ["pending", false]).catch(() => null)) as {
    timestamp?: string;
  } | null;
  const block =
    pending?.timestamp !== undefined
      ? pending
      : ((await provider.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string });
  return Number(BigInt(block.timestamp as string));
}
