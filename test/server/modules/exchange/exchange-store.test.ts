/**
 * The provider's store of first answers: what a repeat of a request gets back, kept by time. The delivered data goes
 * first (`forgetDataBefore`), the whole answer later (`forgetBefore`); a database of the release before, which kept
 * every answer, loses the ones older than a day at its migration.
 */
import { expect } from "chai";
import { ethers } from "ethers";
import type { ExchangeResponse } from "../../../../core/exchange";
import { migrate, openDatabase, type Db } from "../../../../server/src/common/db";
import { EXCHANGE_MIGRATIONS, ExchangeStore, type StoredExchange } from "../../../../server/src/store/exchanges";

const CONSUMER = ethers.id("gz-civil-affairs");
const BEFORE_PRUNING = 2;
const DAY_MS = 24 * 60 * 60 * 1000;

function answer(name: string, createdMs: number): StoredExchange {
  return {
    consumer: CONSUMER,
    requestId: ethers.id(name),
    requestDigest: ethers.id(`${name} digest`),
    httpStatus: 200,
    response: { requestId: ethers.id(name), result: 0 } as unknown as ExchangeResponse,
    signature: "0x" + "22".repeat(65),
    data: { name: "测试" },
    receiptId: ethers.id(`${name} receipt`),
    createdMs,
  };
}

describe("Exchange: the provider's store of first answers", function () {
  let db: Db;
  beforeEach(() => {
    db = openDatabase(":memory:");
  });
  afterEach(() => db.close());

  it("drops the data of answers before a time, then the answers themselves, and nothing newer", function () {
    const store = new ExchangeStore(db);
    store.insert(answer("old", 1_000));
    store.insert(answer("middle", 2_000));
    store.insert(answer("new", 3_000));
    expect(store.get(CONSUMER, ethers.id("old"))).to.deep.equal(answer("old", 1_000));

    expect(store.forgetDataBefore(2_500)).to.equal(2);
    expect(store.get(CONSUMER, ethers.id("middle"))).to.not.have.property("data");
    expect(store.get(CONSUMER, ethers.id("new"))).to.deep.equal(answer("new", 3_000));

    expect(store.forgetBefore(2_000)).to.equal(1);
    expect(store.get(CONSUMER, ethers.id("old"))).to.equal(null);
    expect(store.get(CONSUMER, ethers.id("middle"))).to.include({ receiptId: ethers.id("middle receipt") });
    expect(store.forgetBefore(2_000)).to.equal(0);
  });

  it("forgets by the index of times, not by reading the whole table", function () {
    new ExchangeStore(db);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN DELETE FROM exchanges WHERE created_ms < ?")
      .all(1)
      .map((row) => (row as { detail: string }).detail);
    expect(plan.join(" ")).to.include("exchanges_by_time");
  });

  it("drops at its migration the answers an earlier release kept for more than a day, and keeps the recent ones", function () {
    migrate(db, "exchanges", EXCHANGE_MIGRATIONS.slice(0, BEFORE_PRUNING));
    const before = new Date().getTime();
    const insert = db.prepare(
      `INSERT INTO exchanges (consumer, request_id, request_digest, http_status, response, signature, data,
         receipt_id, created_ms) VALUES (?, ?, ?, 200, '{}', ?, NULL, ?, ?)`,
    );
    for (const [name, createdMs] of [
      ["last year", before - 365 * DAY_MS],
      ["two days ago", before - 2 * DAY_MS],
      ["an hour ago", before - 60 * 60 * 1000],
    ] as const) {
      const a = answer(name, createdMs);
      insert.run(a.consumer.toLowerCase(), a.requestId, a.requestDigest, a.signature, a.receiptId, a.createdMs);
    }
    const store = new ExchangeStore(db);
    expect(db.prepare("SELECT request_id FROM exchanges").pluck().all()).to.deep.equal([ethers.id("an hour ago")]);
    expect(store.get(CONSUMER, ethers.id("an hour ago"))).to.include({ createdMs: before - 60 * 60 * 1000 });
  });
});
