/**
 * Fails when the contracts' test coverage drops below the floor: 95 % of lines and 90 % of branches over
 * contracts/ (mocks excluded), after `npm run coverage`. Reads coverage/coverage-summary.json (istanbul's
 * json-summary reporter) when there is one, else solidity-coverage's coverage.json (istanbul's raw format).
 *
 *   npx ts-node --transpile-only scripts/check-coverage.ts [--lines 95] [--branches 90] [file]
 */
import fs from "node:fs";
import path from "node:path";

interface Totals {
  lines: { covered: number; total: number };
  branches: { covered: number; total: number };
  files: number;
}

interface SummaryEntry {
  lines: { total: number; covered: number };
  branches: { total: number; covered: number };
}

interface RawEntry {
  path?: string;
  l?: Record<string, number>;
  b?: Record<string, number[]>;
}

function counted(file: string): boolean {
  const normalised = file.split(path.sep).join("/");
  return /(^|\/)contracts\//.test(normalised) && !/(^|\/)contracts\/mocks\//.test(normalised);
}

function fromSummary(summary: Record<string, SummaryEntry>): Totals {
  const totals: Totals = { lines: { covered: 0, total: 0 }, branches: { covered: 0, total: 0 }, files: 0 };
  for (const [file, entry] of Object.entries(summary)) {
    if (file === "total" || !counted(file)) continue;
    totals.files++;
    totals.lines.covered += entry.lines.covered;
    totals.lines.total += entry.lines.total;
    totals.branches.covered += entry.branches.covered;
    totals.branches.total += entry.branches.total;
  }
  return totals;
}

function fromRaw(raw: Record<string, RawEntry>): Totals {
  const totals: Totals = { lines: { covered: 0, total: 0 }, branches: { covered: 0, total: 0 }, files: 0 };
  for (const [file, entry] of Object.entries(raw)) {
    if (!counted(entry.path ?? file)) continue;
    totals.files++;
    for (const hits of Object.values(entry.l ?? {})) {
      totals.lines.total++;
      if (hits > 0) totals.lines.covered++;
    }
    for (const arms of Object.values(entry.b ?? {})) {
      for (const hits of arms) {
        totals.branches.total++;
        if (hits > 0) totals.branches.covered++;
      }
    }
  }
  return totals;
}

function percent(part: { covered: number; total: number }): number {
  return part.total === 0 ? 100 : (100 * part.covered) / part.total;
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value)) throw new Error(`${name} needs a number`);
  return value;
}

export function main(args: string[]): number {
  const minLines = option(args, "--lines", 95);
  const minBranches = option(args, "--branches", 90);
  const named = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--")));
  const candidates = named.length > 0 ? named : ["coverage/coverage-summary.json", "coverage.json"];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    console.error(`no coverage report (looked for ${candidates.join(", ")}); run npm run coverage first`);
    return 2;
  }
  const data = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  const totals =
    path.basename(file) === "coverage-summary.json"
      ? fromSummary(data as Record<string, SummaryEntry>)
      : fromRaw(data as Record<string, RawEntry>);
  if (totals.files === 0) {
    console.error(`${file}: no contract files (contracts/, mocks excluded) in the report`);
    return 2;
  }
  const lines = percent(totals.lines);
  const branches = percent(totals.branches);
  console.log(
    `${file}: ${totals.files} contract files; lines ${lines.toFixed(2)} % (${totals.lines.covered}/${totals.lines.total}, ` +
      `floor ${minLines} %), branches ${branches.toFixed(2)} % (${totals.branches.covered}/${totals.branches.total}, floor ${minBranches} %)`,
  );
  const failures: string[] = [];
  if (lines < minLines) failures.push(`lines ${lines.toFixed(2)} % < ${minLines} %`);
  if (branches < minBranches) failures.push(`branches ${branches.toFixed(2)} % < ${minBranches} %`);
  if (failures.length > 0) {
    console.error(`coverage below the floor: ${failures.join("; ")}`);
    return 1;
  }
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
