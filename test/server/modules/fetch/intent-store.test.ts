/**
 * The consumer's intents (issue 16's write-ahead log) hold only the exchanges in flight: an intent is deleted in the
 * transaction of the receipt that settles it, and a database of an earlier release, which kept closed intents, loses
 * them at its migration while its open ones stay, to be completed at start.
 */
import { expect } from "chai";
import { ethers } from "ethers";
import { migrate, openDatabase, type Db } from "../../../../server/src/common/db";
import { INTENT_MIGRATIONS, IntentStore, type OpenIntent } from "../../../../server/src/store/intents";

const BEFORE_DELETION = 2;

function intent(name: string, createdMs: number): OpenIntent {
  return {
    requestId: ethers.id(name),
    departmentKey: "gz-civil-affairs",
    request: { requestId: ethers.id(name), grantId: ethers.id(`grant ${name}`) },
    signature: "0x" + "11".repeat(65),
    provider: ethers.id("public-security"),
    context: { purpose: ethers.id("household-check") },
    params: { year: 2026 },
    createdMs,
  };
}

describe("Fetch: the intent store keeps only the exchanges in flight", function () {
  let db: Db;
  beforeEach(() => {
    db = openDatabase(":memory:");
  });
  afterEach(() => db.close());

  it("lists what was opened, oldest first, and forgets an intent once closed", function () {
    const intents = new IntentStore(db);
    intents.open(intent("second", 2_000));
    intents.open(intent("first", 1_000));
    expect(intents.listOpen()).to.deep.equal([intent("first", 1_000), intent("second", 2_000)]);
    expect(intents.close(ethers.id("first"))).to.equal(true);
    expect(intents.close(ethers.id("first"))).to.equal(false);
    expect(intents.listOpen()).to.deep.equal([intent("second", 2_000)]);
    expect(db.prepare("SELECT request_id FROM exchange_intents").pluck().all()).to.deep.equal([ethers.id("second")]);
  });

  it("drops the closed intents an earlier release kept, and keeps its open ones", function () {
    migrate(db, "exchange_intents", INTENT_MIGRATIONS.slice(0, BEFORE_DELETION));
    const insert = db.prepare(
      `INSERT INTO exchange_intents (request_id, department_key, request_json, signature, provider, context_json,
         params_json, created_ms, closed_ms, receipt_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const row = (o: OpenIntent, closedMs: number | null) =>
      insert.run(
        o.requestId,
        o.departmentKey,
        JSON.stringify(o.request),
        o.signature,
        o.provider,
        JSON.stringify(o.context),
        JSON.stringify(o.params),
        o.createdMs,
        closedMs,
        closedMs === null ? null : ethers.id(`receipt of ${o.requestId}`),
      );
    row(intent("settled", 1_000), 1_500);
    row(intent("interrupted", 2_000), null);
    row(intent("settled later", 3_000), 3_500);

    const intents = new IntentStore(db);
    expect(intents.listOpen()).to.deep.equal([intent("interrupted", 2_000)]);
    expect(db.prepare("SELECT COUNT(*) FROM exchange_intents").pluck().get()).to.equal(1);
    const columns = db.prepare("SELECT name FROM pragma_table_info('exchange_intents')").pluck().all();
    expect(columns).to.not.include("closed_ms");
    expect(columns).to.not.include("receipt_id");
    expect(
      db.prepare("SELECT MAX(version) FROM schema_migrations WHERE component = 'exchange_intents'").pluck().get(),
    ).to.equal(INTENT_MIGRATIONS.length);
  });
});
