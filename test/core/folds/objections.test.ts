import { expect } from "chai";
import { applyObjectionEvent, objectionOverdue } from "../../../core/folds/objections";

const RESOURCE = `0x${"CC".repeat(32)}`;
const PROVIDER = `0x${"AA".repeat(32)}`;
const CONSUMER = `0x${"BB".repeat(32)}`;
const ZERO = `0x${"0".repeat(64)}`;
const REASON = `0x${"EE".repeat(32)}`;
const keys = { objectionId: "2", resourceId: RESOURCE, provider: PROVIDER };

const raised = applyObjectionEvent(
  undefined,
  "ObjectionRaised",
  {
    ...keys,
    consumer: CONSUMER,
    fieldMask: "6",
    evidenceHash: REASON,
    answerDeadline: "5000",
    description: "wrong dates",
  },
  1000,
)!;

describe("core/folds/objections", function () {
  it("raises an objection, overdue only after its deadline's last second", function () {
    expect(raised).to.include({ id: "2", status: "raised", fieldMask: 6n, answerDeadline: 5000, raisedAt: 1000 });
    expect(objectionOverdue(raised, 5000)).to.equal(false);
    expect(objectionOverdue(raised, 5001)).to.equal(true);
  });

  it("keeps the first answer's time and punctuality through a dispute, an escalation, an upheld decision and the correction", function () {
    const disputed = applyObjectionEvent(
      raised,
      "ObjectionDisputed",
      { ...keys, reasonHash: REASON, onTime: true },
      2000,
    )!;
    const escalated = applyObjectionEvent(disputed, "ObjectionEscalated", keys, 2100)!;
    const upheld = applyObjectionEvent(
      escalated,
      "ObjectionDecidedByCouncil",
      { ...keys, upheld: true, reasonHash: ZERO },
      2200,
    )!;
    expect(upheld).to.include({ status: "upheld", councilUpheld: true, councilReasonHash: null, escalatedAt: 2100 });
    const corrected = applyObjectionEvent(
      upheld,
      "ObjectionCorrected",
      { ...keys, version: 3n, noteHash: ZERO, onTime: true },
      9000,
    )!;
    expect(corrected).to.include({
      status: "corrected",
      answeredAt: 2000,
      answeredOnTime: true,
      correctedVersion: 3,
      correctionNoteHash: null,
      disputed: true,
      disputeReasonHash: REASON.toLowerCase(),
    });
    expect(objectionOverdue(corrected, 99999)).to.equal(false);
  });

  it("folds a late correction by note and a dismissal, and ignores events of an objection never raised", function () {
    const late = applyObjectionEvent(
      raised,
      "ObjectionCorrected",
      { ...keys, version: 0, noteHash: REASON, onTime: false },
      6000,
    )!;
    expect(late).to.include({
      answeredOnTime: false,
      correctedVersion: null,
      correctionNoteHash: REASON.toLowerCase(),
    });
    const dismissed = applyObjectionEvent(
      raised,
      "ObjectionDecidedByCouncil",
      { ...keys, upheld: false, reasonHash: REASON },
      7000,
    )!;
    expect(dismissed).to.include({ status: "dismissed", councilUpheld: false });
    expect(applyObjectionEvent(undefined, "ObjectionEscalated", keys, 1)).to.equal(undefined);
  });
});
