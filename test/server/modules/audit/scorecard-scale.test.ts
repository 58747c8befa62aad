/**
 * Issue 17, bounded memory: the gateway's scorecard streams its indexed events and the consent store's rows through
 * the auditor's fold (core/audit/scorecard.ts) instead of reading them all, and must still answer exactly what the
 * auditor computes from the same events as the chain gives them (a ConsentWithdrawn naming the department that acted,
 * not the recorder). 20,000 consents, written through the consent store's own statements.
 */
import { expect } from "chai";
import type { IndexedEvent, JsonObject } from "../../../../server/src/common/indexed-event";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { migrateChainSchema } from "../../../../server/src/chain/schema";
import { eventWriter } from "../../../../server/src/chain/indexer";
import { ConsentStore } from "../../../../server/src/store/consents";
import { ReceiptStore } from "../../../../server/src/store/receipts";
import { ScorecardService, rankedCards } from "../../../../server/src/modules/audit/service";
import {
  ScorecardFold,
  computeScorecards,
  type ScorecardContract,
  type ScorecardEvent,
} from "../../../../core/audit/scorecard";

const CONSENTS = 20_000;
const word = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const DEPARTMENTS = [1, 2, 3, 4].map((n) => word(0xd0 + n));
/** Recorded consents and grants may name a department never admitted: counted for no card. */
const NOT_A_MEMBER = word(0xdead);
/** 2026-03-01T00:00:00+08:00: blocks ten minutes apart from here, so that the history spans several days. */
const T0 = Date.parse("2026-03-01T00:00:00+08:00") / 1000;
const BLOCK_SECONDS = 600;

/** A deterministic history: departments, a few agreements and grants, many consents recorded and some withdrawn. */
function history(): IndexedEvent[] {
  const events: IndexedEvent[] = [];
  let block = 1;
  const at = (contract: ScorecardContract, name: string, args: JsonObject, logIndex = 0): IndexedEvent => ({
    blockNumber: block,
    logIndex,
    txHash: word(block),
    address: `0x${"00".repeat(20)}`,
    contract,
    name,
    args,
    blockTime: T0 + block * BLOCK_SECONDS,
  });
  DEPARTMENTS.forEach((departmentId, i) =>
    events.push(at("Consortium", "DepartmentAdmitted", { departmentId, code: `D${i}`, name: `部门${i}` }, i)),
  );
  block++;
  for (let i = 0; i < 12; i++, block++) {
    const agreementId = String(i + 1);
    const provider = DEPARTMENTS[i % 4];
    const consumer = DEPARTMENTS[(i + 1) % 4];
    const replyDeadline = String(T0 + (block + 30 + i * 5) * BLOCK_SECONDS);
    events.push(
      at("SharingAgreements", "AgreementRequested", {
        agreementId,
        resourceId: word(0xa0),
        provider,
        consumer,
        replyDeadline,
      }),
    );
    if (i % 3 !== 2) events.push(at("SharingAgreements", "AgreementApproved", { agreementId, byCouncil: false }, 1));
    // Three grants a block, so that the gateway's count of them by block and consumer counts more than one.
    for (let g = 0; g < 3; g++) {
      const grant = { grantId: word(i * 3 + g), consumer: i % 5 === 4 ? NOT_A_MEMBER : consumer };
      events.push(at("Grants", "GrantIssued", grant, 2 + g));
    }
  }
  const consentId = (i: number) => word(0x100000 + i);
  for (let i = 0; i < CONSENTS; i++) {
    if (i % 100 === 0) block++;
    const recorder = i % 13 === 0 ? NOT_A_MEMBER : DEPARTMENTS[i % 4];
    events.push(
      at("ConsentRegistry", "ConsentRecorded", consentArgs(consentId(i), recorder, DEPARTMENTS[(i + 2) % 4]), i % 100),
    );
  }
  // Every seventh consent withdrawn later, by a department other than its recorder (or by the subject's signature).
  for (let i = 0; i < CONSENTS; i += 7) {
    if (i % 700 === 0) block++;
    const department = i % 2 === 0 ? DEPARTMENTS[(i + 1) % 4] : word(0);
    events.push(
      at(
        "ConsentRegistry",
        "ConsentWithdrawn",
        { subjectRef: word(i), consentId: consentId(i), department, evidence: word(9) },
        (i / 7) % 100,
      ),
    );
  }
  return events;
}

