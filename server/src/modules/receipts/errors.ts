import { ForbiddenError, NotFoundError } from "../../common/errors";

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
