/**
 * The consumer's half of a federated data fetch (docs/FEDERATION.md §3). This gateway never calls a backend: it
 * checks what it can on its own view, signs an `ExchangeRequest` with its department's key, records the intent
 * durably, asks the provider's gateway, verifies the signed answer, checks the policy once more, writes its consumer
 * receipt and closes the intent — all before the caller sees any data.
 *
 * Order: anchoring behind (503, no receipt) → grant known (404, no receipt) → view stale (503 `view_stale`, a failed
 * receipt) → the policy (decide.ts) → this gateway's quota → the exchange. Denials are 403 (429 for the quota) with a
 * `denied` receipt, the provider's signed refusals too (with the provider's reason); an exchange that gives no
 * verifiable answer is a `failed` receipt (`provider_unreachable` 502, `provider_timeout` 504,
 * `provider_bad_signature` 502, `provider_unknown` 502); the provider's signed failures pass through (`not_found`
 * 404, `upstream_timeout` 504, other 502).
 *
 * Hashes: `requestHash` = the EIP-712 digest of the signed request (the same in both receipts of the exchange);
 * `responseHash` = the provider's signed hash of exactly what it returned (zero when nothing was delivered).
 */
import { randomBytes } from "node:crypto";
import { hexlify, ZeroAddress, ZeroHash, type TypedDataDomain } from "ethers";
import {
  requestDigest,
  signRequest,
  type ExchangeRequest,
  type ExchangeResponse,
  type TypedDataSigner,
} from "../../../../core/exchange";
import { DELIVERED_REASON, type Receipt, type ReceiptResult } from "../../../../core/receipt";
import { canonicalJsonHash } from "../../../../core/json/canonical-json";
import { checksummed } from "../../../../core/crypto/ecdsa";
import { maskToFields } from "../../common/field-mask";
import type { Metrics } from "../../common/metrics";
import type { AuthContext } from "../../common/request-context";
import { codeToBytes32 } from "../../common/short-codes";
import { subjectRef as computeSubjectRef } from "../../common/subject-ref";
import { TurnGate } from "../../common/turn-gate";
import type { IntentStore } from "../../store/intents";
import { servedCallerOf } from "../auth/caller";
import type { Anchorer } from "../receipts/anchorer";
import { ReceiptsDivergedError } from "../receipts/errors";
import type { ReceiptDraft, RecordedReceipt } from "../receipts/recorder";
import { onlyGranted, type DataRecord } from "../../common/backend-client";
import { providerDetail, verifyAnswer, type VerifiedAnswer } from "./answer";
import { decide, type FetchRequestFacts, type PolicyDecision } from "./decide";
import {
  AnchoringBehindError,
  FetchDeniedError,
  GrantNotFoundError,
  ProviderFailedError,
  ReceiptUnavailableError,
  RecordNotFoundError,
  ViewStaleError,
} from "./errors";
import { callProvider, type ExchangeClient } from "./exchange-client";
import type { ConsumerEvidence, ConsumerReceiptWriter } from "./evidence";
import type { AccessPolicy } from "./policy";
import type { QuotaCounters } from "./quota";
import type { FetchRequest } from "./schemas";

export interface FetchServiceOptions {
  policy: AccessPolicy;
  quota: QuotaCounters;
  /** Stores a consumer receipt with its exchange envelope; resolves once it is durable. */
  record: ConsumerReceiptWriter;
  intents: IntentStore;
  /**
   * Writes `change` in the receipts' next group commit and resolves once it is durable (one transaction for what
   * concurrent fetches write in a turn of the event loop). Without it, `change` runs at once in its own transaction.
   */
  commit?: (change: () => void) => Promise<void>;
  anchorer: Pick<Anchorer, "lagMs" | "divergence">;
  metrics: Metrics;
  consortiumSecret: Uint8Array;
  /** The EIP-712 domain of the exchange (chain id, Consortium address). */
  domain: TypedDataDomain;
  exchangeTimeoutMs: number;
  anchorMaxLagSeconds: number;
  maxViewLagSeconds: number;
  departmentIdOf: (key: string) => string | null;
  gatewayAccountOf: (key: string) => string | null;
  /** The key this gateway signs exchange requests with for a served department, null when it serves none. */
  signerOf: (key: string) => TypedDataSigner | null;
  /** The published exchange endpoint of an active department, null when there is none. */
  endpointOf: (departmentId: string) => string | null;
  indexedBlock: () => number;
  /** When the indexed view was last level with the chain's head (ms), null before the first catch-up. */
  viewSyncedAtMs: () => number | null;
  exchange?: ExchangeClient;
  nowMs?: () => number;
  /** Fetches begun in one turn of the event loop at most, the others in the next turns (`TurnGate`; 0 or none: all). */
  admitPerTurn?: number;
}

