import { id as keccakUtf8 } from "ethers";
import { canonicalJson } from "../../../../core/json/canonical-json";
import { LEGAL_BASIS, QUOTA_PERIOD, type AGREEMENT_STATUS } from "../../../../core/codes/enumerations";
import { fieldsToMask, maskToFields } from "../../common/field-mask";
import { codeToBytes32 } from "../../common/short-codes";
import { isoTime } from "../../common/time";
import { cstDateOf, workingDaysLeftIfPublished, type PublishedYears } from "../../../../core/calendar/working-days";
import { validationError } from "../../common/errors";
import type { KuajieChain, WriteResult } from "../../chain/adapter";
import {
  effectiveAgreementStatus,
  type AgreementRecord,
  type AgreementStatus,
  type AgreementStore,
} from "../../store/agreements";
import type { CatalogLookup } from "../catalog/service";
import { departmentRef, type DepartmentService } from "../departments/service";
import { ResourceNotFoundError, ResourceRetiredError } from "../catalog/errors";
import { AgreementNotFoundError, AgreementStatusError, NotAgreementPartyError, NotShareableError } from "./errors";
import type { RequestAgreement } from "./schemas";
import type { PolicyEventFields } from "../../store/policy-event-row";

export type AgreementAction = "approve" | "reject" | "seal" | "suspend" | "resume" | "terminate" | "escalate";

type Caller = { key: string; id: string };

/** What each action needs: who may call it (checked against the projection first) and in which recorded status. */
const ACTIONS: Record<
  AgreementAction,
  { who: "provider" | "co-consumer" | "member"; status: readonly (typeof AGREEMENT_STATUS.values)[number][] }
> = {
  approve: { who: "provider", status: ["requested"] },
  reject: { who: "provider", status: ["requested"] },
  seal: { who: "co-consumer", status: ["requested", "escalated"] },
  suspend: { who: "provider", status: ["active"] },
  resume: { who: "provider", status: ["suspended"] },
  terminate: { who: "provider", status: ["active", "suspended"] },
  escalate: { who: "member", status: ["requested"] },
};

/** What other features may read of agreements. */
export interface AgreementLookup {
  get(agreementId: number): AgreementRecord | null;
}

/**
 * Sharing agreements: requests by a consumer department, the provider's answer, co-consumers' seals, escalation
 * to the council and supervision, all through SharingAgreements signed for the caller's department; reads from the
 * AgreementStore projection.
 *
 * Refusals, consistently: unknown id → 404; a department with no part in the action → 403 `not_party` (checked in
 * the projection before the chain is asked); a status that the recorded state already excludes → 409
 * `invalid_status`; anything else the contract refuses (a reply deadline not reached yet, a co-consumer that is not
 * a member, …) → 422 `contract_revert` with the custom error's name and arguments.
 */
export class AgreementService {
  constructor(
    private readonly store: AgreementStore,
    private readonly catalog: CatalogLookup,
    private readonly chain: KuajieChain,
    private readonly departments: DepartmentService,
    private readonly calendar: { published(): PublishedYears },
  ) {}

  /** The agreement, or 404 naming where its id came from. */
  require(agreementId: number, where = "params.id"): AgreementRecord {
    const agreement = this.store.get(agreementId);
    if (!agreement) throw new AgreementNotFoundError(agreementId, where);
    return agreement;
  }

