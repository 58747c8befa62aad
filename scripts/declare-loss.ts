/**
 * Declares on chain that a department's gateway has lost anchored receipts for good, so that it can carry on:
 *
 *   npm run declare-loss -- --reason <text> [--department <key>] [--yes] [--json]
 *
 * Run where the gateway runs, with its configuration (`KUAJIE_DATA_DIR` / `KUAJIE_CONFIG_FILE`, as `npm run tokens`):
 * it reads the gateway's database for the first batch of the department that AccessLedger holds and the database does
 * not (the divergence `/healthz` names), and the chain for the department's head. Without `--yes` it only says what
 * would be declared. With `--yes` the department's key (the gateway's, which must be its admin operator) sends
 * `AccessLedger.declareLoss(firstBatch, keccak256(reason))`: the batches from there through the last are declared lost,
 * where every auditor sees them (`audit receipts` reports `receipts_lost`). The gateway, running or started later,
 * indexes the declaration, numbers its next receipt after the last anchored one (a new hash chain) and serves again.
 *
 * Only the reason's hash goes on chain; keep the text (the incident report) where the council and the auditors can
 * match it. A database that holds a batch with another root than the chain's is refused: a second gateway anchors for
 * the department, which a declared loss would not resolve. docs/RELIABILITY.md, "Backups".
 */
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { keccak256, toUtf8Bytes, type ContractRunner } from "ethers";
import { departmentIdOf } from "../core/identity/uscc";
import { loadServedSigners } from "../server/src/chain/keys";
import { readDeployment, type Deployment } from "../server/src/chain/deployment";
import { createProvider } from "../server/src/chain/provider";
import { loadConfig } from "../server/src/common/config";
import { readServedDepartments } from "../server/src/modules/departments/service";
import { AccessLedger__factory, Consortium__factory } from "../typechain-types";

const USAGE = `usage: declare-loss --reason <text> [--department <key>] [--yes] [--json]
(the gateway's configuration: KUAJIE_DATA_DIR or KUAJIE_CONFIG_FILE; without --yes, only says what it would declare)`;

class UsageError extends Error {}

/** Why there is nothing this database can declare (exit 1, not a usage error). */
export class LossRefusedError extends Error {}

/** What a declaration would say: the batches and receipts lost, from the database's first missing batch on. */
export interface LossPlan {
  department: string;
  /** The first batch the chain holds and this database does not. */
  firstBatch: number;
  /** The department's last anchored batch and receipt on chain: lost too. */
  lastBatch: number;
  firstReceipt: number;
  lastReceipt: number;
}

interface DivergenceRow {
  batch_sequence: number;
  local_root: string | null;
}

/**
 * Plans the declaration for `department` from the gateway's database (its recorded divergences) and the chain. Throws
 * LossRefusedError when there is nothing to declare, or when declaring would not help.
 */
export async function planLoss(
  db: Database.Database,
  ledgerAddress: string,
  runner: ContractRunner | null,
  department: string,
) {
  const id = department.toLowerCase();
  const hasTable = db
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'receipt_divergences'`)
    .get();
  const first = hasTable
    ? (db
        .prepare(
          `SELECT batch_sequence, local_root FROM receipt_divergences WHERE department = ?
                  ORDER BY batch_sequence LIMIT 1`,
        )
        .get(id) as DivergenceRow | undefined)
    : undefined;
  if (first === undefined) {
    throw new LossRefusedError(
      `this database holds every batch of department ${id} that its gateway has seen anchored: nothing to declare ` +
        `(a gateway that has not caught up with the chain yet says so in /healthz; let it catch up first)`,
    );
  }
  if (first.local_root !== null) {
    throw new LossRefusedError(
      `this database holds batch ${first.batch_sequence} of department ${id} with another root than the chain's: ` +
        `a second gateway anchors for the department. Stop it; declaring a loss would not resolve that`,
    );
  }
  const ledger = AccessLedger__factory.connect(ledgerAddress, runner);
  const [[lastBatch, lastReceipt], lostThrough, batch] = await Promise.all([
    ledger.head(id),
    ledger.lostThrough(id),
    ledger.batch(id, first.batch_sequence),
  ]);
  if (BigInt(first.batch_sequence) <= lostThrough) {
    throw new LossRefusedError(
      `batches of department ${id} up to ${lostThrough} are already declared lost on chain: the gateway carries on ` +
        `once it has indexed the declaration`,
    );
  }
  return {
    department: id,
    firstBatch: first.batch_sequence,
    lastBatch: Number(lastBatch),
    firstReceipt: Number(batch.firstReceiptSequence),
    lastReceipt: Number(lastReceipt),
  } satisfies LossPlan;
}