export interface FetchResult {
  data: DataRecord | DataRecord[];
  receipt: { id: string; status: "pending" };
  block: number;
}

/** What a consumer receipt needs besides the outcome: kept in the intent so that recovery can write it too. */
export interface ReceiptContext {
  time: number;
  department: string;
  account: string;
  grantId: string;
  agreementId: string;
  consentId: string;
  provider: string;
  resourceId: string;
  resourceVersion: number;
  fieldMask: string;
  subjectRef: string;
  purpose: string;
  requestHash: string;
}

export function consumerDraft(
  context: ReceiptContext,
  result: ReceiptResult,
  reason: string,
  delivered: { fieldMask: string; responseHash: string } | null = null,
): ReceiptDraft {
  return {
    ...context,
    account: checksummed(context.account),
    fieldMask: delivered?.fieldMask ?? "0x0",
    result,
    reason,
    responseHash: delivered?.responseHash ?? ZeroHash,
  };
}

export class FetchService {
  private readonly exchange: ExchangeClient;
  private readonly nowMs: () => number;
  private readonly admissions: TurnGate;

  constructor(private readonly options: FetchServiceOptions) {
    this.exchange = options.exchange ?? callProvider;
    this.nowMs = options.nowMs ?? Date.now;
    this.admissions = new TurnGate(options.admitPerTurn ?? 0);
  }

  /** Seconds since the indexed view was last level with the head; Infinity before the first catch-up. */
  viewLagSeconds(): number {
    const synced = this.options.viewSyncedAtMs();
    return synced === null ? Number.POSITIVE_INFINITY : Math.max(0, (this.nowMs() - synced) / 1000);
  }

