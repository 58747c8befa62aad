/**
 * The mediated data fetch. Every decision is taken from the in-memory access policy (the indexed chain state, no
 * chain call and no SQL read per request), produces a receipt that is committed before the answer is sent, and only
 * the granted fields of the provider's answer ever leave the gateway.
 *
 * Order: fail closed while anchoring is behind (503, no receipt) → the grant must exist (404, no receipt) → the
 * policy checks (policy.ts `decide`) → the quota → the provider's system. Denials are 403 (429 for the quota) with
 * a `denied` receipt; a provider failure is 502 (504 on timeout) with a `failed` receipt; the provider's 404 is
 * passed through as 404 with a `failed` receipt (reason `not_found`). Only delivered fetches count against quotas.
 *
 * Hashes: `requestHash` is keccak256 of the canonical JSON of `{grantId, purpose, subjectRef?, params?}` (the
 * subject reference, never the identity number, whose hash could be reversed by trying every number);
 * `responseHash` is keccak256 of the canonical JSON of `{data}` as answered (zero when nothing was delivered).
 */
import { getAddress, keccak256, toUtf8Bytes, ZeroAddress, ZeroHash } from "ethers";
import { maskToFields } from "../../common/field-mask";
import { codeToBytes32 } from "../../common/short-codes";
import { canonicalJson } from "../../../../core/json/canonical-json";
import type { Metrics } from "../../common/metrics";
import type { AuthContext } from "../../common/request-context";
import { subjectRef as computeSubjectRef } from "../../common/subject-ref";
import { DELIVERED_REASON, type ReceiptResult } from "../../../../core/receipt";
import { servedCallerOf } from "../auth/caller";
import type { Anchorer } from "../receipts/anchorer";
import type { ReceiptDraft, ReceiptRecorder, RecordedReceipt } from "../receipts/recorder";
import {
  AnchoringBehindError,
  FetchDeniedError,
  GrantNotFoundError,
  ReceiptUnavailableError,
  RecordNotFoundError,
  UpstreamFailedError,
} from "./errors";
import { decide, type DenialReason } from "./decide";
import type { AccessPolicy } from "./policy";
import type { QuotaCounters } from "./quota";
import type { FetchRequest } from "./schemas";
import { onlyGranted, queryUpstream, type DataRecord, type UpstreamAnswer, type UpstreamQuery } from "./upstream";

export interface FetchServiceOptions {
  policy: AccessPolicy;
  quota: QuotaCounters;
  recorder: ReceiptRecorder;
  anchorer: Pick<Anchorer, "lagMs">;
  metrics: Metrics;
  consortiumSecret: Uint8Array;
  upstreamTimeoutMs: number;
  anchorMaxLagSeconds: number;
  departmentIdOf: (key: string) => string | null;
  gatewayAccountOf: (key: string) => string | null;
  indexedBlock: () => number;
  query?: (url: string, query: UpstreamQuery, timeoutMs: number) => Promise<UpstreamAnswer>;
}

export interface FetchResult {
  data: DataRecord | DataRecord[];
  receipt: { id: string; status: "pending" };
  block: number;
}

const hashJson = (value: unknown): string => keccak256(toUtf8Bytes(canonicalJson(value)));

export class FetchService {
  private readonly query: NonNullable<FetchServiceOptions["query"]>;

  constructor(private readonly options: FetchServiceOptions) {
    this.query = options.query ?? queryUpstream;
  }

