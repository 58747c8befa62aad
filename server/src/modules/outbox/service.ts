import type { KuajieChain } from "../../chain/adapter";
import type { AuthContext } from "../../common/request-context";
import { OutboxEntryNotFoundError, OutboxEntryOfOthersError } from "./errors";

/** The fate of a write answered 202: read from the chain adapter's outbox; a department sees only its own writes. */
export class OutboxService {
  constructor(private readonly chain: Pick<KuajieChain, "outboxRow" | "decodeLogs">) {}

  entry(outboxId: number, caller: AuthContext) {
    const row = this.chain.outboxRow(outboxId);
    if (!row) throw new OutboxEntryNotFoundError(outboxId);
    if (caller.role !== "auditor" && caller.departmentKey !== row.key) throw new OutboxEntryOfOthersError(outboxId);
    const meta = row.meta as { contract?: string; method?: string };
    return {
      id: row.id,
      department: row.key,
      contract: meta.contract ?? null,
      method: meta.method ?? null,
      status: row.status,
      nonce: row.nonce,
      txHash: row.txHash,
      blockNumber: row.blockNumber,
      error: row.error,
      revert: row.revert ? { errorName: row.revert.errorName, args: row.revert.args } : null,
      events: row.status === "mined" ? this.chain.decodeLogs(row) : [],
    };
  }
}
