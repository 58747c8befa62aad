import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type Database from "better-sqlite3";
import { Interface, type JsonRpcProvider } from "ethers";
import { EventIndexer, type IndexerOptions } from "../../../server/src/chain/indexer";
import { createProvider } from "../../../server/src/chain/provider";
import { openDatabase } from "../../../server/src/common/db";
import { FAKE_CONTRACT, FAKE_EVENT_ABI, FakeRpcNode, type FakeNodeOptions } from "./support/fake-rpc-node";

/**
 * The indexer against nodes that answer large log queries badly: it must reach the head in every case, with pages
 * that adapt to what the node answers (issue 17: a 2,000-block page of 88 MB made the Hardhat node hang up, and the
 * indexer retried that same range forever).
 */
describe("EventIndexer paging (against a misbehaving JSON-RPC node)", function () {
  let dir: string;
  const cleanup: (() => Promise<void> | void)[] = [];
  let databases = 0;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-indexer-paging-"));
  });

  afterEach(async function () {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function setUp(
    node: FakeNodeOptions,
    options: Partial<IndexerOptions> = {},
  ): Promise<{ fake: FakeRpcNode; indexer: EventIndexer; db: Database.Database }> {
    const fake = await FakeRpcNode.start(node);
    cleanup.push(() => fake.stop());
    const provider: JsonRpcProvider = await createProvider(fake.url, { chainId: 31337 });
    cleanup.push(() => provider.destroy());
    const db = openDatabase(path.join(dir, `${(databases += 1)}.db`));
    cleanup.push(() => {
      db.close();
    });
    const indexer = new EventIndexer({
      db,
      provider,
      contracts: [{ name: "Registry", address: FAKE_CONTRACT, iface: new Interface(FAKE_EVENT_ABI) }],
      fromBlock: 1,
      pollIntervalMs: 10,
      ...options,
    });
    cleanup.push(() => indexer.stop());
    return { fake, indexer, db };
  }

  const serials = (db: Database.Database) =>
    (
      db.prepare("SELECT args_json FROM events ORDER BY block_number, log_index").all() as Array<{ args_json: string }>
    ).map((row) => Number((JSON.parse(row.args_json) as { serial: string }).serial));

  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it("lets concurrent catch-ups share the one waiting its turn instead of queueing one each", async function () {
    const { fake, indexer } = await setUp({ head: 20, logsPerBlock: 1 });
    const running = indexer.catchUp();
    // Once the first has started, later calls need a catch-up that reads the head after them: one, shared.
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = Array.from({ length: 5 }, () => indexer.catchUp());
    expect(new Set(waiting).size).to.equal(1);
    expect(await Promise.all([running, ...waiting])).to.deep.equal(Array.from({ length: 6 }, () => 20));
    expect(fake.headReads).to.equal(2);
  });

  it("asks for the head with the chain's identity in one round trip, then a one-block page's logs and block at once", async function () {
    const { fake, indexer } = await setUp({ head: 20, logsPerBlock: 1 });
    expect(await indexer.catchUp()).to.equal(20);
    fake.growTo(21);
    const before = fake.httpRequests.length;

    expect(await indexer.catchUp()).to.equal(21);

    // Then the page: its logs and its block (two requests: eth_getLogs goes on its own).
    const asked = fake.httpRequests.slice(before);
    expect(asked[0].slice().sort()).to.deep.equal(["eth_blockNumber", "eth_getBlockByNumber", "eth_getBlockByNumber"]);
    expect(
      asked
        .slice(1)
        .map((methods) => methods.join())
        .sort(),
    ).to.deep.equal(["eth_getBlockByNumber", "eth_getLogs"]);
  });

  it("reaches the head when the node hangs up the socket on answers above a number of logs", async function () {
    const { fake, indexer, db } = await setUp({ head: 400, logsPerBlock: 10, hangUpAboveLogs: 250 });

    expect(await indexer.catchUp()).to.equal(400);

    expect(serials(db)).to.deep.equal(range(4_000));
    expect(fake.socketsHungUp).to.be.greaterThan(0);
    expect(indexer.status().pageFailures).to.equal(fake.socketsHungUp);
    expect(fake.getLogsRanges.every(([from, to]) => to - from + 1 <= 1_000)).to.equal(true);
  });

  it("reproduces the 88 MB page (scaled down): a node that hangs up on large answers no longer stops it", async function () {
    // 1 KiB payloads, 20 a block: the first page (200 blocks) would be ~9 MB; this node hangs up above 256 KB.
    const { fake, indexer, db } = await setUp({
      head: 200,
      logsPerBlock: 20,
      payloadBytes: 1_024,
      hangUpAboveBytes: 256 * 1024,
    });

    expect(await indexer.catchUp()).to.equal(200);

    expect(serials(db)).to.deep.equal(range(4_000));
    expect(fake.socketsHungUp).to.be.greaterThan(0);
    // Growth after a failure waits for several light pages: most pages are answered, not one failure per page.
    expect(fake.socketsHungUp).to.be.below(fake.getLogsRanges.length / 3);
  });

  it("abandons and halves a page the node does not answer in time, the socket left open", async function () {
    const { indexer, db } = await setUp({ head: 40, logsPerBlock: 10, stallAboveLogs: 100 }, { pageTimeoutMs: 300 });

    expect(await indexer.catchUp()).to.equal(40);

    expect(serials(db)).to.deep.equal(range(400));
    expect(indexer.status().pageFailures).to.be.greaterThan(0);
  });

  it("respects a node's cap on the block range when configured with it, without a single refused page", async function () {
    const { fake, indexer, db } = await setUp({ head: 95, logsPerBlock: 1, maxRange: 10 }, { maxBlockRange: 10 });

    expect(await indexer.catchUp()).to.equal(95);

    expect(serials(db)).to.deep.equal(range(95));
    expect(fake.getLogsRanges.every(([from, to]) => to - from + 1 <= 10)).to.equal(true);
    expect(indexer.status().pageFailures).to.equal(0);
  });

  it("reaches the head when the node refuses ranges above a cap it was not told of", async function () {
    // Pages start at 10 blocks and widen after light pages: the widening runs into the cap, and falls back.
    const { indexer, db } = await setUp({ head: 1_000, logsPerBlock: 1, maxRange: 100 });

    expect(await indexer.catchUp()).to.equal(1_000);

    expect(serials(db)).to.deep.equal(range(1_000));
    expect(indexer.status().pageFailures).to.be.greaterThan(0);
  });

  it("narrows the next page in proportion to an answer with more logs than its limit", async function () {
    const { fake, indexer, db } = await setUp({ head: 200, logsPerBlock: 40 }, { maxLogsPerPage: 300 });

    expect(await indexer.catchUp()).to.equal(200);

    expect(serials(db)).to.deep.equal(range(8_000));
    // The first page (10 blocks, 400 logs) was answered; each later one holds at most 300 logs (7 blocks).
    expect(fake.getLogsRanges.slice(0, 2)).to.deep.equal([
      [1, 10],
      [11, 17],
    ]);
    expect(indexer.status().pageFailures).to.equal(0);
    expect(indexer.status().pageBlocks).to.equal(7);
  });

  it("starts at 10 blocks and doubles after each light page until one is not light, then widens slowly", async function () {
    // 20 logs a block, 2,000 logs a page at most: 10, 20 and 40 blocks are light (≤ 1,000 logs), 80 is not.
    const { fake, indexer } = await setUp({ head: 1_000, logsPerBlock: 20 });

    expect(await indexer.catchUp()).to.equal(1_000);

    expect(fake.getLogsRanges.slice(0, 6).map(([from, to]) => to - from + 1)).to.deep.equal([10, 20, 40, 80, 80, 80]);
    expect(indexer.status().pageFailures).to.equal(0);
  });

  it("halves on network failures and grows the page back after successes, up to the configured range", async function () {
    const { fake, indexer, db } = await setUp({ head: 2_000, logsPerBlock: 0, hangUpFirst: 3 }, { maxBlockRange: 64 });

    expect(await indexer.catchUp()).to.equal(2_000);

    expect(serials(db)).to.deep.equal([]);
    expect(fake.getLogsRanges.slice(0, 4).map(([from, to]) => to - from + 1)).to.deep.equal([10, 5, 2, 1]);
    expect(indexer.status().pageBlocks).to.equal(64);
  });

  it("reports a single block the node cannot answer as a failure, and retries it", async function () {
    const { fake, indexer } = await setUp({ head: 3, logsPerBlock: 5, hangUpAboveLogs: 4 });

    let failure: unknown = null;
    await indexer.catchUp().catch((error: unknown) => {
      failure = error;
    });

    expect(failure).to.be.instanceOf(Error);
    expect(indexer.indexedBlock()).to.equal(0);
    expect(fake.getLogsRanges.map(([from, to]) => to - from + 1)).to.deep.equal([3, 1]);
  });
});
