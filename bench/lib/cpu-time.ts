/**
 * CPU time a process has used (user + system, from /proc/<pid>/stat): on a machine shared with other work the
 * wall-clock rate of a part depends on the load; the CPU a process spends per operation much less so.
 */
import fs from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Seconds of CPU the process has used so far, or null when it is gone (or not Linux). */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The pid of the process whose command line holds every one of `parts` (e.g. the Hardhat node on its port). */
export function pidByCommandLine(parts: readonly string[]): number | undefined {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (parts.every((part) => args.includes(part))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
