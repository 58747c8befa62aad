import { expect } from "chai";
import type { AgreementState } from "../../../../core/folds/agreements";
import type { CurrentConsent } from "../../../../core/folds/consents";
import type { GrantState } from "../../../../core/folds/grants";
import { agreementId, consentId, grantId, type DepartmentId, type ResourceId } from "../../../../core/ids";
import {
  DENIAL_REASONS,
  decide,
  type FetchRequestFacts,
  type PolicyResource,
  type PolicyState,
} from "../../../../server/src/modules/fetch/decide";

const PROVIDER = `0x${"0a".repeat(32)}` as DepartmentId;
const CONSUMER = `0x${"0b".repeat(32)}` as DepartmentId;
const CO_CONSUMER = `0x${"0c".repeat(32)}` as DepartmentId;
const OUTSIDER = `0x${"0d".repeat(32)}` as DepartmentId;
const GATEWAY_ACCOUNT = `0x${"a1".repeat(20)}`;
const OPERATOR_ACCOUNT = `0x${"a2".repeat(20)}`;
const CO_CONSUMER_ACCOUNT = `0x${"a3".repeat(20)}`;
const RESOURCE = `0x${"e1".repeat(32)}` as ResourceId;
const PURPOSE = `0x${"f1".repeat(32)}`;
const OTHER_PURPOSE = `0x${"f2".repeat(32)}`;
const SUBJECT = `0x${"5a".repeat(32)}`;
const CONSENT = consentId(`0x${"c0".repeat(32)}`);
const CO_CONSENT = consentId(`0x${"c1".repeat(32)}`);

/** A day apart, so that every boundary below is a second away from one edge and far from the others. */
const AGREEMENT_FROM = 1_000_000;
const AGREEMENT_UNTIL = AGREEMENT_FROM + 10 * 86_400;
const GRANT_EXPIRES = AGREEMENT_UNTIL - 86_400;
const CONSENT_FROM = AGREEMENT_FROM + 86_400;
const CONSENT_UNTIL = GRANT_EXPIRES - 86_400;
const MIDDLE = CONSENT_FROM + 86_400;

interface World {
  grant: GrantState;
  agreement: AgreementState | undefined;
  resource: PolicyResource | undefined;
  facts: FetchRequestFacts;
  suspended: string[];
  /** account → department it acts for */
  operators: Record<string, string>;
  /** consents by recipient department */
  consents: Record<string, CurrentConsent>;
}

function world(): World {
  const quota = { calls: 0, per: "none" as const };
  return {
    grant: {
      id: grantId(7),
      agreementId: agreementId(3),
      consumer: CONSUMER,
      grantee: GATEWAY_ACCOUNT,
      fieldMask: 3n,
      expiresAt: GRANT_EXPIRES,
      status: "active",
      quota,
    },
    agreement: {
      id: agreementId(3),
      resourceId: RESOURCE,
      provider: PROVIDER,
      consumer: CONSUMER,
      coConsumers: [CO_CONSUMER],
      fieldMask: 7n,
      purpose: PURPOSE,
      legalBasis: "consent",
      validFrom: AGREEMENT_FROM,
      validUntil: AGREEMENT_UNTIL,
      replyDeadline: 0,
      requiresConsent: true,
      providerApproved: true,
      pendingSeals: 0,
      quota,
      termsHash: `0x${"7e".repeat(32)}`,
      storedStatus: "active",
      rejection: null,
      councilDecision: null,
    },
    resource: {
      id: RESOURCE,
      provider: PROVIDER,
      code: "household",
      version: 1,
      retired: false,
      personal: true,
      fields: [],
      upstreamUrl: "http://127.0.0.1:1/household",
    },
    facts: {
      department: CONSUMER,
      gatewayAccount: GATEWAY_ACCOUNT,
      purpose: PURPOSE,
      subjectRef: SUBJECT,
      now: MIDDLE,
    },
    suspended: [],
    operators: { [OPERATOR_ACCOUNT]: CONSUMER, [CO_CONSUMER_ACCOUNT]: CO_CONSUMER },
    consents: {
      [CONSUMER]: { id: CONSENT, validFrom: CONSENT_FROM, validUntil: CONSENT_UNTIL, state: "active" },
    },
  };
}

