import { UsageError } from "./errors";

/** The consortium's time zone (China Standard Time, no daylight saving): a bare date means a day there. */
const CONSORTIUM_OFFSET = "+08:00";

/** Unix seconds as an ISO 8601 instant in UTC, e.g. `2026-01-01T00:00:00Z`. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * A `--from` / `--to` value as unix seconds: `YYYY-MM-DD` (a day in the consortium's time zone, UTC+8; `--to` takes
 * the whole day), an ISO 8601 date-time with its zone, or unix seconds.
 */
export function parseDateOption(option: string, value: string, endOfDay: boolean): number {
  if (/^[0-9]{9,11}$/.test(value)) return Number(value);
  const day = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value);
  const ms = Date.parse(day ? `${value}T00:00:00${CONSORTIUM_OFFSET}` : value);
  if (Number.isNaN(ms) || (!day && !/(Z|[+-][0-9]{2}:?[0-9]{2})$/.test(value))) {
    throw new UsageError(
      `${option} ${JSON.stringify(value)} is not a date: use YYYY-MM-DD, an ISO date-time with its zone, or unix seconds`,
    );
  }
  return Math.floor(ms / 1000) + (day && endOfDay ? 24 * 3600 - 1 : 0);
}

/** A duration in seconds, in the largest units that keep it readable: `45 s`, `12 min 5 s`, `3 d 4 h`. */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? "-" : "";
  let s = Math.abs(Math.round(seconds));
  if (s < 60) return `${sign}${s} s`;
  const units: [string, number][] = [
    ["d", 86400],
    ["h", 3600],
    ["min", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  for (const [name, size] of units) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)} ${name}`);
      s %= size;
    }
    if (parts.length === 2) break;
  }
  return sign + parts.join(" ");
}