  async request(caller: Caller, body: RequestAgreement) {
    const resource = this.catalog.get(body.resourceId);
    if (!resource) throw new ResourceNotFoundError(body.resourceId, "body.resourceId");
    if (resource.status === "retired") throw new ResourceRetiredError(resource.resourceId);
    if (resource.shareType === "not_shareable") throw new NotShareableError(resource.resourceId);

    const { mask } = fieldsToMask(resource.fields, body.fields);
    const unknown = body.fields
      .map((name, i) => ({ name, i }))
      .filter(({ name }) => !resource.fields.some((f) => f.name === name));
    const now = this.chain.now();
    const errors = unknown.map(({ name, i }) => ({
      field: `body.fields[${i}]`,
      message: `resource ${resource.code} has no field '${name}' (it has ${resource.fields.map((f) => f.name).join(", ")})`,
    }));
    if (body.validUntil <= now) errors.push({ field: "body.validUntil", message: "must be in the future" });
    const validFrom = body.validFrom ?? now;
    if (errors.length > 0) throw validationError(errors);

    const termsJson = canonicalJson(body.terms ?? {});
    const termsHash = keccakUtf8(termsJson);
    this.store.saveText(termsHash, termsJson);
    const quota = body.quota ?? { calls: 0, per: "none" as const };
    const request = {
      resourceId: resource.resourceId,
      coConsumers: body.coConsumers ?? [],
      fieldMask: mask,
      purpose: codeToBytes32(body.purpose.code),
      legalBasis: LEGAL_BASIS.toIndex(body.legalBasis),
      validFrom,
      validUntil: body.validUntil,
      quota: { calls: quota.calls, per: QUOTA_PERIOD.toIndex(quota.per) },
      termsHash,
    };
    let result;
    if (body.legalReference === undefined) {
      result = await this.chain.write(caller.key, "SharingAgreements", "request", [request]);
    } else {
      const legalReference = keccakUtf8(body.legalReference);
      this.store.saveText(legalReference, body.legalReference);
      result = await this.chain.write(caller.key, "SharingAgreements", "requestWithLegalReference", [
        request,
        legalReference,
      ]);
    }
    const event = result.events.find((e) => e.name === "AgreementRequested");
    const agreementId = Number(event?.args.agreementId ?? 0);
    if (body.purpose.text !== undefined) this.store.savePurposeText(agreementId, body.purpose.text);
    return this.written(agreementId, result);
  }

  async act(caller: Caller, agreementId: number, action: AgreementAction, reason?: string) {
    const agreement = this.require(agreementId);
    const rule = ACTIONS[action];
    if (rule.who === "provider" && agreement.provider !== caller.id) {
      throw new NotAgreementPartyError(agreementId, "the provider", caller.id);
    }
    if (rule.who === "co-consumer" && !agreement.coConsumers.includes(caller.id)) {
      throw new NotAgreementPartyError(agreementId, "a co-consumer", caller.id);
    }
    const status = effectiveAgreementStatus(agreement, this.chain.now());
    if (!rule.status.includes(status)) {
      throw new AgreementStatusError(agreementId, status, `${action} needs ${rule.status.join(" or ")}`);
    }
    if ((action === "approve" || action === "reject" || action === "escalate") && agreement.providerApproved) {
      throw new AgreementStatusError(agreementId, status, "the provider's approval is already in");
    }
    if (action === "seal") {
      const bit = 1 << agreement.coConsumers.indexOf(caller.id);
      if ((agreement.pendingSeals & bit) === 0) {
        throw new AgreementStatusError(agreementId, status, "your department has already sealed it");
      }
    }
    let args: unknown[] = [agreementId];
    if (action === "reject" || action === "terminate") {
      const text = reason ?? "";
      const reasonHash = keccakUtf8(text);
      this.store.saveText(reasonHash, text);
      args = [agreementId, reasonHash];
    }
    const result = await this.chain.write(caller.key, "SharingAgreements", action, args);
    return this.written(agreementId, result);
  }

  list(caller: Caller | null, query: { as?: "provider" | "consumer"; status?: AgreementStatus; resourceId?: string }) {
    if (query.as !== undefined && caller === null) {
      throw validationError([{ field: "query.as", message: "needs a token acting for a department" }]);
    }
    const records = this.store.list({
      provider: query.as === "provider" ? caller?.id : undefined,
      consumer: query.as === "consumer" ? caller?.id : undefined,
      resourceId: query.resourceId,
    });
    const now = this.chain.now();
    const block = this.block();
    const items = records
      .filter((a) => query.status === undefined || effectiveAgreementStatus(a, now) === query.status)
      .map((a) => this.view(a, now, block));
    return { items, block };
  }

