/**
 * Admits at most `perTurn` new requests in a turn of the event loop; the others wait, in their order, for the next
 * turns (`0`: no limit).
 *
 * Why: node reads every request that is ready in one turn, and each runs until its first wait. Under a burst a
 * gateway therefore decides, signs and writes the whole burst before any of it goes on; one group commit then releases
 * it as one, and the two gateways of a federated fetch work in turns, each idle while the other handles the burst
 * (docs/perf/fetch-profile.md, sixth round). Admitted a few at a time, the first requests of a burst are committed and
 * sent on while the rest are still being decided, so the consumer's and the provider's work overlap. Nothing is
 * refused or reordered, and no check is skipped: a request waits one turn for every `perTurn` requests ahead of it,
 * and while the gateway is not busy nothing waits at all.
 */
export class TurnGate {
  private admittedThisTurn = 0;
  private readonly waiting: (() => void)[] = [];
  private nextTurn: NodeJS.Immediate | null = null;

  constructor(private readonly perTurn: number) {
    if (!Number.isInteger(perTurn) || perTurn < 0) throw new RangeError(`perTurn must be an integer ≥ 0: ${perTurn}`);
  }

  /**
   * `null` when the caller may go on at once; otherwise a promise that resolves in the turn it is admitted. (No
   * promise on the fast path: awaiting one would cost every request a turn of the microtask queue.)
   */
  admit(): Promise<void> | null {
    if (this.perTurn === 0) return null;
    this.armNextTurn();
    if (this.admittedThisTurn < this.perTurn && this.waiting.length === 0) {
      this.admittedThisTurn += 1;
      return null;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Requests waiting for a later turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** At the end of this turn (node's check phase, after the I/O of the turn) the count starts again. */
  private armNextTurn(): void {
    this.nextTurn ??= setImmediate(() => {
      this.nextTurn = null;
      const admitted = this.waiting.splice(0, this.perTurn);
      this.admittedThisTurn = admitted.length;
      if (admitted.length > 0) this.armNextTurn();
      for (const resolve of admitted) resolve();
    });
  }
}
