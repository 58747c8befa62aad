import { ForbiddenError, HttpError, NotFoundError } from "../../common/errors";
import type { ReceiptDivergence } from "../../store/receipts";

export class ReceiptNotFoundError extends NotFoundError {
  constructor(receiptId: string) {
    super(`no receipt with id ${receiptId}`, { receiptId });
  }
}

/** A department sees only the receipts of its own fetches, as requester or provider. */
export class ReceiptOfOthersError extends ForbiddenError {
  constructor(receiptId: string) {
    super("this receipt is of a fetch between other departments", { receiptId });
  }
}

/** What a divergence means, in words, for the log and the refusal. */
export function divergenceDetail(d: ReceiptDivergence): string {
  const held =
    d.localRoot === null
      ? "which this gateway's database does not hold"
      : `which this gateway's database holds with another root (${d.localRoot})`;
  return (
    `AccessLedger anchored batch ${d.batchSequence} of department ${d.department} (root ${d.chainRoot}, ` +
    `transaction ${d.txHash} in block ${d.blockNumber}), ${held}: the database is older than the chain (restored ` +
    "from an older backup?) or another gateway anchors this department's receipts. New receipts would reuse sequence " +
    "numbers the chain has anchored, so fetches and exchanges are refused until the database that holds that batch " +
    "is restored" +
    (d.localRoot === null
      ? ", or the department's admin declares the receipts it lacks lost on chain (npm run declare-loss)"
      : "") +
    ' (docs/RELIABILITY.md, "Backups")'
  );
}

/**
 * The chain holds receipts of the department that this gateway's database does not: fetches (both sides) fail closed,
 * unsigned and unrecorded, for as long as the database is the wrong one.
 */
export class ReceiptsDivergedError extends HttpError {
  override readonly status = 503;
  override readonly code = "receipts_diverged";
  override readonly title = "This gateway's receipts are behind the chain";

  constructor(divergence: ReceiptDivergence) {
    super(divergenceDetail(divergence), {
      department: divergence.department,
      batchSequence: divergence.batchSequence,
      chainRoot: divergence.chainRoot,
    });
  }
}
