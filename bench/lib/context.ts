/** What every benchmark part is given, and what it hands back. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./procs";

export interface BenchContext {
  quick: boolean;
  /** The measured fetch load's length in seconds when given (`--fetch-seconds`, e.g. a memory soak), else the mode's. */
  fetchSeconds?: number;
  /** Profile the measured processes even when the goal is met (`--profile`). */
  profile: boolean;
  /** Scratch directory of this run (databases, deployment files, process logs, receipt files). */
  workDir: string;
  logDir: string;
  log(message: string): void;
}

/** A part that cannot run yet (a feature it needs has not landed): it writes no file. */
export class Skipped extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "Skipped";
  }
}

const RESULTS_DIR = path.join(ROOT, "bench", "results");

export function writeResult(name: string, data: Record<string, unknown>): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + "\n");
  return file;
}

export function readResult(name: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, `${name}.json`), "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export const round = (value: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** The machine a part ran on, recorded with its figures: the machine is shared, its size says what they mean. */
export const machine = () => ({
  cpus: os.cpus().length,
  model: os.cpus()[0]?.model ?? "unknown",
  platform: `${os.platform()}-${os.arch()}`,
});

/** 1 / 5 / 15 min load average: how much other work shared the machine around a measurement. */
export const loadAverage = () => os.loadavg().map((l) => round(l, 2));