function stateOf(w: World): PolicyState {
  return {
    actsFor: (account, department) => w.operators[account.toLowerCase()] === department.toLowerCase(),
    isSuspended: (department) => w.suspended.includes(department.toLowerCase()),
    consent: (subjectRef, recipient, resourceId, purpose) =>
      subjectRef === SUBJECT && resourceId === RESOURCE && purpose === PURPOSE ? w.consents[recipient] : undefined,
  };
}

function decideIn(w: World) {
  return decide(stateOf(w), w.grant, w.agreement, w.resource, w.facts);
}

interface Row {
  name: string;
  change: (w: World) => void;
  /** null: allowed */
  reason: string | null;
  consentId?: string | null;
}

const setNow = (now: number) => (w: World) => {
  w.facts.now = now;
};

const ROWS: Row[] = [
  { name: "allows the consumer's gateway account with a consent in effect", change: () => {}, reason: null },
  {
    name: "allows a grant issued to one of the consumer's operator accounts",
    change: (w) => {
      w.grant.grantee = OPERATOR_ACCOUNT;
    },
    reason: null,
  },
  {
    name: "denies a grant of another department (grant_not_owned)",
    change: (w) => {
      w.facts.department = OUTSIDER;
    },
    reason: "grant_not_owned",
  },
  {
    name: "denies a grant whose grantee does not act for the caller (grant_not_owned)",
    change: (w) => {
      w.grant.grantee = CO_CONSUMER_ACCOUNT;
    },
    reason: "grant_not_owned",
  },
  {
    name: "denies a paused grant (grant_inactive)",
    change: (w) => {
      w.grant.status = "paused";
    },
    reason: "grant_inactive",
  },
  {
    name: "denies a revoked grant (grant_inactive)",
    change: (w) => {
      w.grant.status = "revoked";
    },
    reason: "grant_inactive",
  },
  {
    name: "allows the last second before the grant expires",
    change: (w) => {
      w.consents[CONSUMER].validUntil = AGREEMENT_UNTIL;
      w.facts.now = GRANT_EXPIRES - 1;
    },
    reason: null,
  },
  {
    name: "denies at the grant's expiry second (grant_inactive)",
    change: setNow(GRANT_EXPIRES),
    reason: "grant_inactive",
  },
  {
    name: "denies a grant whose agreement is not known (agreement_inactive)",
    change: (w) => {
      w.agreement = undefined;
    },
    reason: "agreement_inactive",
  },
  {
    name: "denies a suspended agreement (agreement_inactive)",
    change: (w) => {
      w.agreement!.storedStatus = "suspended";
    },
    reason: "agreement_inactive",
  },
  {
    name: "denies a requested agreement (agreement_inactive)",
    change: (w) => {
      w.agreement!.storedStatus = "requested";
    },
    reason: "agreement_inactive",
  },
  {
    name: "denies the second before the agreement's window starts (agreement_inactive)",
    change: (w) => {
      w.consents[CONSUMER].validFrom = 0;
      w.facts.now = AGREEMENT_FROM - 1;
    },
    reason: "agreement_inactive",
  },
  {
    name: "allows the agreement's first second",
    change: (w) => {
      w.consents[CONSUMER].validFrom = 0;
      w.facts.now = AGREEMENT_FROM;
    },
    reason: null,
  },
  {
    name: "allows the agreement's last second",
    change: (w) => {
      w.grant.expiresAt = AGREEMENT_UNTIL + 86_400;
      w.consents[CONSUMER].validUntil = AGREEMENT_UNTIL + 86_400;
      w.facts.now = AGREEMENT_UNTIL - 1;
    },
    reason: null,
  },
  {
    name: "denies at the second the agreement's window ends (agreement_inactive)",
    change: (w) => {
      w.grant.expiresAt = AGREEMENT_UNTIL + 86_400;
      w.consents[CONSUMER].validUntil = AGREEMENT_UNTIL + 86_400;
      w.facts.now = AGREEMENT_UNTIL;
    },
    reason: "agreement_inactive",
  },
  {
    name: "denies while the consumer department is suspended (agreement_inactive)",
    change: (w) => {
      w.suspended.push(CONSUMER);
    },
    reason: "agreement_inactive",
  },
  {
    name: "denies while the provider department is suspended (agreement_inactive)",
    change: (w) => {
      w.suspended.push(PROVIDER);
    },
    reason: "agreement_inactive",
  },
  {
    name: "denies another purpose (purpose_mismatch)",
    change: (w) => {
      w.facts.purpose = OTHER_PURPOSE;
    },
    reason: "purpose_mismatch",
  },
  {
    name: "denies a fetch about people that names no subject (subject_required)",
    change: (w) => {
      w.facts.subjectRef = null;
    },
    reason: "subject_required",
  },
  {
    name: "allows a fetch without a subject when the resource is not about people and no consent is required",
    change: (w) => {
      w.resource!.personal = false;
      w.agreement!.requiresConsent = false;
      w.facts.subjectRef = null;
    },
    reason: null,
    consentId: null,
  },
  {
    name: "denies a subject without a consent (consent_missing)",
    change: (w) => {
      delete w.consents[CONSUMER];
    },
    reason: "consent_missing",
    consentId: null,
  },
  {
    name: "denies the second before the consent takes effect (consent_missing)",
    change: setNow(CONSENT_FROM - 1),
    reason: "consent_missing",
    consentId: CONSENT,
  },
  { name: "allows the consent's first second", change: setNow(CONSENT_FROM), reason: null },
  { name: "allows the consent's last second", change: setNow(CONSENT_UNTIL - 1), reason: null },
  {
    name: "denies at the consent's expiry second (consent_expired)",
    change: setNow(CONSENT_UNTIL),
    reason: "consent_expired",
    consentId: CONSENT,
  },
  {
    name: "denies a withdrawn consent (consent_withdrawn)",
    change: (w) => {
      w.consents[CONSUMER].state = "withdrawn";
    },
    reason: "consent_withdrawn",
    consentId: CONSENT,
  },
  {
    name: "denies a consent revoked by its recorder (consent_withdrawn)",
    change: (w) => {
      w.consents[CONSUMER].state = "revoked";
    },
    reason: "consent_withdrawn",
    consentId: CONSENT,
  },
  {
    name: "allows a co-consumer's own grant with a consent given to the co-consumer",
    change: (w) => {
      w.grant.consumer = CO_CONSUMER;
      w.grant.grantee = CO_CONSUMER_ACCOUNT;
      w.facts.department = CO_CONSUMER;
      w.facts.gatewayAccount = null;
      w.consents[CO_CONSUMER] = { id: CO_CONSENT, validFrom: CONSENT_FROM, validUntil: CONSENT_UNTIL, state: "active" };
    },
    reason: null,
    consentId: CO_CONSENT,
  },
  {
    name: "denies a co-consumer whose subject consented only to the lead consumer (consent_missing)",
    change: (w) => {
      w.grant.consumer = CO_CONSUMER;
      w.grant.grantee = CO_CONSUMER_ACCOUNT;
      w.facts.department = CO_CONSUMER;
      w.facts.gatewayAccount = null;
    },
    reason: "consent_missing",
    consentId: null,
  },
];

describe("fetch decide()", function () {
  for (const row of ROWS) {
    it(row.name, function () {
      const w = world();
      row.change(w);
      const decision = decideIn(w);
      if (row.reason === null) {
        expect(decision, JSON.stringify(decision)).to.include({ allowed: true });
      } else {
        expect(decision, JSON.stringify(decision)).to.include({ allowed: false, reason: row.reason });
      }
      if (row.consentId !== undefined) expect(decision.consentId).to.equal(row.consentId);
      else if (row.reason === null) expect(decision.consentId).to.equal(w.consents[w.facts.department]?.id ?? null);
    });
  }

  it("names the grantee as the account that fetched", function () {
    const w = world();
    w.grant.grantee = OPERATOR_ACCOUNT;
    expect(decideIn(w)).to.deep.equal({ allowed: true, consentId: CONSENT, account: OPERATOR_ACCOUNT });
  });

  it("covers every denial reason decide() gives (the quota is counted after it)", function () {
    const reasons = new Set(ROWS.map((r) => r.reason).filter((r) => r !== null));
    expect([...reasons].sort()).to.deep.equal(DENIAL_REASONS.filter((r) => r !== "quota_exceeded").sort());
  });
});
