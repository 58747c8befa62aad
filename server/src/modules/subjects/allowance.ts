import type { Counter } from "prom-client";
import type { RateLimiter } from "../../common/rate-limit";
import { SubjectRefRateLimitedError } from "./errors";

/**
 * Each token's allowance of subject references over `POST /v1/subjects/ref`. Identity numbers have little entropy
 * once region and birth date are known, so without a bound a token holder could test candidates against references
 * seen on chain; the bound is per token, and every computation is counted under the token's id so that a token that
 * computes more than its department's work explains shows on the dashboard. The gateway's own computations
 * (consents, fetches) do not go through here.
 */
export class SubjectRefAllowance {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly computations: Counter<"token_id">,
  ) {}

  /** Takes one computation from the token's allowance and counts it; 429 when the allowance is spent. */
  take(tokenId: number): void {
    const key = String(tokenId);
    const wait = this.limiter.blockedFor(key);
    if (wait !== null) {
      throw new SubjectRefRateLimitedError(this.limiter.limit, Math.round(this.limiter.windowMs / 1000), wait);
    }
    this.limiter.record(key);
    this.computations.inc({ token_id: key });
  }
}
