import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type Database from "better-sqlite3";
import { Contract, id, type JsonRpcProvider, type Wallet } from "ethers";
import type { IndexedEvent } from "../../../server/src/common/indexed-event";
import { EventIndexer, type IndexerOptions } from "../../../server/src/chain/indexer";
import { createProvider } from "../../../server/src/chain/provider";
import { openDatabase } from "../../../server/src/common/db";
import { deployOutboxTarget, devSigners, type DeployedTarget } from "./support/chain-fixture";
import { startHardhatNode, type HardhatNode } from "./support/hardhat-node";
import { useFreshChain } from "./support/fresh-chain";

interface EventRow {
  block_number: number;
  log_index: number;
  tx_hash: string;
  address: string;
  contract: string;
  name: string;
  args_json: string;
  block_time: number;
}

describe("EventIndexer (against a real hardhat node)", function () {
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let dir: string;
  let target: DeployedTarget;
  let caller: Wallet;
  const cleanup: (() => Promise<void> | void)[] = [];

  before(async function () {
    node = await startHardhatNode();
    provider = await createProvider(node.url);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-indexer-"));
  });

  beforeEach(async function () {
    target = await deployOutboxTarget(provider);
    caller = (devSigners(["caller"], 5).get("caller") as Wallet).connect(provider);
  });

  afterEach(async function () {
    for (const step of cleanup.splice(0).reverse()) {
      await step();
    }
  });

  after(async function () {
    provider.destroy();
    await node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function database(name: string): Database.Database {
    const db = openDatabase(path.join(dir, name));
    cleanup.push(() => {
      db.close();
    });
    return db;
  }

  function indexer(db: Database.Database, extra: Partial<IndexerOptions> = {}): EventIndexer {
    const created = new EventIndexer({
      db,
      provider,
      contracts: [{ name: "OutboxTarget", address: target.address, iface: target.iface }],
      fromBlock: target.deployBlock,
      pollIntervalMs: 20,
      ...extra,
    });
    cleanup.push(() => created.stop());
    return created;
  }

  async function call(method: string, ...args: unknown[]): Promise<number> {
    const contract = new Contract(target.address, target.iface, caller);
    const tx = await contract.getFunction(method).send(...args);
    return (await tx.wait())?.blockNumber as number;
  }

  const rows = (db: Database.Database) =>
    db.prepare("SELECT * FROM events ORDER BY block_number, log_index").all() as EventRow[];

  it("stores each event with JSON arguments (integers as strings, bytes as hex) and its block time", async function () {
    const db = database("json.db");
    const blockNumber = await call(
      "describe",
      2n ** 200n,
      "一卡通用",
      "0x00ff",
      { level: 3, tag: `0x${"ab".repeat(32)}` },
      [-1, 2],
    );
    await call("store", 9);

    expect(await indexer(db).catchUp()).to.be.at.least(blockNumber);

    const [described, stored] = rows(db);
    const block = await provider.getBlock(blockNumber);
    expect(described).to.deep.include({
      block_number: blockNumber,
      contract: "OutboxTarget",
      name: "Described",
      address: target.address,
      block_time: block?.timestamp,
    });
    expect(JSON.parse(described.args_json)).to.deep.equal({
      value: (2n ** 200n).toString(),
      text: "一卡通用",
      blob: "0x00ff",
      note: { level: "3", tag: `0x${"ab".repeat(32)}` },
      deltas: ["-1", "2"],
      topic: id("一卡通用"),
    });
    expect(JSON.parse(stored.args_json)).to.deep.equal({ caller: caller.address, value: "9", count: "1" });
  });

  it("pages eth_getLogs over block ranges and reads each block's time", async function () {
    const db = database("pages.db");
    for (let i = 0; i < 7; i += 1) {
      await call("store", i);
    }
    const latest = await provider.getBlockNumber();

    expect(await indexer(db, { maxBlockRange: 2 }).catchUp()).to.equal(latest);

    const stored = rows(db);
    expect(stored.map((r) => JSON.parse(r.args_json).value)).to.deep.equal(["0", "1", "2", "3", "4", "5", "6"]);
    expect(stored.every((r) => r.block_time > 0)).to.equal(true);
  });

  it("resumes from its persisted cursor after a restart, handing subscribers only new events", async function () {
    const db = database("resume.db");
    await call("store", 1);
    const first = indexer(db);
    await first.catchUp();
    await first.stop();

    await call("store", 2);
    const second = indexer(db);
    const seen: IndexedEvent[] = [];
    second.onEvents((events) => seen.push(...events));
    await second.catchUp();

    expect(seen.map((e) => e.args.value)).to.deep.equal(["2"]);
    expect(rows(db).map((r) => JSON.parse(r.args_json).value)).to.deep.equal(["1", "2"]);
    expect(second.indexedBlock()).to.equal(await provider.getBlockNumber());
  });

  it("polls in the background so that a reader can wait for the block of its transaction", async function () {
    const db = database("poll.db");
    const follower = indexer(db);
    const seen: string[] = [];
    follower.onEvents((events) => events.forEach((e) => seen.push(e.name)));
    follower.start();

    const blockNumber = await call("store", 5);
    await follower.waitForBlock(blockNumber);

    expect(seen).to.deep.equal(["Stored"]);
    expect(follower.status()).to.deep.include({ deploymentMissing: false, lastError: null });
  });

  it("rolls a page back when a subscriber fails, and indexes it again on the next pass", async function () {
    const db = database("rollback.db");
    await call("store", 1);
    const follower = indexer(db);
    let failOnce = true;
    const readInside: number[] = [];
    follower.onEvents(() => {
      // A subscriber reads the page's own block, not the cursor as last committed.
      readInside.push(follower.indexedBlock());
      if (failOnce) {
        failOnce = false;
        throw new Error("projection failed");
      }
    });
    const before = follower.indexedBlock();

    let failure: unknown;
    await follower.catchUp().catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(Error);
    expect(follower.indexedBlock()).to.equal(before);
    expect(rows(db)).to.have.length(0);

    await follower.catchUp();
    expect(rows(db)).to.have.length(1);
    const head = await provider.getBlockNumber();
    expect(follower.indexedBlock()).to.equal(head);
    expect(readInside.at(-1)).to.equal(head);
    expect(readInside[0]).to.be.greaterThan(before);
  });

  describe("on a node restarted with a fresh chain", function () {
    const fresh = useFreshChain();

    it("clears the index, reports the reset, waits for the deployment and indexes the new chain", async function () {
      const db = database("reset.db");
      const deployed = await deployOutboxTarget(fresh.provider);
      const send = async (value: number) => {
        const wallet = (devSigners(["caller"], 5).get("caller") as Wallet).connect(fresh.provider);
        await (await new Contract(deployed.address, deployed.iface, wallet).getFunction("store").send(value)).wait();
      };
      await send(1);
      await send(2);
      const follower = new EventIndexer({
        db,
        provider: fresh.provider,
        contracts: [{ name: "OutboxTarget", address: deployed.address, iface: deployed.iface }],
        fromBlock: deployed.deployBlock,
      });
      const resets: string[] = [];
      follower.onReset((reason) => resets.push(reason));
      await follower.catchUp();
      expect(rows(db)).to.have.length(2);

      await fresh.node.restart();
      await follower.catchUp();

      expect(resets).to.deep.equal(["genesis_changed"]);
      expect(rows(db)).to.have.length(0);
      expect(follower.status()).to.deep.include({ deploymentMissing: true, resets: 1 });

      const redeployed = await deployOutboxTarget(fresh.provider);
      expect(redeployed.address).to.equal(deployed.address);
      await send(3);
      await follower.catchUp();

      expect(rows(db).map((r) => JSON.parse(r.args_json).value)).to.deep.equal(["3"]);
      expect(follower.status()).to.deep.include({ deploymentMissing: false, resets: 1 });
    });
  });
});
