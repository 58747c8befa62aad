import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Interface, toQuantity, type JsonRpcApiProvider } from "ethers";
import { EventIndexer } from "../../../server/src/chain/indexer";
import { openDatabase } from "../../../server/src/common/db";

/**
 * The indexer asks the node for the next page before it stores the current one (issue 17), so that the node prepares
 * its answer while the gateway decodes and writes. A scripted node (answered in-process, calls recorded in order)
 * makes the order observable without timing.
 */
describe("EventIndexer pipelining (the next page asked for before the current one is stored)", function () {
  const CONTRACT = `0x${"11".repeat(20)}`;
  const HEAD = 12;
  let dir: string;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-indexer-pipeline-"));
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * One log a block; `failing` blocks make any page that includes them fail once. `chain.head` and `chain.genesis`
   * (a replaced chain has another genesis, so other block hashes) can be changed between calls; `recordHead` also
   * records each question for the head.
   */
  function scriptedNode(failing: Set<number>, recordHead = false) {
    const calls: string[] = [];
    const chain = { head: HEAD, genesis: "00" };
    const send = (method: string, params: unknown[]): Promise<unknown> => {
      switch (method) {
        case "eth_blockNumber":
          if (recordHead) calls.push("head");
          return Promise.resolve(toQuantity(chain.head));
        case "eth_getCode":
          return Promise.resolve("0x6001");
        case "eth_getBlockByNumber": {
          const n = params[0] === "latest" ? chain.head : Number(BigInt(params[0] as string));
          const hash = `0x${chain.genesis}${n.toString(16).padStart(62, "0")}`;
          return Promise.resolve({ hash, timestamp: toQuantity(1_000 + n) });
        }
        case "eth_getLogs": {
          const { fromBlock, toBlock } = params[0] as { fromBlock: string; toBlock: string };
          const [from, to] = [Number(BigInt(fromBlock)), Number(BigInt(toBlock))];
          calls.push(`getLogs ${from}-${to}`);
          for (let b = from; b <= to; b++) {
            if (failing.delete(b)) return Promise.reject(new Error(`scripted failure at block ${b}`));
          }
          return Promise.resolve(
            Array.from({ length: to - from + 1 }, (_, i) => ({
              address: CONTRACT,
              topics: [`0x${"aa".repeat(32)}`],
              data: "0x",
              blockNumber: toQuantity(from + i),
              transactionHash: `0x${"bb".repeat(32)}`,
              logIndex: "0x0",
            })),
          );
        }
        default:
          return Promise.reject(new Error(`not scripted: ${method}`));
      }
    };
    return { provider: { send } as unknown as JsonRpcApiProvider, calls, chain };
  }

  function indexerOn(provider: JsonRpcApiProvider, name: string) {
    const db = openDatabase(path.join(dir, `${name}.db`));
    const indexer = new EventIndexer({
      db,
      provider,
      contracts: [{ name: "Scripted", address: CONTRACT, iface: new Interface([]) }],
      fromBlock: 1,
      maxBlockRange: 4,
    });
    return { db, indexer };
  }

  it("has asked for the next page when it stores the current one, and stores every block once in order", async function () {
    const node = scriptedNode(new Set());
    const { db, indexer } = indexerOn(node.provider, "ordered");
    const seen: string[] = [];
    indexer.onEvents((events) => {
      seen.push(`store ${events[0].blockNumber}-${events.at(-1)!.blockNumber}`);
      node.calls.push(seen.at(-1)!);
    });

    expect(await indexer.catchUp()).to.equal(HEAD);

    expect(node.calls).to.deep.equal([
      "getLogs 1-4",
      "getLogs 5-8",
      "store 1-4",
      "getLogs 9-12",
      "store 5-8",
      "store 9-12",
    ]);
    const blocks = db.prepare("SELECT block_number FROM events ORDER BY block_number").pluck().all() as number[];
    expect(blocks).to.deep.equal(Array.from({ length: HEAD }, (_, i) => i + 1));
    db.close();
  });

  it("asks for the page of a block a write waits for beside the head and the checks, not one round trip after", async function () {
    const node = scriptedNode(new Set(), true);
    const { db, indexer } = indexerOn(node.provider, "known");

    expect(await indexer.waitForBlock(3)).to.equal(HEAD);

    expect(node.calls.slice(0, 3)).to.deep.equal(["getLogs 1-3", "head", "getLogs 4-7"]);
    const blocks = db.prepare("SELECT block_number FROM events ORDER BY block_number").pluck().all() as number[];
    expect(blocks).to.deep.equal(Array.from({ length: HEAD }, (_, i) => i + 1));
    db.close();
  });

  it("fetches a known block's page again when the early ask fails, without counting a page failure", async function () {
    const node = scriptedNode(new Set([2]), true);
    const { db, indexer } = indexerOn(node.provider, "known-failing");

    expect(await indexer.waitForBlock(3)).to.equal(HEAD);

    expect(node.calls.slice(0, 3)).to.deep.equal(["getLogs 1-3", "head", "getLogs 1-4"]);
    expect(indexer.status().pageFailures).to.equal(0);
    const blocks = db.prepare("SELECT block_number FROM events ORDER BY block_number").pluck().all() as number[];
    expect(blocks).to.deep.equal(Array.from({ length: HEAD }, (_, i) => i + 1));
    db.close();
  });

  it("drops a known block's page asked for before the checks found a replaced chain, and indexes the new one", async function () {
    const node = scriptedNode(new Set());
    const { db, indexer } = indexerOn(node.provider, "known-replaced");
    const resets: string[] = [];
    indexer.onReset((reason) => resets.push(reason));
    node.chain.head = 8;
    expect(await indexer.catchUp()).to.equal(8);
    node.chain.head = HEAD;
    node.chain.genesis = "ff";
    node.calls.length = 0;

    expect(await indexer.waitForBlock(10)).to.equal(HEAD);

    expect(resets).to.deep.equal(["genesis_changed"]);
    expect(node.calls[0]).to.equal("getLogs 9-10");
    expect(node.calls[1]).to.equal("getLogs 0-3");
    const blocks = db.prepare("SELECT block_number FROM events ORDER BY block_number").pluck().all() as number[];
    expect(blocks).to.deep.equal(Array.from({ length: HEAD + 1 }, (_, i) => i));
    db.close();
  });

  it("halves a page fetched ahead that fails, and still reaches the head with every block once", async function () {
    const node = scriptedNode(new Set([6]));
    const { db, indexer } = indexerOn(node.provider, "failing");

    expect(await indexer.catchUp()).to.equal(HEAD);

    expect(node.calls.slice(0, 3)).to.deep.equal(["getLogs 1-4", "getLogs 5-8", "getLogs 5-6"]);
    expect(indexer.status().pageFailures).to.equal(1);
    const blocks = db.prepare("SELECT block_number FROM events ORDER BY block_number").pluck().all() as number[];
    expect(blocks).to.deep.equal(Array.from({ length: HEAD }, (_, i) => i + 1));
    db.close();
  });
});
