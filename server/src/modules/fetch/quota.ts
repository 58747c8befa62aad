/**
 * Call quotas of grants and agreements: delivered fetches counted in fixed calendar windows (minute, hour, day,
 * month) of the consortium's time zone. Counters live in memory and are rebuilt at start from the stored delivered
 * receipts of the current month. A fetch reserves its count when it passes the check (so that concurrent fetches
 * cannot all take the last call) and gives it back when nothing is delivered; refusals never count.
 *
 * Agreement counts cover the fetches this gateway mediated: co-consumers served by another gateway count there.
 */
import type { QuotaPeriod } from "../../../../core/codes/enumerations";
import type { Quota } from "../../../../core/folds/agreements";

type Period = Exclude<QuotaPeriod, "none">;
const PERIODS: readonly Period[] = ["minute", "hour", "day", "month"];

export type WindowKeys = Record<Period, string>;

interface Counter {
  window: string;
  count: number;
}

export interface QuotaScope {
  grantId: string;
  agreementId: string;
}

export class QuotaCounters {
  private readonly counters = new Map<string, Counter>();
  private readonly format: Intl.DateTimeFormat;
  /** Window keys by unix minute: every zone in use today is offset from UTC by whole minutes. */
  private readonly keysByMinute = new Map<number, WindowKeys>();

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
  }

  /** The windows a moment (unix seconds) falls in, as comparable keys (`2025-06-01T13:05` for its minute, …). */
  windows(seconds: number): WindowKeys {
    const minute = Math.floor(seconds / 60);
    let keys = this.keysByMinute.get(minute);
    if (keys === undefined) {
      const parts: Record<string, string> = {};
      for (const part of this.format.formatToParts(new Date(minute * 60_000))) parts[part.type] = part.value;
      const month = `${parts.year}-${parts.month}`;
      const day = `${month}-${parts.day}`;
      const hour = `${day}T${parts.hour}`;
      keys = { month, day, hour, minute: `${hour}:${parts.minute}` };
      if (this.keysByMinute.size > 50_000) this.keysByMinute.clear();
      this.keysByMinute.set(minute, keys);
    }
    return keys;
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