/** The hash of a loss's reason, as declared: keccak256 of its UTF-8 text. */
export function lossReasonHash(reason: string): string {
  return keccak256(toUtf8Bytes(reason));
}

/** Sends the declaration with `signer` (an admin operator of the department) and waits for it to be mined. */
export async function declareLoss(plan: LossPlan, ledgerAddress: string, signer: ContractRunner, reason: string) {
  const ledger = AccessLedger__factory.connect(ledgerAddress, signer);
  const mined = await (await ledger.declareLoss(plan.firstBatch, lossReasonHash(reason))).wait();
  if (mined === null || mined.status !== 1) throw new Error("the declaration was not mined");
  return { txHash: mined.hash, blockNumber: mined.blockNumber };
}

function describe(plan: LossPlan, reason: string): string {
  const batches =
    plan.firstBatch === plan.lastBatch ? `batch ${plan.firstBatch}` : `batches ${plan.firstBatch}..${plan.lastBatch}`;
  return [
    `department ${plan.department}: the chain holds its batches up to ${plan.lastBatch} (receipts up to ${plan.lastReceipt});`,
    `this database lacks ${batches} (receipts ${plan.firstReceipt}..${plan.lastReceipt}, ${plan.lastReceipt - plan.firstReceipt + 1} in all).`,
    `declaring them lost, reason hash ${lossReasonHash(reason)}; numbering goes on at receipt ${plan.lastReceipt + 1}.`,
  ].join("\n");
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      reason: { type: "string" },
      department: { type: "string" },
      yes: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected ${positionals[0]}`);
  const reason = values.reason?.trim();
  if (!reason)
    throw new UsageError("--reason is required: the incident report's reference (only its hash goes on chain)");
  const config = loadConfig();
  const served = readServedDepartments(config.departmentsFile);
  const chosen = values.department ?? (served.length === 1 ? served[0].key : undefined);
  const department = served.find((d) => d.key === chosen);
  if (department === undefined) {
    throw new UsageError(
      chosen === undefined
        ? `--department is required: this gateway serves ${served.map((d) => d.key).join(", ")}`
        : `this gateway does not serve ${chosen} (it serves ${served.map((d) => d.key).join(", ")})`,
    );
  }
  const deployment: Deployment = readDeployment(config.deploymentFile);
  const signers = await loadServedSigners(
    config.keys,
    served.map((d) => d.key),
    [department.key],
  );
  const provider = await createProvider(config.rpcUrl, { chainId: deployment.chainId });
  const db = new Database(config.databaseFile, { readonly: true, fileMustExist: true });
  try {
    const id = departmentIdOf(department.code);
    const plan = await planLoss(db, deployment.contracts.AccessLedger, provider, id);
    const signer = signers.get(department.key)!.connect(provider);
    const [actsFor, admin] = await Consortium__factory.connect(deployment.contracts.Consortium, provider).operatorOf(
      signer.address,
    );
    if (actsFor.toLowerCase() !== id || !admin) {
      throw new LossRefusedError(
        `the gateway's key ${signer.address} is not an admin operator of ${department.key}: the department's admin ` +
          `declares with their own key (AccessLedger.declareLoss(${plan.firstBatch}, ${lossReasonHash(reason)}))`,
      );
    }
    if (!values.yes) {
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ ...plan, reasonHash: lossReasonHash(reason), declared: false }, null, 2)}\n`
          : `${describe(plan, reason)}\nnothing sent: run again with --yes to declare.\n`,
      );
      return;
    }
    const sent = await declareLoss(plan, deployment.contracts.AccessLedger, signer, reason);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ ...plan, reasonHash: lossReasonHash(reason), declared: true, ...sent }, null, 2)}\n`
        : `${describe(plan, reason)}\ndeclared in transaction ${sent.txHash} (block ${sent.blockNumber}); the gateway carries on once it has indexed it.\n`,
    );
  } finally {
    db.close();
    provider.destroy();
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((error: unknown) => {
    const usage =
      error instanceof UsageError ||
      (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"));
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(usage ? `declare-loss: ${message}\n${USAGE}\n` : `declare-loss: ${message}\n`);
    process.exitCode = usage ? 2 : 1;
  });
}
