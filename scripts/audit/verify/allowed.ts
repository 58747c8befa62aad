/**
 * Whether a delivery was allowed when it happened: at the receipt's time the requester and the provider members in
 * good standing (not suspended), the agreement active and in its window, the grant usable, the requester's account's
 * and its department's, the purpose the agreement's, the delivered fields within the grant's, and,
 * where the agreement requires consent, an active consent of the subject for the requester, resource and purpose.
 * Every state is the fold of the contracts' events up to that moment, read once per department, agreement, grant and
 * subject.
 */
import { ZeroHash } from "ethers";
import type { Receipt } from "../../../core/receipt";
import type { AuditContext } from "../connect";
import type { Violation } from "../rules";
import { agreementRefusalAt, loadAgreements, type AgreementHistory } from "../state/agreements";
import { ConsentTrails, loadConsentEvents, type Coverage } from "../state/consents";
import { grantRefusalAt, loadGrants, type GrantHistory } from "../state/grants";
import { DepartmentStatuses, loadDepartmentEvents } from "../state/departments";
import type { Directory } from "../state/directory";
import { bytes32Text } from "../state/directory";

export interface ChainRecords {
  agreements: Map<string, AgreementHistory>;
  grants: Map<string, GrantHistory>;
  consents: ConsentTrails;
  departments: DepartmentStatuses;
}

/**
 * The chain records of deliveries read as they come, for an auditor that streams receipts: each call reads only the
 * agreements, grants, departments and subjects not read before, so the records grow with what the receipts name,
 * not with how many receipts there are.
 */
export class RecordsReader {
  readonly records: ChainRecords = {
    agreements: new Map(),
    grants: new Map(),
    consents: new ConsentTrails([]),
    departments: new DepartmentStatuses([]),
  };
  private readonly keysRead = {
    agreements: new Set<string>(),
    grants: new Set<string>(),
    departments: new Set<string>(),
    subjects: new Set<string>(),
  };

  /** The read in progress: a key is marked read when its read starts, so the next read waits for it to end. */
  private reading: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: AuditContext) {}

  read(deliveries: readonly { receipt: Receipt; requester: string }[]): Promise<void> {
    const read = this.reading.then(() => this.readUnread(deliveries));
    this.reading = read.catch(() => undefined);
    return read;
  }

  private async readUnread(deliveries: readonly { receipt: Receipt; requester: string }[]): Promise<void> {
    const delivered = deliveries.map((d) => d.receipt);
    const unread = (kind: keyof RecordsReader["keysRead"], keys: Iterable<string>) => {
      const fresh = [...new Set(keys)].filter((k) => !this.keysRead[kind].has(k));
      for (const k of fresh) this.keysRead[kind].add(k);
      return fresh;
    };
    const agreementIds = unread(
      "agreements",
      delivered.map((r) => r.agreementId),
    );
    const grantIds = unread(
      "grants",
      delivered.map((r) => r.grantId),
    );
    const departments = unread(
      "departments",
      deliveries.flatMap((d) => [d.requester.toLowerCase(), d.receipt.provider.toLowerCase()]),
    );
    const { ctx, records } = this;
    await Promise.all([
      agreementIds.length &&
        loadAgreements(ctx, agreementIds).then((m) => m.forEach((v, k) => records.agreements.set(k, v))),
      grantIds.length && loadGrants(ctx, grantIds).then((m) => m.forEach((v, k) => records.grants.set(k, v))),
      departments.length && loadDepartmentEvents(ctx, departments).then((events) => records.departments.add(events)),
    ]);
    const subjects = unread(
      "subjects",
      delivered
        .filter((r) => records.agreements.get(r.agreementId)?.requiresConsent && r.subjectRef !== ZeroHash)
        .map((r) => r.subjectRef.toLowerCase()),
    );
    if (subjects.length) records.consents.add(await loadConsentEvents(ctx, subjects));
  }
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The consent coverage of a receipt, or undefined when its agreement does not require consent. */
export function consentCoverage(
  r: Receipt,
  records: Pick<ChainRecords, "agreements" | "consents">,
  requester: string = r.department,
): Coverage | undefined {
  const agreement = records.agreements.get(r.agreementId);
  if (!agreement?.requiresConsent) return undefined;
  if (r.subjectRef === ZeroHash) return { covered: false, why: "the receipt names no subject" };
  return records.consents.coverageAt(r.subjectRef, requester, r.resourceId, r.purpose, r.time);
}

