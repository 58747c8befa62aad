/** A fixed-time, fixed-concurrency HTTP load with autocannon: requests per second and latency percentiles. */
import autocannon from "autocannon";
import { round } from "./context";

export interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export async function load(options: {
  url: string;
  requests: { path: string; body: unknown; headers?: Record<string, string> }[];
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  const result = await autocannon({
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
  });
  const ok = result["2xx"];
  return {
    rps: round(ok / result.duration, 0),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
