/**
 * The console's page registry (the `PAGES` object of console/js/main.js) read from its source, so the console bench
 * opens every page a role may see without a second list to keep in step, and the per-page figures it reports.
 */
import { percentile, round } from "./context";

export interface ConsolePage {
  name: string;
  roles: string[];
  /** Reached from another page's links, not from the navigation. */
  hidden: boolean;
}

/** The entries of `const PAGES = { name: { page, roles: [...], hidden?, label? }, ... };` in registry order. */
export function consolePageRegistry(mainJs: string): ConsolePage[] {
  const body = /const PAGES = \{([\s\S]*?)\n\};/.exec(mainJs)?.[1];
  if (body === undefined) throw new Error("console/js/main.js: no `const PAGES = { ... };` registry");
  const entries = [...body.matchAll(/^\s*("[^"]+"|[A-Za-z_$][\w$]*)\s*:\s*\{([^}]*)\}/gm)].map(([, key, fields]) => {
    const roles = /roles:\s*\[([^\]]*)\]/.exec(fields)?.[1];
    if (roles === undefined) throw new Error(`console/js/main.js: page ${key} names no roles`);
    return {
      name: key.replace(/^"|"$/g, ""),
      roles: [...roles.matchAll(/"([^"]+)"/g)].map(([, role]) => role),
      hidden: /hidden:\s*true/.test(fields),
    };
  });
  if (entries.length === 0) throw new Error("console/js/main.js: the PAGES registry is empty");
  return entries;
}

export interface PageLoads {
  p50_ms: number;
  max_ms: number;
  samples_ms: number[];
}

/** p50 and max of one page's loads (to 0.1 ms), the samples in the order they were taken. */
export function pageLoads(samplesMs: readonly number[]): PageLoads {
  if (samplesMs.length === 0) throw new Error("no page load measured");
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    p50_ms: round(percentile(sorted, 50)),
    max_ms: round(sorted[sorted.length - 1]),
    samples_ms: samplesMs.map((ms) => round(ms)),
  };
}
