/**
 * The provider's side of the exchange, `POST /exchange/v1/fetch` (docs/FEDERATION.md §3). The consumer department's
 * gateway is not trusted: this gateway decides for itself, on its own indexed view of the chain, in this order:
 *
 * 1. the body parses (the route; 400, no receipt);
 * 2. the signature recovers to an operator of `request.consumer` (401 `exchange_bad_signature`, unsigned, with a
 *    denied receipt in the provider's ledger; never stored for idempotency, as its requestId is nobody's);
 * 3. the request's time is within the tolerance of this gateway's clock (`exchange_stale`, naming the skew);
 * 4. a requestId already answered for this consumer gets the first signed answer unchanged (no second receipt, the
 *    quota counted once), or `exchange_replayed` (409) when the request digest differs;
 * 5. the view is current (`view_stale`), then the policy: the grant, its agreement's provider is a department of this
 *    gateway, `decide()` (consumer, statuses, window, suspensions, purpose, consent), the field mask within the
 *    grant's (`fields_not_granted`), the subject reference recomputed from the identity number (`subject_mismatch`),
 *    the parameters bound by `paramsHash` (`params_mismatch`), the authoritative quota (every co-consumer's fetches
 *    count here);
 * 6. asks its backend for the requested (granted) fields only, filters the answer anyway, signs the response over
 *    keccak256(canonicalJson({data})), and stores its provider receipt and the answer in one transaction BEFORE it
 *    answers `{data?, response, signature}`.
 *
 * Every refusal after step 2 is a signed answer with a denied (or failed) provider receipt.
 */

import { ZeroAddress, ZeroHash, type TypedDataDomain } from "ethers";
import {
  recoverSigner,
  requestDigest,
  signResponse,
  type ExchangeRequest,
  type ExchangeResponse,
  type TypedDataSigner,
} from "../../../../core/exchange";
import { canonicalJsonHash } from "../../../../core/json/canonical-json";
import { checksummed } from "../../../../core/crypto/ecdsa";
import { DELIVERED_REASON, type ReceiptResult } from "../../../../core/receipt";
import { maskToFields } from "../../common/field-mask";
import { codeToBytes32 } from "../../common/short-codes";
import { subjectRef as computeSubjectRef } from "../../common/subject-ref";
import { TurnGate } from "../../common/turn-gate";
import type { ExchangeStore, StoredExchange } from "../../store/exchanges";
import type { ReceiptEnvelope } from "../../store/receipts";
import type { Anchorer } from "../receipts/anchorer";
import { ReceiptsDivergedError } from "../receipts/errors";
import type { ReceiptDraft, ReceiptRecorder } from "../receipts/recorder";
import { decide } from "../fetch/decide";
import type { AccessPolicy } from "../fetch/policy";
import type { QuotaCounters } from "../fetch/quota";
import { onlyGranted, type DataRecord, type UpstreamAnswer, type UpstreamQuery } from "../../common/backend-client";
import {
  ExchangeAnchoringBehindError,
  ExchangeBadSignatureError,
  ExchangeNotProvidedHereError,
  ExchangeReceiptUnavailableError,
} from "./errors";
import type { ExchangeFetchBody } from "./schemas";

/** Every reason a provider gives in its signed answer, with the HTTP status it is answered with. */
export const EXCHANGE_REFUSALS = {
  exchange_stale: 401,
  exchange_replayed: 409,
  view_stale: 503,
  no_grant: 404,
  not_provider: 403,
  grant_not_owned: 403,
  grant_inactive: 403,
  agreement_inactive: 403,
  purpose_mismatch: 403,
  subject_required: 403,
  subject_mismatch: 403,
  params_mismatch: 403,
  fields_not_granted: 403,
  consent_missing: 403,
  consent_withdrawn: 403,
  consent_expired: 403,
  quota_exceeded: 429,
} as const;
export type ExchangeRefusal = keyof typeof EXCHANGE_REFUSALS;

/** Failures of the provider's own backend: a `failed` receipt and a signed answer without data. */
export const EXCHANGE_FAILURES = {
  not_found: 404,
  upstream_missing: 502,
  upstream_unreachable: 502,
  upstream_error: 502,
  upstream_invalid: 502,
  upstream_rejected: 502,
  upstream_timeout: 504,
} as const;
type ExchangeFailure = keyof typeof EXCHANGE_FAILURES;

