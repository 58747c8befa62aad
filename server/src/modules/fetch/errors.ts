import { HttpError } from "../../common/errors";

/**
 * A refused fetch: 403 (429 for `quota_exceeded`) with the reason and the id of the receipt. The reason is this
 * gateway's own (decide.ts) or the provider's, taken from its signed refusal.
 */
export class FetchDeniedError extends HttpError {
  override readonly status: number;
  override readonly code: string;
  override readonly title = "Data fetch refused";

  constructor(
    readonly reason: string,
    readonly receiptId: string,
    detail: string,
  ) {
    super(detail, { reason, receiptId });
    // The provider's signed `view_stale` is its view being behind, not a rule: retry later, as for this gateway's own.
    this.status = reason === "quota_exceeded" ? 429 : reason === "view_stale" ? 503 : 403;
    this.code = reason;
  }
}

/**
 * The exchange failed, or the provider's gateway answered with a signed failure of its own system (`upstream_…`):
 * 504 on a timeout, 502 otherwise, with the id of the `failed` receipt.
 */
export class ProviderFailedError extends HttpError {
  override readonly status: number;
  override readonly code: string;
  override readonly title = "The provider failed";

  constructor(
    readonly reason: string,
    readonly receiptId: string,
    detail: string,
  ) {
    super(detail, { reason, receiptId });
    this.status = reason === "provider_timeout" || reason === "upstream_timeout" ? 504 : 502;
    this.code = reason;
  }
}

/** The provider holds no record for the query (its signed `not_found`), with the receipt's id. */
export class RecordNotFoundError extends HttpError {
  override readonly status = 404;
  override readonly code = "record_not_found";
  override readonly title = "No such record at the provider";

  constructor(readonly receiptId: string) {
    super("the provider's system holds no record for this query", { reason: "not_found", receiptId });
  }
}

/** The grant id is not on chain (as of the latest indexed block). No receipt: nothing was decided. */
export class GrantNotFoundError extends HttpError {
  override readonly status = 404;
  override readonly code = "grant_not_found";
  override readonly title = "Not found";
}

/** Anchoring is behind its limit: fetches fail closed until the evidence is secured again. */
export class AnchoringBehindError extends HttpError {
  override readonly status = 503;
  override readonly code = "anchoring_behind";
  override readonly title = "Receipts are not being anchored";
}

/**
 * This gateway's view of the chain is too old to decide on (the indexer is behind the head, or the head cannot be
 * read, or the first catch-up has not completed): fetches fail closed, with a receipt when the grant is known.
 */
export class ViewStaleError extends HttpError {
  override readonly status = 503;
  override readonly code = "view_stale";
  override readonly title = "This gateway's view of the chain is stale";
}

/** The receipt could not be stored: nothing is delivered without it. */
export class ReceiptUnavailableError extends HttpError {
  override readonly status = 503;
  override readonly code = "receipt_unavailable";
  override readonly title = "The receipt could not be stored";
}
