import { expect } from "chai";
import {
  agreementEventActor,
  agreementEventOf,
  applyAgreementEvent,
  effectiveStatus,
  type AgreementState,
} from "../../../core/folds/agreements";

const PROVIDER = `0x${"aa".repeat(32)}`;
const CONSUMER = `0x${"bb".repeat(32)}`;
const CO_A = `0x${"c1".repeat(32)}`;
const CO_B = `0x${"c2".repeat(32)}`;
const REASON = `0x${"de".repeat(32)}`;

/** AgreementRequested as the gateway's indexer gives it: integers as decimal strings, enums as their index. */
function requested(overrides: { replyDeadline?: string; coConsumers?: string[]; status?: string } = {}) {
  return agreementEventOf("AgreementRequested", {
    agreementId: "7",
    resourceId: `0x${"0F".repeat(32)}`,
    consumer: CONSUMER.toUpperCase().replace("0X", "0x"),
    provider: PROVIDER,
    terms: {
      resourceId: `0x${"0f".repeat(32)}`,
      coConsumers: overrides.coConsumers ?? [CO_A, CO_B],
      fieldMask: "5",
      purpose: `0x${"11".repeat(32)}`,
      legalBasis: "1",
      validFrom: "1000",
      validUntil: "2000",
      quota: { calls: "10", per: "3" },
      termsHash: `0x${"22".repeat(32)}`,
    },
    replyDeadline: overrides.replyDeadline ?? "1500",
    requiresConsent: true,
    status: overrides.status ?? "0",
  })!;
}

function fold(...events: { name: string; args: Record<string, unknown> }[]): AgreementState | undefined {
  let state = applyAgreementEvent(undefined, requested());
  for (const e of events)
    state = applyAgreementEvent(state, agreementEventOf(e.name, { agreementId: "7", ...e.args })!);
  return state;
}

describe("core/folds/agreements", function () {
  it("reads AgreementRequested into the state the contract stores, lower-casing ids", function () {
    expect(applyAgreementEvent(undefined, requested())).to.deep.equal({
      id: "7",
      resourceId: `0x${"0f".repeat(32)}`,
      provider: PROVIDER,
      consumer: CONSUMER,
      coConsumers: [CO_A, CO_B],
      fieldMask: 5n,
      purpose: `0x${"11".repeat(32)}`,
      legalBasis: "statutory_duty",
      validFrom: 1000,
      validUntil: 2000,
      replyDeadline: 1500,
      requiresConsent: true,
      providerApproved: false,
      pendingSeals: 0b11,
      quota: { calls: 10, per: "day" },
      termsHash: `0x${"22".repeat(32)}`,
      storedStatus: "requested",
      rejection: null,
      councilDecision: null,
    });
  });

  it("reads ethers-style arguments (bigint) the same as the indexer's decimal strings", function () {
    const fromBigints = agreementEventOf("AgreementDecidedByCouncil", {
      agreementId: 7n,
      approved: true,
      reasonHash: REASON,
    });
    const fromStrings = agreementEventOf("AgreementDecidedByCouncil", {
      agreementId: "7",
      approved: true,
      reasonHash: REASON,
    });
    expect(fromBigints).to.deep.equal(fromStrings);
  });

  it("needs no provider answer when the reply deadline is zero (unconditional resource)", function () {
    expect(applyAgreementEvent(undefined, requested({ replyDeadline: "0", status: "1" }))).to.include({
      providerApproved: true,
      storedStatus: "active",
    });
  });

  it("clears a co-consumer's pending seal, and ignores a seal by anyone else", function () {
    expect(fold({ name: "AgreementSealed", args: { departmentId: CO_B } })?.pendingSeals).to.equal(0b01);
    const before = applyAgreementEvent(undefined, requested());
    const outsider = agreementEventOf("AgreementSealed", { agreementId: "7", departmentId: PROVIDER })!;
    expect(applyAgreementEvent(before, outsider)).to.equal(before);
  });

  it("follows approval, activation, suspension, resumption and termination", function () {
    const steps: [string, Record<string, unknown>, string][] = [
      ["AgreementApproved", { provider: PROVIDER, byCouncil: false }, "requested"],
      ["AgreementActivated", {}, "active"],
      ["AgreementSuspended", { actor: PROVIDER, byCouncil: false }, "suspended"],
      ["AgreementResumed", { actor: PROVIDER, byCouncil: false }, "active"],
      ["AgreementTerminated", { actor: CONSUMER, byCouncil: false }, "terminated"],
    ];
    const done: { name: string; args: Record<string, unknown> }[] = [];
    for (const [name, args, status] of steps) {
      done.push({ name, args });
      expect(fold(...done)?.storedStatus, name).to.equal(status);
    }
    expect(fold(...done)?.providerApproved).to.equal(true);
  });

  it("returns an escalated request to requested on the council's approval, as the contract does", function () {
    const state = fold(
      { name: "AgreementEscalated", args: { provider: PROVIDER, escalatedBy: CONSUMER } },
      { name: "AgreementDecidedByCouncil", args: { approved: true, reasonHash: REASON } },
    );
    expect(state?.storedStatus).to.equal("requested");
    expect(state?.councilDecision).to.deep.equal({ approved: true, reasonHash: REASON });
  });

  it("records a rejection (the council's rejection is followed by AgreementRejected)", function () {
    const decided = fold({ name: "AgreementDecidedByCouncil", args: { approved: false, reasonHash: REASON } });
    expect(decided?.storedStatus).to.equal("requested");
    const rejected = fold(
      { name: "AgreementDecidedByCouncil", args: { approved: false, reasonHash: REASON } },
      { name: "AgreementRejected", args: { provider: PROVIDER, reasonHash: REASON, byCouncil: true } },
    );
    expect(rejected).to.deep.include({ storedStatus: "rejected", rejection: { reasonHash: REASON, byCouncil: true } });
  });

  it("ignores events of an agreement never requested, and events of other names", function () {
    const activated = agreementEventOf("AgreementActivated", { agreementId: "8" })!;
    expect(applyAgreementEvent(undefined, activated)).to.equal(undefined);
    expect(agreementEventOf("GrantIssued", { grantId: "1" })).to.equal(undefined);
  });

  it("reports expired past validUntil except for rejected and terminated agreements", function () {
    expect(effectiveStatus({ storedStatus: "active", validUntil: 2000 }, 1999)).to.equal("active");
    expect(effectiveStatus({ storedStatus: "active", validUntil: 2000 }, 2000)).to.equal("expired");
    expect(effectiveStatus({ storedStatus: "suspended", validUntil: 2000 }, 2001)).to.equal("expired");
    expect(effectiveStatus({ storedStatus: "rejected", validUntil: 2000 }, 2001)).to.equal("rejected");
    expect(effectiveStatus({ storedStatus: "terminated", validUntil: 2000 }, 2001)).to.equal("terminated");
  });

  it("names the acting department, or null for the council and automatic steps", function () {
    expect(agreementEventActor(requested())).to.equal(CONSUMER);
    const byCouncil = agreementEventOf("AgreementSuspended", { agreementId: "7", actor: PROVIDER, byCouncil: true })!;
    expect(agreementEventActor(byCouncil)).to.equal(null);
    const byProvider = agreementEventOf("AgreementRejected", {
      agreementId: "7",
      provider: PROVIDER,
      reasonHash: REASON,
      byCouncil: false,
    })!;
    expect(agreementEventActor(byProvider)).to.equal(PROVIDER);
    expect(agreementEventActor(agreementEventOf("AgreementActivated", { agreementId: "7" })!)).to.equal(null);
  });
});
