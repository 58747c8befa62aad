/** Reads a V8 .cpuprofile (node --cpu-prof) and ranks self time by function and by package. */
import fs from "node:fs";
import { round } from "./context";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  const clean = url.replace(/^file:\/\//, "");
  const nm = clean.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = clean.slice(nm + "node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const i = clean.indexOf("/server/src/");
  if (i >= 0) return clean.slice(i + 1);
  if (clean.startsWith("node:") || clean === "") return clean || "(native)";
  return clean.split("/").slice(-2).join("/");
}

/**
 * A span of the monotonic clock in microseconds: V8 stamps profile samples with the same clock as
 * `process.hrtime` (CLOCK_MONOTONIC), so a span measured in the benchmark's process selects the samples of another.
 */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** The monotonic clock now, in microseconds (for a ProfileWindow). */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Self time of a profile's main thread in ms, by function and by place (package or file), within `window`. */
export interface SelfTime {
  samples: number;
  /** Wall time the samples span, in ms (idle included). */
  spanMs: number;
  byFunction: Map<string, number>;
  byPlace: Map<string, number>;
}

const IDLE = "(idle)";

/** Each sample weighs the time since the one before it (V8's timeDeltas), so a busy stretch counts what it took. */
export function selfTime(file: string, window?: ProfileWindow): SelfTime {
  return selfTimeOf(readProfile(file), window);
}

const readProfile = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;

function selfTimeOf(profile: CpuProfile, window?: ProfileWindow): SelfTime {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  let samples = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    samples++;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let spanUs = 0;
  for (const [id, us] of selfUs) {
    spanUs += us;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const place = where(url);
    const fn = `${functionName || "(anonymous)"} ${place}${url ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us / 1000);
    const group =
      functionName === IDLE || functionName === "(program)" || functionName === "(garbage collector)"
        ? functionName
        : place;
    byPlace.set(group, (byPlace.get(group) ?? 0) + us / 1000);
  }
  return { samples, spanMs: spanUs / 1000, byFunction, byPlace };
}

/** Self time ranked; with `window`, only the samples taken inside it (the load, not the boot). */
export function summariseProfile(file: string, top = 15, window?: ProfileWindow) {
  const profile = readProfile(file);
  const { samples, spanMs, byFunction, byPlace } = selfTimeOf(profile, window);
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, percent: round((100 * ms) / spanMs, 1) }));
  return {
    samples,
    seconds: round(
      (window
        ? Math.min(window.toUs, profile.endTime) - Math.max(window.fromUs, profile.startTime)
        : profile.endTime - profile.startTime) / 1e6,
      1,
    ),
    by_function: rank(byFunction),
    by_place: rank(byPlace),
  };
}

/**
 * How two processes' busy time lines up: both profiles cut into buckets of `bucketMs` on the monotonic clock they
 * share, each bucket's busy share (samples that are not idle) compared. Two stages of one pipeline that hand work to
 * each other in waves show a negative correlation and few buckets where both are busy; two that work side by side,
 * a positive one. A bucket counts as busy for a process when at least half of it was.
 */
export function busyOverlap(files: Readonly<Record<string, string>>, window?: ProfileWindow, bucketMs = 5) {
  const roles = Object.keys(files);
  if (roles.length !== 2) throw new Error(`busyOverlap compares two profiles, not ${roles.length}`);
  const shares = roles.map((role) => busyShares(readProfile(files[role]), bucketMs * 1000, window));
  const buckets = [...shares[0].keys()].filter((k) => shares[1].has(k));
  const pairs = buckets.map((k) => [shares[0].get(k)!, shares[1].get(k)!] as const);
  const n = Math.max(1, pairs.length);
  const mean = (i: 0 | 1) => pairs.reduce((sum, p) => sum + p[i], 0) / n;
  const [m0, m1] = [mean(0), mean(1)];
  const spread = (i: 0 | 1, m: number) => Math.sqrt(pairs.reduce((sum, p) => sum + (p[i] - m) ** 2, 0) / n);
  const covariance = pairs.reduce((sum, [a, b]) => sum + (a - m0) * (b - m1), 0) / n;
  const spreads = spread(0, m0) * spread(1, m1);
  const share = (test: (a: boolean, b: boolean) => boolean) =>
    round(pairs.filter(([a, b]) => test(a >= 0.5, b >= 0.5)).length / n, 2);
  return {
    bucket_ms: bucketMs,
    buckets: pairs.length,
    busy: { [roles[0]]: round(m0, 2), [roles[1]]: round(m1, 2) },
    both_busy: share((a, b) => a && b),
    one_busy: share((a, b) => a !== b),
    neither_busy: share((a, b) => !a && !b),
    correlation: spreads === 0 ? null : round(covariance / spreads, 2),
  };
}

/** Each bucket's share of busy time (idle samples left out), keyed by the bucket's number on the monotonic clock. */
function busyShares(profile: CpuProfile, bucketUs: number, window?: ProfileWindow): Map<number, number> {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === IDLE).map((n) => n.id));
  const busy = new Map<number, number>();
  const total = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    const bucket = Math.floor(at / bucketUs);
    total.set(bucket, (total.get(bucket) ?? 0) + delta);
    if (!idle.has(id)) busy.set(bucket, (busy.get(bucket) ?? 0) + delta);
  });
  const shares = new Map<number, number>();
  for (const [bucket, us] of total) if (us > 0) shares.set(bucket, (busy.get(bucket) ?? 0) / us);
  return shares;
}

/** CPU µs a request by function and by place: the self times of some windows (idle left out) over their requests. */
export function usPerRequest(times: readonly SelfTime[], requests: number) {
  const merge = (pick: (t: SelfTime) => Map<string, number>) => {
    const merged = new Map<string, number>();
    for (const t of times) {
      for (const [name, ms] of pick(t))
        if (name !== IDLE && !name.startsWith(`${IDLE} `)) {
          merged.set(name, (merged.get(name) ?? 0) + (ms * 1000) / Math.max(1, requests));
        }
    }
    return merged;
  };
  const byFunction = merge((t) => t.byFunction);
  const byPlace = merge((t) => t.byPlace);
  return { totalUs: [...byPlace.values()].reduce((a, b) => a + b, 0), byFunction, byPlace };
}

/** The entries whose µs a request grew most from `before` to `after` (and the ones that fell most), rounded. */
export function growth(before: Map<string, number>, after: Map<string, number>, top = 12) {
  const names = new Set([...before.keys(), ...after.keys()]);
  const rows = [...names].map((name) => ({
    name,
    before_us: round(before.get(name) ?? 0, 1),
    after_us: round(after.get(name) ?? 0, 1),
    grew_us: round((after.get(name) ?? 0) - (before.get(name) ?? 0), 1),
  }));
  rows.sort((a, b) => b.grew_us - a.grew_us);
  return { grew_most: rows.slice(0, top), fell_most: rows.slice(-Math.min(top, 5)).reverse() };
}

/** The top entries of a µs-a-request map, rounded. */
export function rankUs(m: Map<string, number>, top = 12) {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, us: round(us, 1) }));
}
