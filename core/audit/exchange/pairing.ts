/**
 * Pairs the consumer's and the provider's receipts of each exchange by `requestId` and judges each combination by
 * the rule table of docs/FEDERATION.md §4 ("Pairing rules"): a crash that left one side without the other's
 * delivery is accepted, a delivery either side cannot account for is not.
 */
import { ZeroHash } from "ethers";
import type { Violation } from "../rules";
import type { ExchangeReceipt } from "./envelope";

/** Reasons a consumer closes an exchange with when its caller got nothing although the provider may have answered. */
const CRASH_REASONS: readonly string[] = ["not_delivered", "provider_timeout", "provider_unreachable"];

/** Reasons a consumer closes an exchange with only after its request left it: asked, and no valid answer kept. */
const ASKED_REASONS: readonly string[] = [...CRASH_REASONS, "provider_bad_signature"];

/** The verdict of one row of the rule table; `violation` rows also yield a violation. */
export type PairVerdict =
  | "delivered" // both sides delivered and agree
  | "refused" // both sides recorded a refusal or failure
  | "crash_closed" // provider delivered, consumer closed as not delivered to its caller
  | "no_answer" // consumer only, not delivered, no signed answer came
  | "provider_refusal_only" // provider only, a refusal (a forged or direct request, or a consumer that never sent)
  | "violation";

export interface PairOutcome {
  requestId: string;
  consumer?: ExchangeReceipt;
  provider?: ExchangeReceipt;
  verdict: PairVerdict;
  violations: Violation[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * A `no_answer` exchange whose consumer never asked the provider: refused on its own view (a denial with no signed
 * answer is the consumer's own), or failed before sending (`view_stale`, `provider_unknown`). Every consumer receipt
 * names a signed request, sent or not, so only the reason tells.
 */
export function closedBeforeAsking(outcome: PairOutcome): boolean {
  return (
    outcome.verdict === "no_answer" &&
    outcome.consumer !== undefined &&
    !ASKED_REASONS.includes(outcome.consumer.checked.receipt.reason)
  );
}

/** Pairs one consumer side's and one provider side's receipts; `name` says which receipt a receipt is, in words. */
export function pairExchanges(
  consumers: readonly ExchangeReceipt[],
  providers: readonly ExchangeReceipt[],
  name: (x: ExchangeReceipt) => string,
): { outcomes: PairOutcome[]; violations: Violation[] } {
  const violations: Violation[] = [];
  const index = (side: readonly ExchangeReceipt[]) => {
    const byId = new Map<string, ExchangeReceipt>();
    for (const x of side) {
      const key = x.requestId.toLowerCase();
      const first = byId.get(key);
      if (first) {
        violations.push({
          rule: "exchange_mismatch",
          receiptId: x.checked.receipt.id,
          counterpartId: first.checked.receipt.id,
          detail: `${name(x)} and ${name(first)} are two ${x.role} receipts of one requestId ${x.requestId}`,
        });
      } else byId.set(key, x);
    }
    return byId;
  };
  const byConsumer = index(consumers);
  const byProvider = index(providers);
  const outcomes: PairOutcome[] = [];
  for (const key of new Set([...byConsumer.keys(), ...byProvider.keys()])) {
    const outcome = judge(key, byConsumer.get(key), byProvider.get(key), name);
    outcomes.push(outcome);
    violations.push(...outcome.violations);
  }
  return { outcomes, violations };
}

function judge(
  requestId: string,
  c: ExchangeReceipt | undefined,
  p: ExchangeReceipt | undefined,
  name: (x: ExchangeReceipt) => string,
): PairOutcome {
  const outcome = (verdict: PairVerdict, violations: Violation[] = []): PairOutcome => ({
    requestId,
    consumer: c,
    provider: p,
    verdict: violations.length ? "violation" : verdict,
    violations,
  });
  const violation = (
    rule: Violation["rule"],
    about: ExchangeReceipt,
    other: ExchangeReceipt | undefined,
    detail: string,
  ) => ({
    rule,
    receiptId: about.checked.receipt.id,
    counterpartId: other?.checked.receipt.id,
    detail: other ? `${name(about)} and ${name(other)}: ${detail}` : `${name(about)}: ${detail}`,
  });

  if (c && !p) {
    const r = c.checked.receipt;
    if (r.result === "delivered")
      return outcome("violation", [
        violation(
          "exchange_unmatched",
          c,
          undefined,
          "the consumer delivered data and the provider has no receipt of the exchange",
        ),
      ]);
    if (c.response)
      return outcome("violation", [
        violation(
          "exchange_unmatched",
          c,
          undefined,
          "the consumer kept the provider's signed answer and the provider has no receipt of it",
        ),
      ]);
    return outcome("no_answer");
  }
  if (p && !c) {
    if (p.checked.receipt.result === "delivered")
      return outcome("violation", [
        violation(
          "exchange_unmatched",
          p,
          undefined,
          "the provider delivered and the consumer has no receipt of the exchange",
        ),
      ]);
    return outcome("provider_refusal_only");
  }
  const cr = c!.checked.receipt;
  const pr = p!.checked.receipt;
  const mismatch = (detail: string) => violation("exchange_mismatch", c!, p, detail);
  const found: Violation[] = [];
  if (!same(cr.requestHash, pr.requestHash)) found.push(mismatch("the anchored requestHash differs"));
  if (cr.grantId !== pr.grantId) found.push(mismatch(`grant ${cr.grantId} against ${pr.grantId}`));
  if (c!.responseDigest && p!.responseDigest && !same(c!.responseDigest, p!.responseDigest))
    found.push(mismatch("the consumer kept another signed answer than the one the provider recorded"));

  if (pr.result === "delivered") {
    if (cr.result === "delivered") {
      if (BigInt(cr.fieldMask) !== BigInt(pr.fieldMask))
        found.push(mismatch(`fields ${cr.fieldMask} against ${pr.fieldMask}`));
      if (!same(cr.responseHash, pr.responseHash))
        found.push(mismatch(`response hash ${cr.responseHash} against ${pr.responseHash}`));
      return outcome("delivered", found);
    }
    // Closed without delivering to its caller: after a crash or a lost answer (CRASH_REASONS), or on any other
    // reason (a revocation indexed during the call) when it kept the provider's signed answer as evidence.
    if (cr.result === "failed" && (CRASH_REASONS.includes(cr.reason) || c!.response !== undefined)) {
      if (!same(cr.responseHash, ZeroHash) && !same(cr.responseHash, pr.responseHash))
        found.push(mismatch(`the consumer closed as ${cr.reason} with a response hash the provider did not sign`));
      return outcome("crash_closed", found);
    }
    found.push(mismatch(`the provider recorded a delivery, the consumer a ${cr.result} exchange (${cr.reason})`));
    return outcome("violation", found);
  }
  if (cr.result === "delivered") {
    found.push(mismatch(`the consumer delivered data the provider recorded as ${pr.result} (${pr.reason})`));
    return outcome("violation", found);
  }
  return outcome("refused", found);
}
