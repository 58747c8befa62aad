import type { AuthContext } from "../../common/request-context";
import { LOST_BATCH, type ReceiptCursor, type ReceiptStore, type StoredReceipt } from "../../store/receipts";
import { servedCallerOf } from "../auth/caller";
import { ReceiptNotFoundError, ReceiptOfOthersError } from "./errors";

export interface ReceiptListFilter {
  subjectRef?: string;
  agreementId?: string;
  since?: number;
  after?: ReceiptCursor;
  limit?: number;
}

/**
 * Reads receipts for departments and auditors. A department sees the receipts where it is the requester or the
 * provider; auditors see every receipt. A receipt is `anchored` once its batch's anchor is mined (then it comes with
 * the batch and its Merkle proof, which `AccessLedger.verifyReceiptFields` accepts), `pending` before, `lost` when its
 * batch is one its department declared lost (the receipt is kept, and can no longer be proved).
 */
export class ReceiptService {
  constructor(
    private readonly store: ReceiptStore,
    private readonly departmentIdOf: (key: string) => string | null,
    private readonly indexedBlock: () => number,
  ) {}

  get(id: string, caller: AuthContext) {
    const stored = this.store.get(id);
    if (!stored) throw new ReceiptNotFoundError(id);
    const department = this.visibleTo(caller);
    const { receipt } = stored;
    if (department !== null && receipt.department !== department && receipt.provider !== department) {
      throw new ReceiptOfOthersError(id);
    }
    const { status, batch } = this.anchoringOf(stored);
    return {
      receipt,
      ...envelopeOf(stored),
      leaf: stored.leaf,
      status,
      ...(status === "anchored" && batch !== null && batch.txHash !== null && batch.blockNumber !== null
        ? {
            batch: { sequence: batch.sequence, root: batch.root, txHash: batch.txHash, blockNumber: batch.blockNumber },
            proof: stored.proof ?? [],
          }
        : {}),
      block: this.indexedBlock(),
    };
  }

  list(filter: ReceiptListFilter, caller: AuthContext) {
    const limit = filter.limit ?? 100;
    const items = this.store.list({
      visibleTo: this.visibleTo(caller),
      subjectRef: filter.subjectRef,
      agreementId: filter.agreementId,
      since: filter.since,
      after: filter.after,
      limit,
    });
    const last = items.at(-1)?.receipt;
    // A full page may have a next one: its cursor is the last receipt's place in the listing's order.
    const next = items.length === limit && last ? `${last.time}.${last.department}.${last.sequence}` : null;
    return { items: items.map((s) => this.listItem(s)), next, block: this.indexedBlock() };
  }

  private listItem(stored: StoredReceipt) {
    const { status } = this.anchoringOf(stored);
    return {
      receipt: stored.receipt,
      ...envelopeOf(stored),
      leaf: stored.leaf,
      status,
      batchSequence: status === "lost" ? null : stored.batchSequence,
    };
  }

  /** Where a receipt stands: its batch anchored, waiting, or one its department declared lost (then no batch). */
  private anchoringOf(stored: StoredReceipt) {
    if (stored.batchSequence === LOST_BATCH) return { status: "lost" as const, batch: null };
    const batch =
      stored.batchSequence === null ? null : this.store.batch(stored.receipt.department, stored.batchSequence);
    return { status: batch?.status === "anchored" ? ("anchored" as const) : ("pending" as const), batch };
  }

  /** The department whose receipts the caller may see, or null for every receipt (auditors). */
  private visibleTo(caller: AuthContext): string | null {
    if (caller.role === "auditor") return null;
    return servedCallerOf(caller, { idOf: this.departmentIdOf }).id.toLowerCase();
  }
}

/** The exchange envelope's fields, beside the frozen receipt; nothing at all for a pre-federation receipt. */
function envelopeOf(stored: StoredReceipt) {
  return stored.envelope === null
    ? {}
    : { requestId: stored.envelope.requestId, role: stored.envelope.role, exchange: stored.envelope.exchange };
}