  detail(agreementId: number) {
    const agreement = this.require(agreementId);
    return { ...this.view(agreement, this.chain.now(), this.block()), history: this.history(agreementId) };
  }

  view(a: AgreementRecord, now = this.chain.now(), block = this.block()) {
    const resource = this.catalog.get(a.resourceId);
    const name = resource?.metadata?.name;
    return {
      agreementId: a.agreementId,
      status: effectiveAgreementStatus(a, now),
      resourceId: a.resourceId,
      resource: resource
        ? { code: resource.code, name: typeof name === "string" ? name : null, version: resource.version }
        : null,
      provider: departmentRef(this.departments, a.provider),
      consumer: departmentRef(this.departments, a.consumer),
      coConsumers: a.coConsumers.map((id, i) => ({
        ...departmentRef(this.departments, id),
        sealed: (a.pendingSeals & (1 << i)) === 0,
      })),
      fields: resource ? maskToFields(resource.fields, a.fieldMask) : [],
      fieldMask: a.fieldMask.toString(),
      purpose: { code: a.purposeCode, text: a.purposeText },
      legalBasis: a.legalBasis,
      validFrom: isoTime(a.validFrom),
      validUntil: isoTime(a.validUntil),
      quota: a.quota.per === "none" ? null : { calls: a.quota.calls, per: a.quota.per },
      termsHash: a.termsHash,
      terms: a.terms,
      requiresConsent: a.requiresConsent,
      providerApproved: a.providerApproved,
      replyDeadline: a.replyDeadline === 0 ? null : isoTime(a.replyDeadline),
      replyDeadlineDate: a.replyDeadline === 0 ? null : cstDateOf(a.replyDeadline),
      replyWorkingDaysLeft: this.replyWorkingDaysLeft(a, now),
      overdue: a.storedStatus === "requested" && !a.providerApproved && a.replyDeadline > 0 && now > a.replyDeadline,
      rejection: a.rejection,
      councilDecision: a.councilDecision,
      requestedAt: isoTime(a.requestedAt),
      requestedBlock: a.requestedBlock,
      requestedTx: a.requestedTx,
      block,
    };
  }

  /**
   * While the provider's answer is awaited: the working days after today (CST) up to the deadline's day, counted on
   * the council's calendar as indexed; null when no answer is awaited or the calendar lacks a year it needs.
   */
  private replyWorkingDaysLeft(a: AgreementRecord, now: number): number | null {
    if (a.replyDeadline === 0 || a.storedStatus !== "requested" || a.providerApproved) return null;
    return workingDaysLeftIfPublished(this.calendar.published(), now, a.replyDeadline);
  }

  private history(agreementId: number) {
    return this.store.history(agreementId).map((e) => {
      const { agreementId: _id, ...args } = e.args;
      return { ...policyEventView(e, this.departments), args };
    });
  }

  private block(): number {
    return this.chain.indexer.indexedBlock();
  }

  /** After a write: the agreement as indexed (read-your-writes) with its history and the write's transaction. */
  private written(agreementId: number, result: WriteResult) {
    const agreement = this.store.get(agreementId);
    if (agreement === null) {
      return { agreementId, txHash: result.txHash, blockNumber: result.blockNumber, block: this.block() };
    }
    return { ...this.detail(agreementId), txHash: result.txHash, blockNumber: result.blockNumber };
  }
}

/** An agreement's or a grant's event as its history shows it (without its arguments). */
export function policyEventView(e: PolicyEventFields, departments: Pick<DepartmentService, "keyOf">) {
  return {
    event: e.name,
    block: e.blockNumber,
    logIndex: e.logIndex,
    time: isoTime(e.blockTime),
    txHash: e.txHash,
    actor: e.actor === null ? null : departmentRef(departments, e.actor),
    byCouncil: e.byCouncil,
  };
}
