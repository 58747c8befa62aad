/**
 * Issue 17, compact storage: the consent store keeps each ConsentRegistry event once, in typed columns (bytes32 as
 * blobs, departments, resources and purposes interned), and still answers every read as before: a consent, a
 * subject's consents, their trails with who acted, the key's current consent.
 */
import { expect } from "chai";
import type { IndexedEvent, JsonObject } from "../../../../server/src/common/indexed-event";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { ConsentStore } from "../../../../server/src/store/consents";

const word = (byte: string) => `0x${byte.repeat(32)}`;
const HEALTH = word("a1");
const CIVIL = word("b2");
const RESOURCE = word("c3");
const PURPOSE = word("d4");
const SUBJECT = word("e5");
const SIGNER = `0x${"f6".repeat(20)}`;
const SIGNER_WORD = `0x${"00".repeat(12)}${"f6".repeat(20)}`;
const COUNCIL = word("cc");
const T0 = 1_900_000_000;

function event(block: number, logIndex: number, name: string, args: JsonObject): IndexedEvent {
  return {
    blockNumber: block,
    logIndex,
    txHash: word(String(block).padStart(2, "0")),
    address: `0x${"00".repeat(20)}`,
    contract: "ConsentRegistry",
    name,
    args,
    blockTime: T0 + block,
  };
}

function recorded(block: number, logIndex: number, consentId: string, extra: JsonObject = {}): IndexedEvent {
  return event(block, logIndex, "ConsentRecorded", {
    subjectRef: SUBJECT,
    consentId,
    recipient: HEALTH,
    resourceId: RESOURCE,
    purpose: PURPOSE,
    separate: true,
    validFrom: String(T0),
    validUntil: String(T0 + 600),
    evidenceKind: "2",
    evidence: word("12"),
    recorder: CIVIL,
    afterWithdrawal: false,
    ...extra,
  });
}

/** A trail: recorded on paper, superseded by a consent the subject signed, withdrawn by signature; a third revoked. */
const trail = (): IndexedEvent[] => [
  recorded(10, 0, word("01")),
  event(11, 0, "ConsentSuperseded", { subjectRef: SUBJECT, consentId: word("01"), supersededBy: word("02") }),
  recorded(11, 1, word("02"), { evidenceKind: "1", evidence: SIGNER_WORD, recorder: HEALTH }),
  event(12, 0, "ConsentWithdrawn", {
    subjectRef: SUBJECT,
    consentId: word("02"),
    department: word("00"),
    evidence: SIGNER_WORD,
  }),
  recorded(13, 0, word("03"), { recipient: CIVIL }),
  event(14, 0, "ConsentRevoked", { subjectRef: SUBJECT, consentId: word("03"), revoker: COUNCIL, byCouncil: true }),
];

describe("Consent store: each event stored once, in typed columns (issue 17)", function () {
  let db: Db;
  let store: ConsentStore;

  beforeEach(function () {
    db = openDatabase(":memory:");
    store = new ConsentStore(db);
  });

  afterEach(function () {
    db.close();
  });

  it("answers a consent and a subject's trail with who acted, in chain order", function () {
    store.apply(trail());
    expect(store.get(word("01"))).to.deep.include({
      subjectRef: SUBJECT,
      recipient: HEALTH,
      resourceId: RESOURCE,
      purpose: PURPOSE,
      separate: true,
      evidenceKind: "record",
      evidence: word("12"),
      signer: null,
      recorder: CIVIL,
      ended: "superseded",
      supersededBy: word("02"),
      recordedBlock: 10,
      recordedAt: T0 + 10,
      recordedTx: word("10"),
    });
    expect(store.get(word("02"))).to.deep.include({ evidenceKind: "signature", signer: SIGNER, ended: "withdrawn" });
    expect(store.bySubject(SUBJECT).map((c) => c.consentId)).to.deep.equal([word("01"), word("02"), word("03")]);
    const events = store.historyOfSubject(SUBJECT);
    expect(events.map((e) => [e.consentId, e.event, e.blockNumber, e.logIndex])).to.deep.equal([
      [word("01"), "recorded", 10, 0],
      [word("01"), "superseded", 11, 0],
      [word("02"), "recorded", 11, 1],
      [word("02"), "withdrawn", 12, 0],
      [word("03"), "recorded", 13, 0],
      [word("03"), "revoked", 14, 0],
    ]);
    expect(events.map((e) => e.actor)).to.deep.equal([
      { kind: "department", departmentId: CIVIL },
      { kind: "department", departmentId: HEALTH },
      { kind: "department", departmentId: HEALTH, signer: SIGNER },
      { kind: "subject", signer: SIGNER },
      { kind: "department", departmentId: CIVIL },
      { kind: "council" },
    ]);
    expect(events[1]).to.include({ supersededBy: word("02"), txHash: word("11"), blockTime: T0 + 11 });
    expect(events[3]).to.include({ evidence: SIGNER_WORD });
    expect(store.history(word("02")).map((e) => e.event)).to.deep.equal(["recorded", "withdrawn"]);
    expect(store.history(word("09"))).to.deep.equal([]);
    // From a row already read, the same trail.
    expect(store.historyOf(store.get(word("02"))!)).to.deep.equal(store.history(word("02")));
    expect(store.historyOf(store.get(word("03"))!).map((e) => e.event)).to.deep.equal(["recorded", "revoked"]);
  });

  it("gives the key's current consent: the last recorded, in the state its events left it", function () {
    store.apply(trail());
    expect(store.currentOfKey(SUBJECT, HEALTH, RESOURCE, PURPOSE)).to.deep.equal({
      id: word("02"),
      validFrom: T0,
      validUntil: T0 + 600,
      state: "withdrawn",
    });
    expect(store.currentOfKey(SUBJECT, CIVIL, RESOURCE, PURPOSE)?.state).to.equal("revoked");
    expect(store.currentOfKey(SUBJECT, HEALTH, RESOURCE, word("d5"))).to.equal(undefined);
    expect(store.currentConsent(SUBJECT.toUpperCase().replace("0X", "0x"), HEALTH, RESOURCE, PURPOSE, T0)).to.include({
      consentId: word("02"),
      status: "withdrawn",
      inEffect: false,
    });
  });

  it("changes nothing when the same events are applied again (a replay meeting live events)", function () {
    store.apply(trail());
    store.apply(trail());
    expect(store.historyOfSubject(SUBJECT)).to.have.length(6);
    // One nonce for the signed consent, one for the signed withdrawal, counted once each.
    expect(store.signerNonce(SIGNER)).to.equal(2);
    expect(store.latestBlockTime()).to.equal(T0 + 14);
  });

  it("stores 2,000 consents in at most 600 bytes each, indexes included", function () {
    const events = Array.from({ length: 2_000 }, (_, i) =>
      recorded(100 + Math.floor(i / 500), i % 500, `0x${i.toString(16).padStart(64, "0")}`, {
        subjectRef: `0x${(i + 1).toString(16).padStart(64, "a")}`,
      }),
    );
    store.apply(events);
    const bytes = db
      .prepare(`SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'consent%' OR name LIKE 'sqlite_autoindex_consent%'`)
      .pluck()
      .get() as number;
    expect(bytes / 2_000).to.be.at.most(600);
  });
});
