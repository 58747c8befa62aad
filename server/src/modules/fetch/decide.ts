/**
 * The access decision of a data fetch, a pure function: the state it judges (what the access policy projection holds
 * as of the latest indexed block, folded by the core's folds) and the request's facts in, allow or deny with the
 * reason out. No clock, no I/O.
 */
import type { AgreementState } from "../../../../core/folds/agreements";
import type { CurrentConsent } from "../../../../core/folds/consents";
import type { GrantState } from "../../../../core/folds/grants";
import type { ResourceField } from "../../../../core/catalog/fields";

/** A catalog resource as a decision reads it: the catalog's projection (store/catalog.ts), the one its API lists. */
export interface PolicyResource {
  id: string;
  provider: string;
  code: string;
  version: number;
  retired: boolean;
  personal: boolean;
  /** Its items in bit order, as the catalog lists them (core/catalog/fields.ts). */
  fields: ResourceField[];
}

/** The refusal reasons of `POST /v1/data/fetch` (lower snake case, as the API and the receipts carry them). */
export const DENIAL_REASONS = [
  "grant_not_owned",
  "grant_inactive",
  "agreement_inactive",
  "purpose_mismatch",
  "subject_required",
  "consent_missing",
  "consent_withdrawn",
  "consent_expired",
  "quota_exceeded",
] as const;
type DenialReason = (typeof DENIAL_REASONS)[number];

/** What `decide` asks of the indexed state besides the grant, agreement and resource it is given. */
export interface PolicyState {
  /** Whether `account` acts for `department` (one of its operator or system accounts on the Consortium). */
  actsFor(account: string, department: string): boolean;
  isSuspended(department: string): boolean;
  /** The current consent of (subject, recipient, resource, purpose). */
  consent(subjectRef: string, recipient: string, resourceId: string, purpose: string): CurrentConsent | undefined;
}

/** What the policy needs to know about a fetch to decide it. */
export interface FetchRequestFacts {
  /** The caller's department id. */
  department: string;
  /** Accounts that sign for the caller's department at this gateway (its gateway account). */
  gatewayAccount: string | null;
  purpose: string;
  subjectRef: string | null;
  now: number;
}

export type PolicyDecision =
  | { allowed: true; consentId: string | null; account: string }
  | { allowed: false; reason: Exclude<DenialReason, "quota_exceeded">; consentId: string | null; detail: string };

/**
 * The checks of `POST /v1/data/fetch` except the quota, in the order of the API: the caller owns the grant; the
 * grant is active; the agreement is active and in its window (and neither party suspended); the purpose is the
 * agreement's; a subject is named when the resource is about people (needed before consent can be looked up); a
 * consent is in effect for (subject, consumer, resource, purpose) when the agreement requires one.
 */
export function decide(
  policy: PolicyState,
  grant: GrantState,
  agreement: AgreementState | undefined,
  resource: PolicyResource | undefined,
  facts: FetchRequestFacts,
): PolicyDecision {
  const deny = (reason: Exclude<DenialReason, "quota_exceeded">, detail: string, consentId: string | null = null) =>
    ({ allowed: false, reason, detail, consentId }) as const;
  const department = facts.department.toLowerCase();
  const grantee = grant.grantee.toLowerCase();
  const owned =
    grant.consumer === department &&
    (grantee === facts.gatewayAccount?.toLowerCase() || policy.actsFor(grantee, department));
  if (!owned) return deny("grant_not_owned", `grant ${grant.id} was not issued to this department's accounts`);
  if (grant.status !== "active") return deny("grant_inactive", `grant ${grant.id} is ${grant.status}`);
  if (facts.now >= grant.expiresAt) return deny("grant_inactive", `grant ${grant.id} has expired`);
  if (!agreement) return deny("agreement_inactive", `agreement ${grant.agreementId} is not known`);
  if (agreement.storedStatus !== "active") {
    return deny("agreement_inactive", `agreement ${agreement.id} is ${agreement.storedStatus}`);
  }
  if (facts.now < agreement.validFrom) return deny("agreement_inactive", `agreement ${agreement.id} has not started`);
  if (facts.now >= agreement.validUntil) return deny("agreement_inactive", `agreement ${agreement.id} has expired`);
  if (policy.isSuspended(department)) return deny("agreement_inactive", "the consumer department is suspended");
  if (policy.isSuspended(agreement.provider)) return deny("agreement_inactive", "the provider department is suspended");
  if (facts.purpose.toLowerCase() !== agreement.purpose) {
    return deny("purpose_mismatch", `the purpose is not agreement ${agreement.id}'s`);
  }
  const personal = resource?.personal ?? agreement.requiresConsent;
  if ((personal || agreement.requiresConsent) && facts.subjectRef === null) {
    return deny("subject_required", "the resource is about people: name the subject");
  }
  let consentId: string | null = null;
  if (agreement.requiresConsent && facts.subjectRef !== null) {
    const consent = policy.consent(facts.subjectRef, department, agreement.resourceId, agreement.purpose);
    if (!consent) return deny("consent_missing", "the subject has given no consent for this use");
    consentId = consent.id;
    if (consent.state === "withdrawn" || consent.state === "revoked") {
      return deny("consent_withdrawn", `the subject's consent is ${consent.state}`, consentId);
    }
    if (facts.now >= consent.validUntil) return deny("consent_expired", "the subject's consent has expired", consentId);
    if (facts.now < consent.validFrom)
      return deny("consent_missing", "the subject's consent is not in effect yet", consentId);
  }
  return { allowed: true, consentId, account: grantee };
}