  async fetch(caller: AuthContext, request: FetchRequest): Promise<FetchResult> {
    const admission = this.admissions.admit();
    if (admission !== null) await admission;
    const { policy, quota, metrics } = this.options;
    const { key, id: department } = servedCallerOf(caller, { idOf: this.options.departmentIdOf });
    const diverged = this.options.anchorer.divergence(department);
    if (diverged !== null) {
      metrics.fetchDecisions.inc({ reason: "receipts_diverged" });
      throw new ReceiptsDivergedError(diverged);
    }
    const lagMs = this.options.anchorer.lagMs(department);
    if (lagMs > this.options.anchorMaxLagSeconds * 1000) {
      metrics.fetchDecisions.inc({ reason: "anchoring_behind" });
      throw new AnchoringBehindError(
        `receipts of this department have waited ${Math.round(lagMs / 1000)} s to be anchored (limit ` +
          `${this.options.anchorMaxLagSeconds} s): fetches are refused until anchoring catches up`,
        {},
        { retryAfterSeconds: 5 },
      );
    }
    const viewLag = this.viewLagSeconds();
    const stale = viewLag > this.options.maxViewLagSeconds;
    const staleDetail = () =>
      Number.isFinite(viewLag)
        ? `this gateway's view of the chain was last level with the head ${Math.round(viewLag)} s ago (limit ` +
          `${this.options.maxViewLagSeconds} s): fetches are refused until it catches up`
        : "this gateway has not caught up with the chain yet: fetches are refused until it has";
    const grant = policy.grant(request.grantId);
    if (!grant) {
      if (stale) {
        metrics.fetchDecisions.inc({ reason: "view_stale" });
        throw new ViewStaleError(staleDetail(), { reason: "view_stale" }, { retryAfterSeconds: 5 });
      }
      throw new GrantNotFoundError(`no grant with id ${request.grantId}`, { grantId: request.grantId });
    }

    const block = this.options.indexedBlock();
    const now = policy.now(this.nowMs());
    const agreement = policy.agreement(grant.agreementId);
    const resource = agreement ? policy.resource(agreement.resourceId) : undefined;
    const subjectRef = request.subject
      ? computeSubjectRef(this.options.consortiumSecret, request.subject.idType, request.subject.idNumber)
      : null;
    const purpose = codeToBytes32(request.purpose.code);
    const gatewayAccount = this.options.gatewayAccountOf(key);
    const facts = { department, gatewayAccount, purpose, subjectRef, now };
    const decision = decide(policy, grant, agreement, resource, facts);

    const exchangeRequest: ExchangeRequest = {
      requestId: hexlify(randomBytes(32)),
      consumer: department,
      grantId: grant.id,
      purpose,
      subjectRef: subjectRef ?? ZeroHash,
      fieldMask: `0x${grant.fieldMask.toString(16)}`,
      paramsHash: canonicalJsonHash(request.params ?? null),
      // The wall clock, not `now`: the provider checks it against its own clock, whatever a test chain's time says.
      time: Math.floor(this.nowMs() / 1000),
    };
    const digest = requestDigest(this.options.domain, exchangeRequest);
    const context = (consentId: string | null, account: string): ReceiptContext => ({
      time: now,
      department,
      account,
      grantId: grant.id,
      agreementId: grant.agreementId,
      consentId: consentId ?? ZeroHash,
      provider: agreement?.provider ?? ZeroHash,
      resourceId: agreement?.resourceId ?? ZeroHash,
      resourceVersion: resource?.version ?? 1,
      fieldMask: "0x0",
      subjectRef: subjectRef ?? ZeroHash,
      purpose,
      requestHash: digest,
    });
    // Every consumer receipt names its request, signed, even a refusal whose request never left this gateway: the
    // auditor checks each one's requestHash against the request and the consumer's signature alike.
    const signer = this.options.signerOf(key);
    if (signer === null) throw new Error(`this gateway holds no signing key for ${key}`);
    const signature = await signRequest(signer, this.options.domain, exchangeRequest, digest);
    const evidence: ConsumerEvidence = {
      requestId: exchangeRequest.requestId,
      role: "consumer",
      exchange: { request: exchangeRequest, requestSignature: signature },
    };
    const refuse = async (reason: string, detail: string, consentId: string | null, account: string) => {
      const recorded = await this.record(consumerDraft(context(consentId, account), "denied", reason), evidence);
      metrics.fetchDecisions.inc({ reason });
      return new FetchDeniedError(reason, recorded.receipt.id, detail);
    };

    if (stale) {
      const account = decision.allowed ? decision.account : grant.grantee;
      const recorded = await this.record(
        consumerDraft(context(decision.consentId, account), "failed", "view_stale"),
        evidence,
      );
      metrics.fetchDecisions.inc({ reason: "view_stale" });
      throw new ViewStaleError(
        staleDetail(),
        { reason: "view_stale", receiptId: recorded.receipt.id },
        { retryAfterSeconds: 5 },
      );
    }
    if (!decision.allowed) {
      const account = decision.reason === "grant_not_owned" ? (gatewayAccount ?? ZeroAddress) : grant.grantee;
      throw await refuse(decision.reason, decision.detail, decision.consentId, account);
    }
    const scope = { grantId: grant.id, agreementId: grant.agreementId };
    const over = agreement ? quota.exceeded(scope, grant.quota, agreement.quota, now) : null;
    if (over !== null) {
      throw await refuse("quota_exceeded", `the ${over}'s call quota is used up`, decision.consentId, decision.account);
    }
    const base = context(decision.consentId, decision.account);
    const fail = async (
      reason: string,
      detail: string,
      answer?: { response?: ExchangeResponse; signature?: string },
    ) => {
      const recorded = await this.settle(exchangeRequest.requestId, consumerDraft(base, "failed", reason), {
        ...evidence,
        exchange: {
          ...evidence.exchange,
          ...(answer?.response && answer.signature
            ? { response: answer.response, responseSignature: answer.signature }
            : {}),
        },
      });
      metrics.fetchDecisions.inc({ reason: "failed" });
      return reason === "not_found"
        ? new RecordNotFoundError(recorded.receipt.id)
        : new ProviderFailedError(reason, recorded.receipt.id, detail);
    };

    const provider = agreement?.provider ?? ZeroHash;
    const endpoint = this.options.endpointOf(provider);
    // Reserved now so that concurrent fetches cannot all take the last call; given back if nothing is delivered.
    quota.reserve(scope, now);
    let delivered = false;
    try {
      await this.openIntent(key, exchangeRequest, signature, provider, base, request.params);
      if (endpoint === null) {
        throw await fail("provider_unknown", "the provider department has published no exchange endpoint");
      }
      const transport = await this.exchange(
        endpoint,
        {
          request: exchangeRequest,
          signature,
          ...(request.subject ? { subject: request.subject } : {}),
          ...(request.params ? { params: request.params } : {}),
          atBlock: block,
        },
        this.options.exchangeTimeoutMs,
      );
      if (transport.kind !== "answered") {
        throw await fail(transport.kind === "timeout" ? "provider_timeout" : "provider_unreachable", transport.detail);
      }
      const answer = this.verify(transport.body, exchangeRequest.requestId, digest, provider);
      // An answer that does not verify is no evidence of anything the provider said: it is not kept.
      if (!answer.ok) throw await fail("provider_bad_signature", answer.detail);
      const withAnswer: ConsumerEvidence = {
        ...evidence,
        exchange: { ...evidence.exchange, response: answer.response, responseSignature: answer.signature },
      };
      if (answer.response.result === "denied") {
        const recorded = await this.settle(
          exchangeRequest.requestId,
          consumerDraft(base, "denied", answer.reason),
          withAnswer,
        );
        metrics.fetchDecisions.inc({ reason: answer.reason });
        const explained = providerDetail(transport.body);
        throw new FetchDeniedError(
          answer.reason,
          recorded.receipt.id,
          `the provider refused: ${answer.reason}${explained ? ` (${explained})` : ""}`,
        );
      }
      if (answer.response.result === "failed" || answer.data === null) {
        throw await fail(answer.reason, `the provider's system failed: ${answer.reason}`, answer);
      }
      // Once more on the view as it is now: a revocation indexed while the provider answered stops the delivery.
      const again = this.decideAgain(grant.id, facts);
      if (!again.allowed) {
        const recorded = await this.settle(
          exchangeRequest.requestId,
          consumerDraft(base, "failed", again.reason),
          withAnswer,
        );
        metrics.fetchDecisions.inc({ reason: again.reason });
        throw new FetchDeniedError(again.reason, recorded.receipt.id, `${again.detail} (while the provider answered)`);
      }
      const data = onlyGranted(answer.data, resource ? maskToFields(resource.fields, grant.fieldMask) : []);
      const recorded = await this.settle(
        exchangeRequest.requestId,
        consumerDraft(base, "delivered", DELIVERED_REASON, {
          fieldMask: `0x${grant.fieldMask.toString(16)}`,
          responseHash: answer.response.responseHash.toLowerCase(),
        }),
        withAnswer,
      );
      delivered = true;
      metrics.fetchDecisions.inc({ reason: "delivered" });
      return { data, receipt: { id: recorded.receipt.id, status: "pending" }, block };
    } finally {
      if (!delivered) quota.release(scope, now);
    }
  }

