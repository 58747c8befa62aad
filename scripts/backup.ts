/**
 * A consistent copy of a gateway's database, taken while the gateway runs:
 *
 *   npm run backup -- <file> [--json]
 *
 * The database is `$KUAJIE_DATA_DIR/gateway.db` (default .kuajie/dev). SQLite's `VACUUM INTO` writes the copy from
 * one read transaction (a snapshot; the gateway's writes go on meanwhile, in WAL mode readers do not block them) to a
 * file beside `<file>`, which is checked (`PRAGMA quick_check`) and only then linked as `<file>` (a hard link, which
 * fails rather than replace a file that appeared meanwhile): an existing `<file>` is never overwritten. What the copy holds is printed: the indexed block, and for each department its last
 * receipt and its batches (anchored, pending), so that an operator can tell how far a restore of it would reach.
 *
 * Restoring, and what a copy older than the chain means: docs/RELIABILITY.md, "Backups".
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { gatewayDatabaseFile, loadDataDir } from "../server/src/common/config";

const USAGE = `usage: backup <file> [--json]
(database: $KUAJIE_DATA_DIR/gateway.db, default .kuajie/dev; <file> must not exist)`;

class UsageError extends Error {}

interface DepartmentSummary {
  department: string;
  lastReceipt: number;
  receipts: number;
  lastBatch: number | null;
  anchoredBatches: number;
  pendingBatches: number;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  seconds: number;
  indexedBlock: number | null;
  departments: DepartmentSummary[];
}

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** What a copy holds, read from the copy itself. */
function summarise(copy: Database.Database): Omit<BackupSummary, "file" | "bytes" | "seconds"> {
  const indexedBlock = tableExists(copy, "indexer_state")
    ? ((copy.prepare("SELECT MAX(indexed_block) FROM indexer_state").pluck().get() as number | null) ?? null)
    : null;
  const departments = new Map<string, DepartmentSummary>();
  const of = (department: string) => {
    let summary = departments.get(department);
    if (!summary) {
      summary = { department, lastReceipt: 0, receipts: 0, lastBatch: null, anchoredBatches: 0, pendingBatches: 0 };
      departments.set(department, summary);
    }
    return summary;
  };
  if (tableExists(copy, "receipts")) {
    const rows = copy
      .prepare(
        `SELECT lower(hex(department)) AS department, MAX(sequence) AS last, COUNT(*) AS count
         FROM receipts GROUP BY department`,
      )
      .all() as { department: string; last: number; count: number }[];
    for (const row of rows) Object.assign(of(`0x${row.department}`), { lastReceipt: row.last, receipts: row.count });
  }
  if (tableExists(copy, "receipt_batches")) {
    const rows = copy
      .prepare(
        `SELECT department, MAX(sequence) AS last, SUM(status = 'anchored') AS anchored, SUM(status = 'pending') AS pending
         FROM receipt_batches GROUP BY department`,
      )
      .all() as { department: string; last: number; anchored: number; pending: number }[];
    for (const row of rows)
      Object.assign(of(row.department), {
        lastBatch: row.last,
        anchoredBatches: row.anchored,
        pendingBatches: row.pending,
      });
  }
  return { indexedBlock, departments: [...departments.values()] };
}

/** Copies the database at `source` to `target` (which must not exist), checks the copy and says what it holds. */
export function backupDatabase(source: string, target: string): BackupSummary {
  if (!fs.existsSync(source)) throw new UsageError(`no gateway database at ${source} (is KUAJIE_DATA_DIR right?)`);
  if (fs.existsSync(target)) throw new UsageError(`${target} exists: a backup never overwrites a file`);
  const staging = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`);
  fs.rmSync(staging, { force: true });
  const startedAt = process.hrtime.bigint();
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    db.prepare("VACUUM INTO ?").run(staging);
  } finally {
    db.close();
  }
  let summary: Omit<BackupSummary, "file" | "bytes" | "seconds">;
  try {
    const copy = new Database(staging, { readonly: true, fileMustExist: true });
    try {
      const check = copy.pragma("quick_check", { simple: true });
      if (check !== "ok") throw new Error(`the copy failed SQLite's quick_check: ${String(check)}`);
      summary = summarise(copy);
    } finally {
      copy.close();
    }
    fs.linkSync(staging, target); // fails, rather than overwrites, if the target appeared meanwhile
  } finally {
    fs.rmSync(staging, { force: true });
  }
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  return { file: target, bytes: fs.statSync(target).size, seconds: Math.round(seconds * 100) / 100, ...summary };
}

function describe(summary: BackupSummary): string {
  const lines = [
    `backup written to ${summary.file} (${summary.bytes} bytes, ${summary.seconds} s), checked`,
    `  indexed up to block ${summary.indexedBlock ?? "none"}`,
  ];
  for (const d of summary.departments) {
    const batches =
      d.lastBatch === null
        ? "no batch"
        : `batches up to ${d.lastBatch} (${d.anchoredBatches} anchored, ${d.pendingBatches} pending)`;
    lines.push(`  department ${d.department}: ${d.receipts} receipts up to #${d.lastReceipt}, ${batches}`);
  }
  return lines.join("\n");
}

function run(argv: string[]): void {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? "one file, please" : "which file?");
  const target = path.resolve(positionals[0]);
  const summary = backupDatabase(gatewayDatabaseFile(loadDataDir()), target);
  process.stdout.write(`${values.json ? JSON.stringify(summary, null, 2) : describe(summary)}\n`);
}

if (require.main === module) {
  try {
    run(process.argv.slice(2));
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"));
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(usage ? `backup: ${message}\n${USAGE}\n` : `backup: ${message}\n`);
    process.exitCode = usage ? 2 : 1;
  }
}
