/**
 * The garbage collector's pauses in a gateway, read from its /metrics (prom-client's `nodejs_gc_duration_seconds`
 * histogram, by kind): how often it collected and how long the main thread stood still for it between two readings.
 * A smaller heap collects more often; this is what that costs a request, beside the CPU time /proc gives (which also
 * counts V8's concurrent marking threads).
 */
import { round } from "./context";

type GcKind = "minor" | "major" | "incremental" | "weakcb";
type GcTotals = Partial<Record<GcKind, { count: number; seconds: number }>>;

async function gcTotals(gateway: string): Promise<GcTotals | null> {
  try {
    const text = await (await fetch(`${gateway}/metrics`)).text();
    const totals: GcTotals = {};
    for (const match of text.matchAll(/^nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([0-9.e+-]+)$/gm)) {
      const [, field, kind, value] = match;
      const entry = (totals[kind as GcKind] ??= { count: 0, seconds: 0 });
      if (field === "sum") entry.seconds = Number(value);
      else entry.count = Number(value);
    }
    return totals;
  } catch {
    return null;
  }
}

/** Collections and pause milliseconds per request, by gateway and kind, from now until `stop(requests)`. */
export async function gcReader(gateways: Record<string, string>) {
  const before = Object.fromEntries(
    await Promise.all(Object.entries(gateways).map(async ([name, url]) => [name, await gcTotals(url)] as const)),
  );
  return {
    stop: async (requests: number) => {
      const answered = Math.max(1, requests);
      const result: Record<string, Record<string, { collections: number; pause_ms_per_request: number }> | null> = {};
      for (const [name, url] of Object.entries(gateways)) {
        const [from, to] = [before[name], await gcTotals(url)];
        if (!from || !to) {
          result[name] = null;
          continue;
        }
        result[name] = Object.fromEntries(
          Object.entries(to).map(([kind, after]) => {
            const start = from[kind as GcKind] ?? { count: 0, seconds: 0 };
            return [
              kind,
              {
                collections: after.count - start.count,
                pause_ms_per_request: round(((after.seconds - start.seconds) * 1000) / answered, 3),
              },
            ];
          }),
        );
      }
      return result;
    },
  };
}
