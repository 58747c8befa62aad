/**
 * Call quotas of grants and agreements: delivered fetches counted in fixed calendar windows (minute, hour, day,
 * month) of the consortium's time zone. Counters live in memory and are rebuilt at start from the stored delivered
 * receipts of the current month. A fetch reserves its count when it passes the check (so that concurrent fetches
 * cannot all take the last call) and gives it back when nothing is delivered; refusals never count.
 *
 * Agreement counts cover the fetches this gateway mediated: co-consumers served by another gateway count there. The
 * provider's gateway keeps its own counters of the exchanges it answered (modules/exchange), the authoritative ones:
 * every co-consumer's fetches pass there.
 */
import type { QuotaPeriod } from "../../../../core/codes/enumerations";
import type { Quota } from "../../../../core/folds/agreements";
import { QuotaWindows } from "../../../../core/folds/quota-usage";

type Period = Exclude<QuotaPeriod, "none">;

/** Quota windows are at most a calendar month: delivered receipts older than this cannot count any more. */
export const QUOTA_LOOKBACK_SECONDS = 32 * 24 * 3600;
const PERIODS: readonly Period[] = ["minute", "hour", "day", "month"];

export type WindowKeys = Record<Period, string>;

interface Counter {
  window: string;
  count: number;
}

export interface QuotaUsed {
  scope: "grant" | "agreement";
  id: string;
  period: Period;
  /** The window's key (`2026-11-30` for a day). */
  window: string;
  count: number;
}

export interface QuotaScope {
  grantId: string;
  agreementId: string;
}

export class QuotaCounters {
  private readonly counters = new Map<string, Counter>();
  private readonly windowsOf: QuotaWindows;

  constructor(timeZone: string) {
    this.windowsOf = new QuotaWindows(timeZone);
  }

  /** The windows a moment (unix seconds) falls in, as comparable keys (`2025-06-01T13:05` for its minute, …). */
  windows(seconds: number): WindowKeys {
    return this.windowsOf.windows(seconds);
  }

  /** Which quota is used up at `seconds`: the grant's, the agreement's, or none. */
  exceeded(scope: QuotaScope, grantQuota: Quota, agreementQuota: Quota, seconds: number): "grant" | "agreement" | null {
    const windows = this.windows(seconds);
    if (this.full(`g:${scope.grantId}`, grantQuota, windows)) return "grant";
    if (this.full(`a:${scope.agreementId}`, agreementQuota, windows)) return "agreement";
    return null;
  }

  /** Counts one fetch in every window of the grant and the agreement. */
  reserve(scope: QuotaScope, seconds: number): void {
    this.add(scope, this.windows(seconds), 1);
  }

  /** Gives back a reservation of a fetch that delivered nothing (still in the windows it was counted in). */
  release(scope: QuotaScope, seconds: number): void {
    this.add(scope, this.windows(seconds), -1);
  }

  /** Rebuilds the counters from delivered receipts, oldest first. */
  rebuild(delivered: Iterable<QuotaScope & { time: number }>): void {
    this.counters.clear();
    for (const receipt of delivered) this.add(receipt, this.windows(receipt.time), 1);
  }

  /** Every counter as it stands: the fetches counted in the current window of each period, per grant and agreement. */
  used(): QuotaUsed[] {
    return [...this.counters].map(([key, { window, count }]) => {
      const [scope, id, period] = key.split(":");
      return { scope: scope === "g" ? "grant" : "agreement", id, period: period as Period, window, count };
    });
  }

  private full(prefix: string, quota: Quota, windows: WindowKeys): boolean {
    if (quota.per === "none" || quota.calls <= 0) return false;
    const counter = this.counters.get(`${prefix}:${quota.per}`);
    const used = counter !== undefined && counter.window === windows[quota.per] ? counter.count : 0;
    return used >= quota.calls;
  }

  private add(scope: QuotaScope, windows: WindowKeys, delta: number): void {
    for (const prefix of [`g:${scope.grantId}`, `a:${scope.agreementId}`]) {
      for (const period of PERIODS) {
        const key = `${prefix}:${period}`;
        const counter = this.counters.get(key);
        if (counter === undefined || counter.window !== windows[period]) {
          // A release for a window that has already been left behind has nothing to give back.
          if (delta > 0) this.counters.set(key, { window: windows[period], count: delta });
        } else {
          counter.count = Math.max(0, counter.count + delta);
        }
      }
    }
  }
}
