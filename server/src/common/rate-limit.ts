/**
 * Counts events per key (a client address, a token id) in a sliding window, so that nobody can repeat an action at
 * line rate: failed authentications per client (modules/auth), subject-reference computations per token
 * (modules/subjects). In memory: one gateway process per department, and a restart forgetting the counts is
 * harmless.
 */
export interface RateLimiterOptions {
  /** Events allowed per key within the window (default 20). */
  limit?: number;
  windowMs?: number;
  now?: () => number;
  /** Bound on tracked keys; the least recently active is dropped beyond it. */
  maxKeys?: number;
}

export class RateLimiter {
  private readonly events = new Map<string, number[]>();
  readonly limit: number;
  readonly windowMs: number;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(options: RateLimiterOptions = {}) {
    this.limit = options.limit ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Seconds until the key may act again, or null when it is not blocked. */
  blockedFor(key: string): number | null {
    const recent = this.recent(key);
    if (recent.length < this.limit) return null;
    const oldest = recent[recent.length - this.limit];
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  record(key: string): void {
    const recent = this.recent(key);
    recent.push(this.now());
    // Re-insert so that Map order is least-recently-active first.
    this.events.delete(key);
    this.events.set(key, recent.slice(-this.limit));
    if (this.events.size > this.maxKeys) {
      const oldest = this.events.keys().next().value;
      if (oldest !== undefined) this.events.delete(oldest);
    }
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const kept = (this.events.get(key) ?? []).filter((t) => t > cutoff);
    if (kept.length === 0) this.events.delete(key);
    else this.events.set(key, kept);
    return kept;
  }
}
