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

/** Self time ranked; with `window`, only the samples taken inside it (the load, not the boot). */
export function summariseProfile(file: string, top = 15, window?: ProfileWindow) {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfCount = new Map<number, number>();
  let at = profile.startTime;
  let total = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    total++;
    selfCount.set(id, (selfCount.get(id) ?? 0) + 1);
  });
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, count] of selfCount) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const place = where(url);
    const fn = `${functionName || "(anonymous)"} ${place}${url ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + count);
    const group =
      functionName === "(idle)" || functionName === "(program)" || functionName === "(garbage collector)"
        ? functionName
        : place;
    byPlace.set(group, (byPlace.get(group) ?? 0) + count);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, percent: round((100 * count) / total, 1) }));
  return {
    samples: total,
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