interface ExchangeAnswerBody {
  data?: DataRecord | DataRecord[];
  response: ExchangeResponse;
  signature: string;
  /** Why, in words (not signed; the signed `response.reason` is the code). Absent on a repeated answer. */
  detail?: string;
}

export interface ExchangeResult {
  httpStatus: number;
  body: ExchangeAnswerBody;
}

export interface ServedDepartment {
  key: string;
  id: string;
}

export interface ExchangeServiceOptions {
  policy: Pick<AccessPolicy, "grant" | "agreement" | "resource" | "now" | "actsFor" | "isSuspended" | "consent">;
  /** The provider's authoritative counters: rebuilt from its provider receipts only. */
  quota: QuotaCounters;
  recorder: ReceiptRecorder;
  anchorer: Pick<Anchorer, "lagMs" | "divergence">;
  exchanges: ExchangeStore;
  upstreams: { get(resourceId: string): string | null };
  consortiumSecret: Uint8Array;
  domain: TypedDataDomain;
  /** The departments this gateway serves (in production exactly one). */
  served: () => ServedDepartment[];
  signerOf: (departmentKey: string) => TypedDataSigner | null;
  /** Wall-clock ms when the indexed view last reached the chain's head, null before its first catch-up. */
  viewCaughtUpMs: () => number | null;
  /**
   * Resolves once this gateway's view has reached `block`, or rejects after `timeoutMs`: a consumer that decided on
   * block N (a consent it just recorded) is answered on a view at least as recent, not refused for a lagging index.
   */
  waitForBlock?: (block: number, timeoutMs: number) => Promise<unknown>;
  viewMaxLagSeconds: number;
  maxSkewSeconds: number;
  anchorMaxLagSeconds: number;
  upstreamTimeoutMs: number;
  backendQuery: (url: string, query: UpstreamQuery, timeoutMs: number) => Promise<UpstreamAnswer>;
  /** Wall clock in ms (tests move it). */
  clock?: () => number;
  /** Exchanges begun in one turn of the event loop at most, the others in the next turns (`TurnGate`; 0 or none: all). */
  admitPerTurn?: number;
}

/** How long after its first answer a repeat of a request may still be fresh: its data is kept that long, no longer. */
const dataRetentionMs = (maxSkewSeconds: number) => (2 * maxSkewSeconds + 60) * 1000;

/**
 * How long a first answer (without its data) is kept to tell a repeat or a replay of its request: far past the time
 * any repeat can be fresh, so that a replay is still told apart after this gateway's clock steps back by up to a day.
 * Then its provider receipt alone keeps it.
 */
export const ANSWER_MEMORY_MS = 24 * 60 * 60 * 1000;

/** How long the provider waits for its view to reach the block a consumer decided on (`atBlock`). */
const CATCH_UP_WAIT_MS = 3_000;

export class ExchangeService {
  private readonly clock: () => number;
  /** Requests being answered, by consumer|requestId: a concurrent repeat waits for the first answer. */
  private readonly inFlight = new Map<string, Promise<{ digest: string; result: ExchangeResult }>>();

  private readonly admissions: TurnGate;

  constructor(private readonly options: ExchangeServiceOptions) {
    this.clock = options.clock ?? Date.now;
    this.admissions = new TurnGate(options.admitPerTurn ?? 0);
  }