/** `requester`: the department that asked (the receipt's own department, except in a provider's receipt). */
export function checkDelivery(
  r: Receipt,
  records: ChainRecords,
  directory: Directory,
  requester: string = r.department,
): Violation[] {
  const receiptId = r.id;
  const violations: Violation[] = [];
  const at = r.time;
  const agreement = records.agreements.get(r.agreementId);
  const grant = records.grants.get(r.grantId);
  for (const [role, department] of [
    ["requester", requester],
    ["provider", r.provider],
  ] as const) {
    const status = records.departments.statusAt(department, at);
    if (status !== "active") {
      violations.push({
        rule: "department_suspended",
        receiptId,
        detail: `at its time the ${role} ${directory.departmentName(department)} (${department}) was ${status ?? "not admitted"}`,
      });
    }
  }
  if (!agreement) {
    violations.push({
      rule: "agreement_inactive",
      receiptId,
      detail: `agreement ${r.agreementId} does not exist on chain`,
    });
  } else {
    const mismatches = [
      !same(agreement.resourceId, r.resourceId) &&
        `resource ${r.resourceId} is not the agreement's ${agreement.resourceId}`,
      !same(agreement.provider, r.provider) && `provider ${r.provider} is not the agreement's ${agreement.provider}`,
      ![agreement.consumer, ...agreement.coConsumers].some((c) => same(c, requester)) &&
        `department ${requester} is not a consumer of agreement ${agreement.id}`,
    ].filter((m): m is string => typeof m === "string");
    for (const detail of mismatches) violations.push({ rule: "receipt_inconsistent", receiptId, detail });
    const refusal = agreementRefusalAt(agreement, at);
    if (refusal) violations.push({ rule: "agreement_inactive", receiptId, detail: `at its time: ${refusal}` });
    if (!same(agreement.purpose, r.purpose)) {
      violations.push({
        rule: "purpose_mismatch",
        receiptId,
        detail: `purpose "${bytes32Text(r.purpose)}" is not the agreement's "${bytes32Text(agreement.purpose)}"`,
      });
    }
  }
  if (!grant) {
    violations.push({ rule: "grant_inactive", receiptId, detail: `grant ${r.grantId} does not exist on chain` });
  } else {
    if (String(grant.agreementId) !== r.agreementId) {
      violations.push({
        rule: "receipt_inconsistent",
        receiptId,
        detail: `grant ${grant.id} is under agreement ${grant.agreementId}, not ${r.agreementId}`,
      });
    }
    if (!same(grant.grantee, r.account)) {
      violations.push({
        rule: "receipt_inconsistent",
        receiptId,
        detail: `account ${r.account} is not grant ${grant.id}'s grantee ${grant.grantee}`,
      });
    }
    if (!same(grant.consumer, requester)) {
      violations.push({
        rule: "receipt_inconsistent",
        receiptId,
        detail: `department ${requester} is not grant ${grant.id}'s consumer ${grant.consumer}`,
      });
    }
    const refusal = grantRefusalAt(grant, at);
    if (refusal) violations.push({ rule: "grant_inactive", receiptId, detail: `at its time: ${refusal}` });
    const outside = BigInt(r.fieldMask) & ~grant.fieldMask;
    if (outside !== 0n) {
      violations.push({
        rule: "field_outside_grant",
        receiptId,
        detail: `delivered ${directory.fieldNames(r.resourceId, outside)} (mask ${r.fieldMask}), outside grant ${grant.id}'s fields ${directory.fieldNames(r.resourceId, grant.fieldMask)} (mask 0x${grant.fieldMask.toString(16)})`,
      });
    }
  }
  const coverage = consentCoverage(r, records, requester);
  if (coverage && !coverage.covered) {
    violations.push({
      rule: "consent_missing",
      receiptId,
      detail: `agreement ${r.agreementId} requires consent: ${coverage.why}`,
    });
  }
  return violations;
}
