/**
 * What a measured process used, read from Linux's /proc: its CPU time (user + system) and its resident memory. CPU
 * milliseconds per request are what a shared machine does not change much (the load average moves requests per
 * second, not the work each one costs), so the benchmark reports them beside the throughput; resident memory is
 * sampled once a second over the run to show whether it stays flat.
 */
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import { round } from "./context";
import type { LoadResult } from "./load";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU time the process has used so far (user + system), in ms; null when /proc cannot tell. */
export function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: the fields counted from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const [utime, stime] = [Number(fields[11]), Number(fields[12])];
    return ((utime + stime) / clockTicks()) * 1000;
  } catch {
    return null;
  }
}

/** Resident memory of the process in MB; null when /proc cannot tell. */
function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kb ? Number(kb[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples each process's resident memory once a second until stopped: MB, one array per name. */
export function sampleRss(pids: Record<string, number | undefined>): { stop(): Record<string, number[]> } {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((name) => [name, []]));
  const take = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const mb = rssMb(pid);
      if (mb !== null) samples[name].push(Math.round(mb));
    }
  };
  take();
  const timer = setInterval(take, 1_000);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** CPU ms each process used between two readings, by name. */
export function cpuBetween(
  before: Record<string, number | null>,
  after: Record<string, number | null>,
): Record<string, number | null> {
  return Object.fromEntries(
    Object.keys(before).map((name) => {
      const [b, a] = [before[name], after[name]];
      return [name, a === null || b === null ? null : a - b];
    }),
  );
}

/** CPU time of the named processes from now until `stop()`, in ms. */
export function cpuReader(pids: Record<string, number | undefined>) {
  const read = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
  const before = read();
  return { stop: () => cpuBetween(before, read()) };
}

/** CPU ms per answered request, by process and in total. */
export function perRequest(cpu: Record<string, number | null>, loaded: LoadResult): Record<string, number | null> {
  const answered = Math.max(1, loaded.requests);
  const each = Object.fromEntries(
    Object.entries(cpu).map(([name, ms]) => [name, ms === null ? null : round(ms / answered, 2)]),
  );
  const values = Object.values(cpu);
  const total = values.every((ms) => ms !== null) ? round(values.reduce((a, b) => a! + b!, 0)! / answered, 2) : null;
  return { ...each, total };
}
