import { HttpError, NotFoundError } from "../../common/errors";

/**
 * The request's signature does not recover to an operator of `request.consumer` on this gateway's view: 401, with
 * the id of the denied provider receipt. Not signed: nobody authenticated is there to be answered.
 */
export class ExchangeBadSignatureError extends HttpError {
  override readonly status = 401;
  override readonly code = "exchange_bad_signature";
  override readonly title = "The exchange request is not signed by the consumer department";

  constructor(receiptId: string | null, detail: string) {
    super(detail, { reason: "exchange_bad_signature", ...(receiptId === null ? {} : { receiptId }) });
  }
}

/** No department this gateway serves provides the grant's resource: nothing to decide, nobody to sign, no receipt. */
export class ExchangeNotProvidedHereError extends NotFoundError {
  override readonly code = "exchange_not_provided_here";

  constructor(grantId: string) {
    super(`grant ${grantId} is not of a resource that a department of this gateway provides`, { grantId });
  }
}

/** The provider's receipts wait too long to be anchored: exchanges fail closed, unsigned and unrecorded. */
export class ExchangeAnchoringBehindError extends HttpError {
  override readonly status = 503;
  override readonly code = "anchoring_behind";
  override readonly title = "Service unavailable";
}

/** The provider receipt of a decision could not be stored: nothing is answered, signed or delivered. */
export class ExchangeReceiptUnavailableError extends HttpError {
  override readonly status = 503;
  override readonly code = "receipt_unavailable";
  override readonly title = "Service unavailable";
}
