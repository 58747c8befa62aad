import { QUOTA_PERIOD } from "../../../../core/codes/enumerations";
import { maskToFields } from "../../common/field-mask";
import { isoTime } from "../../common/time";
import { validationError, type FieldError } from "../../common/errors";
import type { KuajieChain, WriteResult } from "../../chain/adapter";
import { effectiveStatus as effectiveAgreementStatus } from "../../../../core/folds/agreements";
import { grantExpired, type GrantRecord, type GrantStore } from "../../store/grants";
import { AgreementNotFoundError } from "../agreements/errors";
import { policyEventView, type AgreementLookup } from "../agreements/service";
import type { CatalogLookup } from "../catalog/service";
import { departmentRef, type DepartmentService } from "../departments/service";
import {
  AgreementNotActiveError,
  FieldsOutsideAgreementError,
  GrantNotFoundError,
  GrantStatusError,
  NotGrantPartyError,
} from "./errors";
import type { IssueGrant } from "./schemas";

export type GrantAction = "pause" | "resume" | "revoke";

type Caller = { key: string; id: string };

const NEEDS: Record<GrantAction, readonly GrantRecord["status"][]> = {
  pause: ["active"],
  resume: ["paused"],
  revoke: ["active", "paused"],
};

/**
 * Grants: a consumer department of an active agreement lets one of its system accounts (the grantee) fetch a subset
 * of the agreement's fields, until a time and within a quota; the provider or that consumer pauses, resumes or
 * revokes it. Writes through Grants signed for the caller's department; reads from the GrantStore projection.
 *
 * Refusals, as for agreements: unknown id → 404; a department with no part in it → 403 `not_party`; a recorded status
 * that excludes the action → 409 (`invalid_status`, `agreement_not_active`); fields the agreement does not cover →
 * 422 `fields_outside_agreement`; any other refusal of the contract → 422 `contract_revert` with errorName.
 */
export class GrantService {
  constructor(
    private readonly store: GrantStore,
    private readonly agreements: AgreementLookup,
    private readonly catalog: CatalogLookup,
    private readonly chain: KuajieChain,
    private readonly departments: DepartmentService,
  ) {}

  require(grantId: number): GrantRecord {
    const grant = this.store.get(grantId);
    if (!grant) throw new GrantNotFoundError(grantId);
    return grant;
  }

  async issue(caller: Caller, body: IssueGrant) {
    const agreement = this.agreements.get(body.agreementId);
    if (!agreement) throw new AgreementNotFoundError(body.agreementId, "body.agreementId");
    if (agreement.consumer !== caller.id && !agreement.coConsumers.includes(caller.id)) {
      throw new NotGrantPartyError(
        `only the consumers of agreement ${agreement.agreementId} may issue grants under it`,
        caller.id,
      );
    }
    const now = this.chain.now();
    const status = effectiveAgreementStatus(agreement, now);
    if (status !== "active") throw new AgreementNotActiveError(agreement.agreementId, status);

    const resourceFields = this.catalog.get(agreement.resourceId)?.fields ?? [];
    const errors: FieldError[] = [];
    let mask = agreement.fieldMask;
    if (body.fields !== undefined) {
      mask = 0n;
      const outside: string[] = [];
      body.fields.forEach((name, i) => {
        const index = resourceFields.findIndex((f) => f.name === name);
        if (index < 0) {
          errors.push({ field: `body.fields[${i}]`, message: `the resource has no field '${name}'` });
        } else if (((agreement.fieldMask >> BigInt(index)) & 1n) === 0n) {
          outside.push(name);
        } else {
          mask |= 1n << BigInt(index);
        }
      });
      if (errors.length === 0 && outside.length > 0) {
        throw new FieldsOutsideAgreementError(
          agreement.agreementId,
          outside,
          maskToFields(resourceFields, agreement.fieldMask),
        );
      }
    }
    if (body.expiresAt !== undefined && body.expiresAt <= now) {
      errors.push({ field: "body.expiresAt", message: "must be in the future" });
    }
    const grantee = body.grantee ?? this.chain.accountOf(caller.key);
    if (grantee === null) {
      errors.push({ field: "body.grantee", message: "this gateway holds no account for your department: give one" });
    }
    if (errors.length > 0 || grantee === null) throw validationError(errors);

    const quota = body.quota ?? agreement.quota;
    const result = await this.chain.write(caller.key, "Grants", "issue", [
      agreement.agreementId,
      grantee,
      mask,
      body.expiresAt ?? 0,
      quota.calls,
      QUOTA_PERIOD.toIndex(quota.per),
    ]);
    const event = result.events.find((e) => e.name === "GrantIssued");
    return this.written(Number(event?.args.grantId ?? 0), result);
  }

  async act(caller: Caller, grantId: number, action: GrantAction) {
    const grant = this.require(grantId);
    const provider = this.agreements.get(grant.agreementId)?.provider;
    if (caller.id !== grant.consumer && caller.id !== provider) {
      throw new NotGrantPartyError(
        `only the grant's consumer or the provider may ${action} grant ${grantId}`,
        caller.id,
      );
    }
    if (!NEEDS[action].includes(grant.status)) {
      throw new GrantStatusError(grantId, grant.status, `${action} needs ${NEEDS[action].join(" or ")}`);
    }
    const result = await this.chain.write(caller.key, "Grants", action, [grantId]);
    return this.written(grantId, result);
  }

  list(query: { agreementId?: number; grantee?: string }) {
    const now = this.chain.now();
    const block = this.block();
    return { items: this.store.list(query).map((g) => this.view(g, now, block)), block };
  }

  detail(grantId: number) {
    const grant = this.require(grantId);
    const history = this.store.history(grantId).map((e) => policyEventView(e, this.departments));
    return { ...this.view(grant, this.chain.now(), this.block()), history };
  }

  view(g: GrantRecord, now = this.chain.now(), block = this.block()) {
    const agreement = this.agreements.get(g.agreementId);
    const resource = agreement ? this.catalog.get(agreement.resourceId) : null;
    return {
      grantId: g.grantId,
      agreementId: g.agreementId,
      status: g.status !== "revoked" && grantExpired(g, now) ? "expired" : g.status,
      agreementStatus: agreement ? effectiveAgreementStatus(agreement, now) : null,
      resourceId: agreement?.resourceId ?? null,
      provider: agreement ? departmentRef(this.departments, agreement.provider) : null,
      consumer: departmentRef(this.departments, g.consumer),
      grantee: g.grantee,
      fields: resource ? maskToFields(resource.fields, g.fieldMask) : [],
      fieldMask: g.fieldMask.toString(),
      expiresAt: isoTime(g.expiresAt),
      quota: g.quota.per === "none" ? null : g.quota,
      issuedAt: isoTime(g.issuedAt),
      issuedBlock: g.issuedBlock,
      issuedTx: g.issuedTx,
      block,
    };
  }

  private block(): number {
    return this.chain.indexer.indexedBlock();
  }

  private written(grantId: number, result: WriteResult) {
    if (this.store.get(grantId) === null) {
      return { grantId, txHash: result.txHash, blockNumber: result.blockNumber, block: this.block() };
    }
    return { ...this.detail(grantId), txHash: result.txHash, blockNumber: result.blockNumber };
  }
}