function consentArgs(consentId: string, recorder: string, recipient: string): JsonObject {
  return {
    subjectRef: consentId,
    consentId,
    recipient,
    resourceId: word(0xa0),
    purpose: word(0xb0),
    separate: false,
    validFrom: String(T0),
    validUntil: String(T0 + 365 * 86_400),
    evidenceKind: "2",
    evidence: word(0xe0),
    recorder,
    afterWithdrawal: false,
  };
}

/** Fills the gateway's tables as its indexer would: the consent store's statements, the rest in `events`. */
function fill(db: Db, events: readonly IndexedEvent[]): void {
  const consents = new ConsentStore(db);
  const insertEvent = eventWriter(db);
  db.transaction(() => {
    consents.apply(events);
    for (const e of events.filter((e) => e.contract !== "ConsentRegistry")) insertEvent(e);
  })();
}

/** The auditor's answer from the same events as the chain gives them, shaped as the gateway's route shapes it. */
function auditorAnswer(events: readonly IndexedEvent[], from: number, to: number) {
  const chainEvents: ScorecardEvent[] = events.map((e) => ({
    contract: e.contract as ScorecardContract,
    name: e.name,
    args: e.args,
    time: e.blockTime,
  }));
  return rankedCards(computeScorecards(chainEvents, { from, to }));
}

