import { HttpError } from "../../common/errors";
import type { DenialReason } from "./decide";
import type { UpstreamFailure } from "./upstream";

/** A refused fetch: 403 (429 for `quota_exceeded`) with the reason and the id of the `denied` receipt. */
export class FetchDeniedError extends HttpError {
  override readonly status: number;
  override readonly code: string;
  override readonly title = "Data fetch refused";

  constructor(
    readonly reason: DenialReason,
    readonly receiptId: string,
    detail: string,
  ) {
    super(detail, { reason, receiptId });
    this.status = reason === "quota_exceeded" ? 429 : 403;
    this.code = reason;
  }
}

/** The provider's system failed: 504 on a timeout, 502 otherwise, with the id of the `failed` receipt. */
export class UpstreamFailedError extends HttpError {
  override readonly status: number;
  override readonly code: string;
  override readonly title = "The provider's system failed";

  constructor(
    readonly reason: UpstreamFailure | "upstream_missing",
    readonly receiptId: string,
    detail: string,
  ) {
    super(detail, { reason, receiptId });
    this.status = reason === "upstream_timeout" ? 504 : 502;
    this.code = reason;
  }
}

/** The provider's system holds no record for the query (its 404, passed through), with the receipt's id. */
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

/** The receipt could not be stored: nothing is delivered without it. */
export class ReceiptUnavailableError extends HttpError {
  override readonly status = 503;
  override readonly code = "receipt_unavailable";
  override readonly title = "The receipt could not be stored";
}
