/**
 * Counts failed authentications per client address in a sliding window, so that nobody can try tokens at line
 * rate. In memory: one gateway process per department, and a restart forgetting the counts is harmless.
 */
export interface FailureLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  now?: () => number;
  /** Bound on tracked addresses; the oldest is dropped beyond it. */
  maxAddresses?: number;
}

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly maxAddresses: number;

  constructor(options: FailureLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.maxAddresses = options.maxAddresses ?? 10_000;
  }

  /** Seconds until the address may try again, or null when it is not blocked. */
  blockedFor(address: string): number | null {
    const recent = this.recent(address);
    if (recent.length < this.maxFailures) return null;
    const oldest = recent[recent.length - this.maxFailures];
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    // Re-insert so that Map order is least-recently-failed first.
    this.failures.delete(address);
    this.failures.set(address, recent.slice(-this.maxFailures));
    if (this.failures.size > this.maxAddresses) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  private recent(address: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const kept = (this.failures.get(address) ?? []).filter((t) => t > cutoff);
    if (kept.length === 0) this.failures.delete(address);
    else this.failures.set(address, kept);
    return kept;
  }
}
