/**
 * Call quotas counted as the gateway counts them: delivered calls in fixed calendar windows (minute, hour, day,
 * month) of the consortium's time zone, so that `{calls: 100, per: "day"}` allows 100 deliveries from 00:00 to
 * 23:59:59 China Standard Time, and the 101st of that day is over the quota. The contracts store the quota
 * (`ISharingAgreements.Quota`) and leave the counting to the gateways; this is the one written definition of it.
 */
import type { QuotaPeriod } from "../codes/enumerations";
import type { Quota } from "./agreements";

/** The consortium's time zone: the gateway's default `KUAJIE_TIMEZONE`. */
const CONSORTIUM_TIME_ZONE = "Asia/Shanghai";

export type LimitedPeriod = Exclude<QuotaPeriod, "none">;

/** The calendar window of each period that a moment falls in, as a comparable key (`2026-11-30T13` for its hour). */
export class QuotaWindows {
  private readonly format: Intl.DateTimeFormat;
  /** Keys by unix minute: every zone in use today is offset from UTC by whole minutes. */
  private readonly byMinute = new Map<number, Record<LimitedPeriod, string>>();

  constructor(timeZone: string = CONSORTIUM_TIME_ZONE) {
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

  /** The window of `period` that the moment `seconds` (unix) falls in. */
  key(seconds: number, period: LimitedPeriod): string {
    return this.windows(seconds)[period];
  }

  /** The windows of every period that the moment `seconds` (unix) falls in. */
  windows(seconds: number): Record<LimitedPeriod, string> {
    const minute = Math.floor(seconds / 60);
    let keys = this.byMinute.get(minute);
    if (keys === undefined) {
      const parts: Record<string, string> = {};
      for (const part of this.format.formatToParts(new Date(minute * 60_000))) parts[part.type] = part.value;
      const month = `${parts.year}-${parts.month}`;
      const day = `${month}-${parts.day}`;
      const hour = `${day}T${parts.hour}`;
      keys = { month, day, hour, minute: `${hour}:${parts.minute}` };
      // Bounded: a long-running gateway sees a new minute every minute.
      if (this.byMinute.size > 50_000) this.byMinute.clear();
      this.byMinute.set(minute, keys);
    }
    return keys;
  }
}

/** One delivery counted against a quota: the window it fell in and the calls in that window up to and with it. */
export interface QuotaCount {
  window: string;
  used: number;
  /** Whether this delivery went past the quota (`used > calls`). */
  over: boolean;
}

/**
 * Delivered calls per quota holder (a grant, an agreement) and window, folded from deliveries in time order. No I/O:
 * counters in memory, one per holder (a window once left is never counted again).
 */
export class QuotaUsage {
  private readonly counters = new Map<string, { window: string; used: number }>();

  constructor(private readonly windows: QuotaWindows = new QuotaWindows()) {}

  /** Counts one delivery of `holder` at `seconds` under `quota`; undefined when the quota is unlimited. */
  count(holder: string, quota: Quota, seconds: number): QuotaCount | undefined {
    if (quota.per === "none" || quota.calls <= 0) return undefined;
    const window = this.windows.key(seconds, quota.per);
    const counter = this.counters.get(holder);
    const used = counter !== undefined && counter.window === window ? counter.used + 1 : 1;
    this.counters.set(holder, { window, used });
    return { window, used, over: used > quota.calls };
  }
}