  async fetch(body: ExchangeFetchBody): Promise<ExchangeResult> {
    const admission = this.admissions.admit();
    if (admission !== null) await admission;
    const { request } = body;
    const digest = requestDigest(this.options.domain, request);
    const provider = this.providerOf(request.grantId);
    if (provider === null) throw new ExchangeNotProvidedHereError(request.grantId);
    this.refuseWhileAnchoringBehind(provider);

    // 2. Who signed: an operator of the consumer department, on this gateway's own view.
    const signer = recoverSigner(digest, body.signature);
    if (signer === null || !this.options.policy.actsFor(signer, request.consumer)) {
      const recorded = await this.record(
        this.draft(provider, request, digest, signer ?? ZeroAddress, "denied", "exchange_bad_signature"),
        this.envelope(request, body.signature),
      );
      throw new ExchangeBadSignatureError(
        recorded,
        signer === null
          ? "the signature is malformed or recovers to no account"
          : `the signature is by ${signer}, which is not an operator of department ${request.consumer}`,
      );
    }

    // 3. Fresh: the request's time within the tolerance of this gateway's clock.
    const nowSeconds = Math.floor(this.clock() / 1000);
    const skew = nowSeconds - request.time;
    if (Math.abs(skew) > this.options.maxSkewSeconds) {
      const direction = skew > 0 ? "behind" : "ahead of";
      return this.refuse(provider, body, digest, signer, "exchange_stale", {
        store: false,
        detail:
          `the request's time is ${Math.abs(skew)} s ${direction} this gateway's clock ` +
          `(skew ${skew} s; tolerance ±${this.options.maxSkewSeconds} s)`,
      });
    }

    // 4. Idempotent: one answer per (consumer, requestId).
    const key = `${request.consumer.toLowerCase()}|${request.requestId.toLowerCase()}`;
    const running = this.inFlight.get(key);
    if (running !== undefined) {
      const first = await running.catch(() => null);
      if (first !== null) return first.digest === digest ? first.result : this.replayed(provider, body, digest, signer);
    }
    const stored = this.options.exchanges.get(request.consumer, request.requestId);
    if (stored !== null) {
      return stored.requestDigest === digest.toLowerCase()
        ? this.firstAnswer(stored, provider, body, digest, signer)
        : this.replayed(provider, body, digest, signer);
    }
    const answering = this.answer(provider, body, digest, signer).then((result) => ({ digest, result }));
    this.inFlight.set(key, answering);
    try {
      return (await answering).result;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** 5 and 6: the view, the policy, the quota, the backend; a stored, signed, receipted answer. */
  private async answer(
    provider: ServedDepartment,
    body: ExchangeFetchBody,
    digest: string,
    signer: string,
  ): Promise<ExchangeResult> {
    const { policy, quota } = this.options;
    const { request } = body;
    const refuse = (reason: ExchangeRefusal, detail: string, consentId: string | null = null) =>
      this.refuse(provider, body, digest, signer, reason, { store: true, consentId, detail });

    if (body.atBlock !== undefined && this.options.waitForBlock) {
      // Bounded: a consumer naming a block far ahead only makes its own request wait, then refused as view_stale.
      const reached = await this.options.waitForBlock(body.atBlock, CATCH_UP_WAIT_MS).then(
        () => true,
        () => false,
      );
      if (!reached) {
        return refuse(
          "view_stale",
          `this gateway's view has not reached block ${body.atBlock}, which the consumer decided on`,
        );
      }
    }
    const caughtUp = this.options.viewCaughtUpMs();
    if (caughtUp === null || this.clock() - caughtUp > this.options.viewMaxLagSeconds * 1000) {
      return refuse(
        "view_stale",
        caughtUp === null
          ? "this gateway has not caught up with the chain yet"
          : `this gateway's view of the chain was last current ${Math.round((this.clock() - caughtUp) / 1000)} s ago`,
      );
    }
    const grant = policy.grant(request.grantId);
    if (!grant) return refuse("no_grant", `no grant ${request.grantId} on this gateway's view`);
    const agreement = policy.agreement(grant.agreementId);
    if (agreement && agreement.provider !== provider.id) {
      return refuse("not_provider", `agreement ${agreement.id} is not with department ${provider.id}`);
    }
    const resource = agreement ? policy.resource(agreement.resourceId) : undefined;

    const requestedMask = BigInt(request.fieldMask);
    if (requestedMask === 0n || (requestedMask & ~grant.fieldMask) !== 0n) {
      return refuse("fields_not_granted", `field mask ${request.fieldMask} is not within grant ${grant.id}'s`);
    }
    let subjectRef: string | null = null;
    if (body.subject !== undefined) {
      subjectRef = computeSubjectRef(this.options.consortiumSecret, body.subject.idType, body.subject.idNumber);
    }
    if ((subjectRef ?? ZeroHash) !== request.subjectRef.toLowerCase()) {
      return refuse("subject_mismatch", "the subject reference is not the one of the identity number sent");
    }
    if (canonicalJsonHash(body.params ?? null) !== request.paramsHash.toLowerCase()) {
      return refuse("params_mismatch", "the parameters sent are not the ones the request's paramsHash commits to");
    }

    const now = policy.now(this.clock());
    const decision = decide(policy, grant, agreement, resource, {
      department: request.consumer,
      gatewayAccount: signer,
      purpose: request.purpose,
      subjectRef,
      now,
    });
    if (!decision.allowed) return refuse(decision.reason, decision.detail, decision.consentId);
    const scope = { grantId: grant.id, agreementId: grant.agreementId };
    const over = agreement ? quota.exceeded(scope, grant.quota, agreement.quota, now) : null;
    if (over !== null) {
      return refuse(
        "quota_exceeded",
        `the ${over}'s call quota is used up (counted at the provider)`,
        decision.consentId,
      );
    }

    // Reserved now so that concurrent requests cannot all take the last call; given back if nothing is delivered.
    quota.reserve(scope, now);
    let delivered = false;
    try {
      const fields = resource ? maskToFields(resource.fields, requestedMask) : [];
      const fail = (reason: ExchangeFailure, detail: string) =>
        this.signed(provider, body, digest, signer, "failed", reason, { consentId: decision.consentId, detail });
      const url = resource ? this.options.upstreams.get(resource.id) : null;
      if (!resource || url === null) return await fail("upstream_missing", "no backend is configured for the resource");
      const answer = await this.options.backendQuery(
        url,
        {
          resourceCode: resource.code,
          ...(body.subject ? { subject: body.subject } : {}),
          fields,
          ...(body.params ? { params: body.params } : {}),
        },
        this.options.upstreamTimeoutMs,
      );
      if (answer.kind === "not_found") return await fail("not_found", "the backend holds no record for this query");
      if (answer.kind === "failed") return await fail(answer.reason, answer.detail);
      const data = onlyGranted(answer.data, fields);
      const result = await this.signed(provider, body, digest, signer, "delivered", DELIVERED_REASON, {
        consentId: decision.consentId,
        data,
      });
      delivered = true;
      return result;
    } finally {
      if (!delivered) quota.release(scope, now);
    }
  }

  private refuse(
    provider: ServedDepartment,
    body: ExchangeFetchBody,
    digest: string,
    signer: string,
    reason: ExchangeRefusal,
    options: { store: boolean; consentId?: string | null; detail: string },
  ): Promise<ExchangeResult> {
    return this.signed(provider, body, digest, signer, "denied", reason, options);
  }

  private replayed(provider: ServedDepartment, body: ExchangeFetchBody, digest: string, signer: string) {
    return this.refuse(provider, body, digest, signer, "exchange_replayed", {
      store: false,
      detail: `requestId ${body.request.requestId} was already answered for another request of this consumer`,
    });
  }

  /** The first answer, unchanged; its data is gone only when no repeat could be fresh, which step 3 refused. */
  private firstAnswer(
    stored: StoredExchange,
    provider: ServedDepartment,
    body: ExchangeFetchBody,
    digest: string,
    signer: string,
  ): Promise<ExchangeResult> | ExchangeResult {
    if (stored.response.result === "delivered" && stored.data === undefined) {
      return this.replayed(provider, body, digest, signer);
    }
    return {
      httpStatus: stored.httpStatus,
      body: {
        ...(stored.data === undefined ? {} : { data: stored.data as DataRecord | DataRecord[] }),
        response: stored.response,
        signature: stored.signature,
      },
    };
  }

  /** Signs the answer and stores its provider receipt (and, unless told not to, the answer) before answering. */
  private async signed(
    provider: ServedDepartment,
    body: ExchangeFetchBody,
    digest: string,
    signer: string,
    result: ReceiptResult,
    reason: string,
    options: { store?: boolean; consentId?: string | null; data?: DataRecord | DataRecord[]; detail?: string },
  ): Promise<ExchangeResult> {
    const { request } = body;
    const signingKey = this.options.signerOf(provider.key);
    if (signingKey === null) throw new Error(`no signing key for department ${provider.key}`);
    const responseHash = options.data === undefined ? ZeroHash : canonicalJsonHash({ data: options.data });
    const response: ExchangeResponse = {
      requestId: request.requestId,
      requestDigest: digest,
      provider: provider.id,
      result,
      reason: codeToBytes32(reason),
      responseHash,
      time: Math.floor(this.clock() / 1000),
    };
    const signature = await signResponse(signingKey, this.options.domain, response);
    const httpStatus =
      result === "delivered"
        ? 200
        : result === "failed"
          ? EXCHANGE_FAILURES[reason as ExchangeFailure]
          : EXCHANGE_REFUSALS[reason as ExchangeRefusal];
    const answerBody: ExchangeAnswerBody = {
      ...(options.data === undefined ? {} : { data: options.data }),
      response,
      signature,
      ...(options.detail === undefined ? {} : { detail: options.detail }),
    };
    const draft = this.draft(provider, request, digest, signer, result, reason, {
      consentId: options.consentId ?? null,
      responseHash,
    });
    const store = options.store ?? true;
    await this.record(draft, this.envelope(request, body.signature, response, signature), (receiptId) => {
      if (!store) return;
      this.options.exchanges.insert({
        consumer: request.consumer,
        requestId: request.requestId,
        requestDigest: digest,
        httpStatus,
        response,
        signature,
        ...(options.data === undefined ? {} : { data: options.data }),
        receiptId,
        createdMs: this.clock(),
      });
      // In the same transaction: no commit (and no fsync) of its own per answer.
      this.options.exchanges.forgetDataBefore(this.clock() - dataRetentionMs(this.options.maxSkewSeconds));
      this.options.exchanges.forgetBefore(
        this.clock() - Math.max(ANSWER_MEMORY_MS, dataRetentionMs(this.options.maxSkewSeconds)),
      );
    });
    return { httpStatus, body: answerBody };
  }

  private draft(
    provider: ServedDepartment,
    request: ExchangeRequest,
    digest: string,
    account: string,
    result: ReceiptResult,
    reason: string,
    fields: { consentId?: string | null; responseHash?: string } = {},
  ): ReceiptDraft {
    const { policy } = this.options;
    const grant = policy.grant(request.grantId);
    const agreement = grant ? policy.agreement(grant.agreementId) : undefined;
    const resource = agreement ? policy.resource(agreement.resourceId) : undefined;
    return {
      time: policy.now(this.clock()),
      department: provider.id,
      account: checksummed(account),
      grantId: request.grantId,
      agreementId: grant?.agreementId ?? "0",
      consentId: fields.consentId ?? ZeroHash,
      provider: provider.id,
      resourceId: agreement?.resourceId ?? ZeroHash,
      resourceVersion: resource?.version ?? 1,
      fieldMask: result === "delivered" ? `0x${BigInt(request.fieldMask).toString(16)}` : "0x0",
      subjectRef: request.subjectRef.toLowerCase(),
      purpose: request.purpose.toLowerCase(),
      result,
      reason,
      requestHash: digest,
      responseHash: fields.responseHash ?? ZeroHash,
    };
  }

  private envelope(
    request: ExchangeRequest,
    requestSignature: string,
    response?: ExchangeResponse,
    responseSignature?: string,
  ): ReceiptEnvelope {
    return {
      requestId: request.requestId,
      role: "provider",
      exchange: {
        request,
        requestSignature,
        ...(response === undefined ? {} : { response, responseSignature }),
      },
    };
  }

  /** Records the receipt (and what must be written with it); the receipt's id, or 503 when it cannot be stored. */
  private async record(
    draft: ReceiptDraft,
    envelope: ReceiptEnvelope,
    alongside: ((receiptId: string) => void) | null = null,
  ): Promise<string> {
    try {
      const recorded = await this.options.recorder.record(
        draft,
        envelope,
        alongside === null ? null : (receipt) => alongside(receipt.id),
      );
      return recorded.receipt.id;
    } catch (error) {
      throw new ExchangeReceiptUnavailableError(
        "the provider receipt of this decision could not be stored; nothing was answered",
        {},
        { cause: error, retryAfterSeconds: 1 },
      );
    }
  }

  /**
   * The department of this gateway that provides the grant's resource; when the grant or its agreement is unknown
   * here, the gateway's one department (a production gateway serves exactly one), which then refuses it signed.
   */
  private providerOf(grantId: string): ServedDepartment | null {
    const served = this.options.served();
    const grant = this.options.policy.grant(grantId);
    const agreement = grant ? this.options.policy.agreement(grant.agreementId) : undefined;
    const provider = agreement ? served.find((d) => d.id === agreement.provider) : undefined;
    return provider ?? (served.length === 1 ? served[0] : null);
  }

  private refuseWhileAnchoringBehind(provider: ServedDepartment): void {
    const diverged = this.options.anchorer.divergence(provider.id);
    if (diverged !== null) throw new ReceiptsDivergedError(diverged);
    const lagMs = this.options.anchorer.lagMs(provider.id);
    if (lagMs > this.options.anchorMaxLagSeconds * 1000) {
      throw new ExchangeAnchoringBehindError(
        `provider receipts have waited ${Math.round(lagMs / 1000)} s to be anchored (limit ` +
          `${this.options.anchorMaxLagSeconds} s): exchanges are refused until anchoring catches up`,
        {},
        { retryAfterSeconds: 5 },
      );
    }
  }
}