  async fetch(caller: AuthContext, request: FetchRequest): Promise<FetchResult> {
    const { policy, quota, metrics } = this.options;
    const { key, id: department } = servedCallerOf(caller, { idOf: this.options.departmentIdOf });
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
    const grant = policy.grant(request.grantId);
    if (!grant) throw new GrantNotFoundError(`no grant with id ${request.grantId}`, { grantId: request.grantId });

    const block = this.options.indexedBlock();
    const now = policy.now();
    const agreement = policy.agreement(grant.agreementId);
    const resource = agreement ? policy.resource(agreement.resourceId) : undefined;
    const subjectRef = request.subject
      ? computeSubjectRef(this.options.consortiumSecret, request.subject.idType, request.subject.idNumber)
      : null;
    const purpose = codeToBytes32(request.purpose.code);
    const gatewayAccount = this.options.gatewayAccountOf(key);
    const decision = decide(policy, grant, agreement, resource, {
      department,
      gatewayAccount,
      purpose,
      subjectRef,
      now,
    });
    const draft = (
      result: ReceiptResult,
      reason: string,
      fields: { consentId: string | null; account: string; fieldMask?: bigint; responseHash?: string },
    ): ReceiptDraft => ({
      time: now,
      department,
      account: getAddress(fields.account),
      grantId: grant.id,
      agreementId: grant.agreementId,
      consentId: fields.consentId ?? ZeroHash,
      provider: agreement?.provider ?? ZeroHash,
      resourceId: agreement?.resourceId ?? ZeroHash,
      resourceVersion: resource?.version ?? 1,
      fieldMask: `0x${(fields.fieldMask ?? 0n).toString(16)}`,
      subjectRef: subjectRef ?? ZeroHash,
      purpose,
      result,
      reason,
      requestHash: hashJson({
        grantId: grant.id,
        purpose: { code: request.purpose.code },
        subjectRef: subjectRef ?? undefined,
        params: request.params,
      }),
      responseHash: fields.responseHash ?? ZeroHash,
    });
    const deny = async (reason: DenialReason, detail: string, consentId: string | null, account: string) => {
      const recorded = await this.record(draft("denied", reason, { consentId, account }));
      metrics.fetchDecisions.inc({ reason });
      return new FetchDeniedError(reason, recorded.receipt.id, detail);
    };

    if (!decision.allowed) {
      const account = decision.reason === "grant_not_owned" ? (gatewayAccount ?? ZeroAddress) : grant.grantee;
      throw await deny(decision.reason, decision.detail, decision.consentId, account);
    }
    const scope = { grantId: grant.id, agreementId: grant.agreementId };
    const over = agreement ? quota.exceeded(scope, grant.quota, agreement.quota, now) : null;
    if (over !== null) {
      throw await deny("quota_exceeded", `the ${over}'s call quota is used up`, decision.consentId, decision.account);
    }

    // Reserved now so that concurrent fetches cannot all take the last call; given back if nothing is delivered.
    quota.reserve(scope, now);
    let delivered = false;
    try {
      const fields = resource ? maskToFields(resource.fields, grant.fieldMask) : [];
      const fail = async (reason: UpstreamFailedError["reason"] | "not_found", detail: string) => {
        const recorded = await this.record(
          draft("failed", reason, { consentId: decision.consentId, account: decision.account }),
        );
        metrics.fetchDecisions.inc({ reason: "failed" });
        return reason === "not_found"
          ? new RecordNotFoundError(recorded.receipt.id)
          : new UpstreamFailedError(reason, recorded.receipt.id, detail);
      };
      if (!resource?.upstreamUrl) {
        throw await fail("upstream_missing", "the resource's catalog entry names no upstream URL");
      }
      const answer = await this.query(
        resource.upstreamUrl,
        {
          resourceCode: resource.code,
          ...(request.subject ? { subject: request.subject } : {}),
          fields,
          ...(request.params ? { params: request.params } : {}),
        },
        this.options.upstreamTimeoutMs,
      );
      if (answer.kind === "not_found") throw await fail("not_found", "no record");
      if (answer.kind === "failed") throw await fail(answer.reason, answer.detail);

      const data = onlyGranted(answer.data, fields);
      const recorded = await this.record(
        draft("delivered", DELIVERED_REASON, {
          consentId: decision.consentId,
          account: decision.account,
          fieldMask: grant.fieldMask,
          responseHash: hashJson({ data }),
        }),
      );
      delivered = true;
      metrics.fetchDecisions.inc({ reason: "delivered" });
      return { data, receipt: { id: recorded.receipt.id, status: "pending" }, block };
    } finally {
      if (!delivered) quota.release(scope, now);
    }
  }

  private async record(draft: ReceiptDraft): Promise<RecordedReceipt> {
    try {
      return await this.options.recorder.record(draft);
    } catch (error) {
      throw new ReceiptUnavailableError(
        "the receipt of this decision could not be stored; nothing was delivered",
        {},
        {
          cause: error,
          retryAfterSeconds: 1,
        },
      );
    }
  }
}
