import { TooManyRequestsError } from "../../common/errors";

/** A token asked for more subject references than its allowance in the window. */
export class SubjectRefRateLimitedError extends TooManyRequestsError {
  override readonly code = "subject_ref_rate_limited";
  constructor(limit: number, windowSeconds: number, retryAfterSeconds: number) {
    super(
      `this token may compute ${limit} subject references per ${windowSeconds} s`,
      { limit, windowSeconds },
      { retryAfterSeconds },
    );
  }
}
