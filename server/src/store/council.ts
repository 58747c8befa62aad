import type { Db } from "../common/db";
import { migrate } from "../common/db";

export interface ProposalRow {
  id: number;
  /** Index of IConsortium.ProposalAction. */
  action: number;
  payload: string;
  proposer: string;
  expiresAt: number;
  approvals: number;
  /** Approvals needed as of the latest approval (the contract reports it with each). */
  required: number | null;
  executed: boolean;
  createdBlock: number;
  createdAt: number;
  createdTx: string;
  executedBlock: number | null;
  executedAt: number | null;
  executedTx: string | null;
}

export interface ApprovalRow {
  proposalId: number;
  departmentId: string;
  /** Approvals after this one. */
  approvals: number;
  blockNumber: number;
  blockTime: number;
  txHash: string;
}

export type ProposalState = "open" | "executed" | "expired";

interface Event {
  name: string;
  contract: string;
  args: Record<string, unknown>;
  blockNumber: number;
  logIndex: number;
  txHash: string;
  blockTime: number;
}

/** Council proposals and their approvals as the indexer has seen them (Consortium events). */
export class CouncilStore {
  /** True when the tables were created now and the indexed history must be replayed into them. */
  readonly fresh: boolean;

  constructor(private readonly db: Db) {
    this.fresh =
      migrate(db, "council", [
        `CREATE TABLE council_proposals (
           id INTEGER PRIMARY KEY, action INTEGER NOT NULL, payload TEXT NOT NULL, proposer TEXT NOT NULL,
           expires_at INTEGER NOT NULL, approvals INTEGER NOT NULL DEFAULT 0, required INTEGER,
           executed INTEGER NOT NULL DEFAULT 0,
           created_block INTEGER NOT NULL, created_at INTEGER NOT NULL, created_tx TEXT NOT NULL,
           executed_block INTEGER, executed_at INTEGER, executed_tx TEXT)`,
        `CREATE TABLE council_approvals (
           proposal_id INTEGER NOT NULL, department_id TEXT NOT NULL, approvals INTEGER NOT NULL,
           block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, block_time INTEGER NOT NULL,
           tx_hash TEXT NOT NULL,
           PRIMARY KEY (proposal_id, department_id))`,
      ]) > 0;
  }

  /** Applies Consortium proposal events; runs inside the indexer's transaction. Applying one twice changes nothing. */
  apply(events: readonly Event[]): void {
    for (const e of events) {
      if (e.contract !== "Consortium") continue;
      const a = e.args;
      switch (e.name) {
        case "ProposalCreated":
          this.db
            .prepare(
              `INSERT OR IGNORE INTO council_proposals
                 (id, action, payload, proposer, expires_at, created_block, created_at, created_tx)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              Number(a.proposalId),
              Number(a.action),
              String(a.payload).toLowerCase(),
              String(a.proposer).toLowerCase(),
              Number(a.expiresAt),
              e.blockNumber,
              e.blockTime,
              e.txHash,
            );
          break;
        case "ProposalApproved": {
          const inserted = this.db
            .prepare(
              `INSERT OR IGNORE INTO council_approvals
                 (proposal_id, department_id, approvals, block_number, log_index, block_time, tx_hash)
               VALUES (?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              Number(a.proposalId),
              String(a.departmentId).toLowerCase(),
              Number(a.approvals),
              e.blockNumber,
              e.logIndex,
              e.blockTime,
              e.txHash,
            );
          if (inserted.changes === 1) {
            this.db
              .prepare(`UPDATE council_proposals SET approvals = ?, required = ? WHERE id = ?`)
              .run(Number(a.approvals), Number(a.required), Number(a.proposalId));
          }
          break;
        }
        case "ProposalExecuted":
          this.db
            .prepare(
              `UPDATE council_proposals SET executed = 1, executed_block = ?, executed_at = ?, executed_tx = ?
               WHERE id = ?`,
            )
            .run(e.blockNumber, e.blockTime, e.txHash, Number(a.proposalId));
          break;
      }
    }
  }

  reset(): void {
    this.db.exec(`DELETE FROM council_proposals; DELETE FROM council_approvals;`);
  }

  get(id: number): ProposalRow | null {
    const row = this.db.prepare(`SELECT * FROM council_proposals WHERE id = ?`).get(id) as RawProposal | undefined;
    return row ? fromRaw(row) : null;
  }

  /** Proposals, newest first; `state` filters by status at `nowSeconds` (a proposal is open up to its expiry). */
  list(state: ProposalState | undefined, nowSeconds: number): ProposalRow[] {
    const where =
      state === "executed"
        ? `WHERE executed = 1`
        : state === "open"
          ? `WHERE executed = 0 AND expires_at >= @now`
          : state === "expired"
            ? `WHERE executed = 0 AND expires_at < @now`
            : ``;
    const statement = this.db.prepare(`SELECT * FROM council_proposals ${where} ORDER BY id DESC`);
    const rows = (where.includes("@now") ? statement.all({ now: nowSeconds }) : statement.all()) as RawProposal[];
    return rows.map(fromRaw);
  }

  approvals(proposalId: number): ApprovalRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM council_approvals WHERE proposal_id = ? ORDER BY block_number, log_index`)
        .all(proposalId) as RawApproval[]
    ).map((r) => ({
      proposalId: r.proposal_id,
      departmentId: r.department_id,
      approvals: r.approvals,
      blockNumber: r.block_number,
      blockTime: r.block_time,
      txHash: r.tx_hash,
    }));
  }
}

/** A proposal's status at a time: executed, else open up to and including its expiry, else expired. */
export function proposalState(row: Pick<ProposalRow, "executed" | "expiresAt">, nowSeconds: number): ProposalState {
  if (row.executed) return "executed";
  return nowSeconds > row.expiresAt ? "expired" : "open";
}

interface RawProposal {
  id: number;
  action: number;
  payload: string;
  proposer: string;
  expires_at: number;
  approvals: number;
  required: number | null;
  executed: number;
  created_block: number;
  created_at: number;
  created_tx: string;
  executed_block: number | null;
  executed_at: number | null;
  executed_tx: string | null;
}

interface RawApproval {
  proposal_id: number;
  department_id: string;
  approvals: number;
  block_number: number;
  log_index: number;
  block_time: number;
  tx_hash: string;
}

function fromRaw(r: RawProposal): ProposalRow {
  return {
    id: r.id,
    action: r.action,
    payload: r.payload,
    proposer: r.proposer,
    expiresAt: r.expires_at,
    approvals: r.approvals,
    required: r.required,
    executed: r.executed === 1,
    createdBlock: r.created_block,
    createdAt: r.created_at,
    createdTx: r.created_tx,
    executedBlock: r.executed_block,
    executedAt: r.executed_at,
    executedTx: r.executed_tx,
  };
}
