/** A fixed-time, fixed-concurrency HTTP load with autocannon: requests per second and latency percentiles. */
import autocannon from "autocannon";
import { round } from "./context";

export interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** Latency percentiles in ms, keyed as autocannon names them (p2_5 … p99_9), for the percentile chart. */
  latency_ms: Record<LatencyPercentile, number>;
  /** Responses completed in each second of the run (any status), for the over-the-run chart. */
  rps_series: number[];
  requests: number;
  non2xx: number;
  errors: number;
}

const LATENCY_PERCENTILES = ["p2_5", "p50", "p75", "p90", "p97_5", "p99", "p99_9"] as const;
type LatencyPercentile = (typeof LATENCY_PERCENTILES)[number];

export async function load(options: {
  url: string;
  requests: { path: string; body: unknown; headers?: Record<string, string> }[];
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  const series: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        timeout: 30,
        requests: options.requests.map((r) => ({
          method: "POST",
          path: r.path,
          headers: { "content-type": "application/json", ...r.headers },
          body: JSON.stringify(r.body),
        })),
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    // autocannon ticks once a second with the responses of that second.
    instance.on("tick", (tick: { counter: number }) => series.push(tick.counter));
  });
  const ok = result["2xx"];
  const latency: Record<LatencyPercentile, number> = result.latency;
  return {
    rps: round(ok / result.duration, 0),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    latency_ms: Object.fromEntries(LATENCY_PERCENTILES.map((p) => [p, latency[p]])) as Record<
      LatencyPercentile,
      number
    >,
    // autocannon may tick once more as it stops, with the stragglers of an unfinished second: not a second of the run.
    rps_series: series.slice(0, options.seconds),
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