  /** The policy's decision on the state indexed by now (the folds replace what they change, so look it up again). */
  private decideAgain(grantId: string, facts: FetchRequestFacts): PolicyDecision {
    const { policy } = this.options;
    const grant = policy.grant(grantId);
    if (!grant)
      return { allowed: false, reason: "grant_inactive", consentId: null, detail: `grant ${grantId} is gone` };
    const agreement = policy.agreement(grant.agreementId);
    const resource = agreement ? policy.resource(agreement.resourceId) : undefined;
    return decide(policy, grant, agreement, resource, { ...facts, now: policy.now(this.nowMs()) });
  }

  /** Checks a provider's answer against this gateway's view (signer acts for the provider department). */
  verify(body: unknown, requestId: string, digest: string, provider: string): VerifiedAnswer {
    return verifyAnswer(body, {
      domain: this.options.domain,
      requestId,
      requestDigest: digest,
      provider,
      actsFor: (account, department) => this.options.policy.actsFor(account, department),
    });
  }

  /** Stores the exchange's intent; resolves once it is durable, before anything is asked of the provider. */
  private async openIntent(
    key: string,
    request: ExchangeRequest,
    signature: string,
    provider: string,
    context: ReceiptContext,
    params: Record<string, unknown> | undefined,
  ): Promise<void> {
    const intent = {
      requestId: request.requestId,
      departmentKey: key,
      request,
      signature,
      provider,
      context,
      params: params ?? null,
      createdMs: this.nowMs(),
    };
    const { intents, commit } = this.options;
    try {
      if (commit) await commit(() => intents.open(intent));
      else intents.open(intent);
    } catch (error) {
      throw new ReceiptUnavailableError(
        "the intent of this exchange could not be stored; nothing was asked of the provider",
        {},
        { cause: error, retryAfterSeconds: 1 },
      );
    }
  }

  /**
   * Writes the consumer receipt of an exchange and closes its intent in the same transaction (never a receipt with
   * its intent still open, which a restart would complete a second time), both before anything is answered.
   */
  private settle(requestId: string, draft: ReceiptDraft, evidence: ConsumerEvidence): Promise<RecordedReceipt> {
    return this.record(draft, evidence, () => {
      this.options.intents.close(requestId);
    });
  }

  private async record(
    draft: ReceiptDraft,
    evidence: ConsumerEvidence,
    alongside?: (receipt: Receipt) => void,
  ): Promise<RecordedReceipt> {
    try {
      return await this.options.record(draft, evidence, alongside);
    } catch (error) {
      throw new ReceiptUnavailableError(
        "the receipt of this decision could not be stored; nothing was delivered",
        {},
        { cause: error, retryAfterSeconds: 1 },
      );
    }
  }
}