describe("GET /v1/audit/scorecard over 20,000 consents: streamed, and the auditor's answer still (issue 17)", function () {
  let db: Db;
  let events: IndexedEvent[];
  let service: ScorecardService;
  let head: { block: number; time: number };

  before(function () {
    events = history();
    db = openDatabase(":memory:");
    migrateChainSchema(db);
    fill(db, events);
    const last = events.at(-1)!;
    head = { block: last.blockNumber, time: last.blockTime + BLOCK_SECONDS };
    service = new ScorecardService(
      db,
      new ReceiptStore(db),
      () => DEPARTMENTS,
      () => head,
    );
  });

  after(function () {
    db?.close();
  });

  it("answers the whole history byte for byte as the auditor's computation over the same events", function () {
    const answer = service.scorecard({});
    const expected = auditorAnswer(events, 0, head.time);
    expect(JSON.stringify({ departments: answer.departments, overdue: answer.overdue })).to.equal(
      JSON.stringify(expected),
    );
    // Not an agreement of two empty answers: every member's consents are counted, withdrawals for the recorder.
    const recordedByMembers = Array.from({ length: CONSENTS }, (_, i) => i).filter((i) => i % 13 !== 0);
    const withdrawnByMembers = recordedByMembers.filter((i) => i % 7 === 0);
    const total = (f: (c: (typeof answer.departments)[number]) => number) =>
      answer.departments.reduce((sum, c) => sum + f(c), 0);
    expect(total((c) => c.consentsRecorded)).to.equal(recordedByMembers.length);
    expect(total((c) => c.consentsWithdrawn)).to.equal(withdrawnByMembers.length);
    expect(answer.departments.find((c) => c.id === DEPARTMENTS[1])).to.include({
      consentsRecorded: recordedByMembers.filter((i) => i % 4 === 1).length,
      consentsWithdrawn: withdrawnByMembers.filter((i) => i % 4 === 1).length,
    });
    expect(total((c) => c.grants)).to.equal(30);
    expect(total((c) => c.approvals)).to.equal(8);
  });

  it("answers a period inside the history (China Standard Time days) as the auditor's computation does", function () {
    // The consents span 2026-03-01 (from its second hour) to 2026-03-02; the withdrawals come after them.
    const firstDay = service.scorecard({ from: "2026-03-01", to: "2026-03-01" });
    const end = Date.parse("2026-03-02T00:00:00+08:00") / 1000 - 1;
    expect(firstDay.to).to.equal(end);
    const expected = auditorAnswer(events, T0, end);
    expect(JSON.stringify({ departments: firstDay.departments, overdue: firstDay.overdue })).to.equal(
      JSON.stringify(expected),
    );
    const recorded = firstDay.departments.reduce((sum, c) => sum + c.consentsRecorded, 0);
    expect(recorded).to.be.greaterThan(0).and.lessThan(CONSENTS);

    const later = service.scorecard({ from: "2026-03-02" });
    expect(JSON.stringify({ departments: later.departments, overdue: later.overdue })).to.equal(
      JSON.stringify(auditorAnswer(events, end + 1, head.time)),
    );
  });

  it("told the withdrawn consents beforehand (the auditor's report), counts as when it remembers every recorder", function () {
    const period = { from: T0, to: head.time };
    const folded = (fold: ScorecardFold, list: readonly IndexedEvent[]) => {
      for (const e of list)
        fold.add({ contract: e.contract as ScorecardContract, name: e.name, args: e.args, time: e.blockTime });
      return JSON.stringify(fold.result());
    };
    const withdrawals = events.filter((e) => e.name === "ConsentWithdrawn");
    const withdrawn = new Set(withdrawals.map((e) => String(e.args.consentId).toLowerCase()));
    const told = folded(new ScorecardFold(period, { withdrawnConsents: withdrawn }), events);
    expect(told).to.equal(folded(new ScorecardFold(period), events));
    expect(
      JSON.parse(told).cards.reduce((n: number, c: { consentsWithdrawn: number }) => n + c.consentsWithdrawn, 0),
    ).to.be.greaterThan(0);
    // A set that leaves out a withdrawn consent is the caller's error, not a withdrawal silently not counted.
    const short = new Set([...withdrawn].slice(1));
    expect(() => folded(new ScorecardFold(period, { withdrawnConsents: short }), events)).to.throw(
      `consent ${String(withdrawals[0].args.consentId).toLowerCase()} is withdrawn, but not among`,
    );
  });

  it("takes grouped counts only of the events it merely counts, and only when withdrawals name the recorder", function () {
    const period = { from: 0, to: head.time };
    const recorded = (count: number): ScorecardEvent => ({
      contract: "ConsentRegistry",
      name: "ConsentRecorded",
      args: { recorder: DEPARTMENTS[0] },
      time: T0,
      count,
    });
    const grouped = new ScorecardFold(period, { withdrawalsNameRecorder: true });
    const args = { departmentId: DEPARTMENTS[0], code: "D0", name: "部门0" };
    grouped.add({ contract: "Consortium", name: "DepartmentAdmitted", args, time: T0 });
    grouped.add(recorded(3));
    grouped.add(recorded(2));
    expect(grouped.result().cards.map((c) => c.consentsRecorded)).to.deep.equal([5]);
    const approved: ScorecardEvent = {
      contract: "SharingAgreements",
      name: "AgreementApproved",
      args: { agreementId: "1", byCouncil: false },
      time: T0,
      count: 2,
    };
    expect(() => grouped.add(approved)).to.throw("SharingAgreements.AgreementApproved cannot be counted 2 at once");
    // The chain's own withdrawals name no recorder: the fold must see each consent's id to find it (not a grant's).
    const remembering = new ScorecardFold(period);
    expect(() => remembering.add(recorded(2))).to.throw("cannot be counted 2 at once");
    const grants: ScorecardEvent = {
      contract: "Grants",
      name: "GrantIssued",
      args: { consumer: DEPARTMENTS[0] },
      time: T0,
      count: 4,
    };
    remembering.add({ contract: "Consortium", name: "DepartmentAdmitted", args, time: T0 });
    remembering.add(grants);
    expect(remembering.result().cards.map((c) => c.grants)).to.deep.equal([4]);
    const withdrawn: ScorecardEvent = { contract: "ConsentRegistry", name: "ConsentWithdrawn", args: {}, time: T0 };
    expect(() => grouped.add(withdrawn)).to.throw("names no recorder");
  });
});
