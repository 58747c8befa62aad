import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type Database from "better-sqlite3";
import { Wallet, type JsonRpcProvider } from "ethers";
import { ChainResetError, ChainUnavailableError, UnknownSignerError } from "../../../server/src/chain/errors";
import { createProvider } from "../../../server/src/chain/provider";
import { TxSender, type OutboxRow, type TxSenderOptions } from "../../../server/src/chain/tx-sender";
import { openDatabase } from "../../../server/src/common/db";
import { deployOutboxTarget, devSigners, storedValues, type DeployedTarget } from "./support/chain-fixture";
import { startHardhatNode, type HardhatNode } from "./support/hardhat-node";
import { useFreshChain } from "./support/fresh-chain";
import { TcpProxy } from "./support/tcp-proxy";

const FAST = { pollIntervalMs: 20, idleIntervalMs: 50, chainCheckIntervalMs: 200, maxBackoffMs: 200 };

describe("TxSender (durable outbox against a real hardhat node)", function () {
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let target: DeployedTarget;
  let dir: string;
  let nextAccount = 1;
  const open: { db: Database.Database; sender: TxSender }[] = [];

  before(async function () {
    node = await startHardhatNode();
    provider = await createProvider(node.url);
    target = await deployOutboxTarget(provider);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-sender-"));
  });

  after(async function () {
    provider.destroy();
    await node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async function () {
    for (const { db, sender } of open.splice(0)) {
      await sender.stop();
      db.close();
    }
  });

  /** A fresh dev account per test, so that tests never share nonces. */
  function account(key = "health"): Map<string, Wallet> {
    const signers = devSigners([key], nextAccount);
    nextAccount += 1;
    return signers;
  }

  function sender(dbFile: string, signers: Map<string, Wallet>, extra: Partial<TxSenderOptions> = {}): TxSender {
    const db = openDatabase(dbFile);
    const created = new TxSender({
      db,
      provider,
      chainId: 31337,
      signers,
      interfaces: [target.iface],
      ...FAST,
      ...extra,
    });
    open.push({ db, sender: created });
    return created;
  }

  const store = (value: number) => ({ to: target.address, data: target.iface.encodeFunctionData("store", [value]) });

  it("mines 200 concurrent submits of one key exactly once each, in nonce order without gaps", async function () {
    const signers = account();
    const wallet = signers.get("health") as Wallet;
    const outbox = sender(path.join(dir, "concurrent.db"), signers);
    await outbox.start();
    const firstNonce = await provider.getTransactionCount(wallet.address);

    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, i) => Promise.resolve().then(() => outbox.submit("health", store(i), { i }))),
    );
    const rows = await Promise.all(ids.map((id) => outbox.waitFor(id)));

    expect(rows.map((r) => r.status)).to.deep.equal(Array(200).fill("mined"));
    expect(rows.map((r) => r.nonce)).to.deep.equal(Array.from({ length: 200 }, (_, i) => firstNonce + i));
    const values = (await storedValues(provider, target, wallet.address)).map(Number).sort((a, b) => a - b);
    expect(values).to.deep.equal(Array.from({ length: 200 }, (_, i) => i));
    expect(await provider.getTransactionCount(wallet.address)).to.equal(firstNonce + 200);
    expect(outbox.pendingCount()).to.equal(0);
  });

  it("finalises a mined row whose receipt was not there yet when first asked for, once, without requeuing it", async function () {
    const signers = account();
    const wallet = signers.get("health") as Wallet;
    // The node answers the first receipt question of each transaction with null, as it would if the receipt had been
    // read just before the nonce count that is asked in the same round trip saw the transaction mined.
    const missedOnce = new Set<string>();
    const racing = new Proxy(provider, {
      get(target, property, receiver) {
        if (property !== "send") return Reflect.get(target, property, receiver) as unknown;
        return async (method: string, params: unknown[]) => {
          if (method === "eth_getTransactionReceipt" && !missedOnce.has(String(params[0]))) {
            missedOnce.add(String(params[0]));
            await target.send("eth_blockNumber", []);
            return null;
          }
          return target.send(method, params);
        };
      },
    });
    const outbox = sender(path.join(dir, "receipt-race.db"), signers, { provider: racing });
    await outbox.start();
    const firstNonce = await provider.getTransactionCount(wallet.address);

    const rows = await Promise.all([store(11), store(12)].map((tx) => outbox.waitFor(outbox.submit("health", tx))));

    expect(rows.map((r) => r.status)).to.deep.equal(["mined", "mined"]);
    expect(rows.map((r) => r.nonce)).to.deep.equal([firstNonce, firstNonce + 1]);
    expect(rows.map((r) => r.error)).to.deep.equal([null, null]);
    expect(missedOnce.size).to.equal(2);
    const values = (await storedValues(provider, target, wallet.address)).map(Number).sort((a, b) => a - b);
    expect(values).to.deep.equal([11, 12]);
    expect(await provider.getTransactionCount(wallet.address)).to.equal(firstNonce + 2);
  });

  it("reads a mined row's receipt in the same HTTP request as the chain's identity, not in a round trip before it", async function () {
    const signers = account();
    // A provider of its own, whose every HTTP request (a JSON-RPC batch of calls made together) is recorded.
    const recorded = await createProvider(node.url);
    const requests: { method: string; params: unknown }[][] = [];
    const send = recorded._send.bind(recorded);
    recorded._send = (payload) => {
      requests.push(
        (Array.isArray(payload) ? payload : [payload]).map((p) => ({ method: p.method, params: p.params })),
      );
      return send(payload);
    };
    const outbox = sender(path.join(dir, "receipt-check.db"), signers, { provider: recorded });
    await outbox.start();

    const row = await outbox.waitFor(outbox.submit("health", store(21)));

    expect(row.status).to.equal("mined");
    const receiptRequest = requests.find((calls) =>
      calls.some((c) => c.method === "eth_getTransactionReceipt" && (c.params as unknown[])[0] === row.txHash),
    );
    expect(receiptRequest, "the receipt was asked for").to.not.equal(undefined);
    expect(receiptRequest!.map((c) => c.method)).to.include.members(["eth_getTransactionCount", "eth_chainId"]);
    expect(
      receiptRequest!.some((c) => c.method === "eth_getBlockByNumber" && (c.params as unknown[])[0] === "0x0"),
    ).to.equal(true);
    recorded.destroy();
  });

  it("refuses a call whose gas estimate reverts, naming the custom error, and keeps later nonces gapless", async function () {
    const signers = account();
    const wallet = signers.get("health") as Wallet;
    const outbox = sender(path.join(dir, "estimate-revert.db"), signers);
    await outbox.start();
    const firstNonce = await provider.getTransactionCount(wallet.address);

    const before = outbox.submit("health", store(1));
    const rejected = outbox.submit("health", {
      to: target.address,
      data: target.iface.encodeFunctionData("reject", [7]),
    });
    const after = outbox.submit("health", store(2));
    const [a, r, b] = await Promise.all([before, rejected, after].map((id) => outbox.waitFor(id)));

    expect(r.status).to.equal("reverted");
    expect(r.nonce).to.equal(null);
    expect(r.revert).to.deep.include({
      errorName: "OutboxTargetRejected",
      args: { value: "7", caller: wallet.address },
    });
    expect([a.status, b.status]).to.deep.equal(["mined", "mined"]);
    expect([a.nonce, b.nonce]).to.deep.equal([firstNonce, firstNonce + 1]);
  });

  it("records a transaction that reverts on chain with its block and decoded error", async function () {
    const signers = account();
    const outbox = sender(path.join(dir, "mined-revert.db"), signers);
    await outbox.start();
    const unique = (value: number) => ({
      to: target.address,
      data: target.iface.encodeFunctionData("storeUnique", [value]),
      gasLimit: 200_000n,
    });

    const first = await outbox.waitFor(outbox.submit("health", unique(5)));
    const repeat = await outbox.waitFor(outbox.submit("health", unique(5)));

    expect(first.status).to.equal("mined");
    expect(first.logs).to.have.length(1);
    expect(repeat.status).to.equal("reverted");
    expect(repeat.blockNumber).to.be.a("number");
    expect(repeat.revert).to.deep.include({ errorName: "OutboxTargetDuplicate", args: { value: "5" } });
  });

  // A consent batch is sent with the gas limit its size needs (no estimate): its rows recover the same way.
  for (const [crashPoint, gasLimit] of (["before signing", "after signing", "after broadcasting"] as const).flatMap(
    (point) => [[point, undefined] as const, [point, 200_000n] as const],
  )) {
    const given = gasLimit === undefined ? "" : " with a given gas limit";
    it(`completes rows${given} left by a crash ${crashPoint}, sending none twice`, async function () {
      const signers = account();
      const wallet = signers.get("health") as Wallet;
      const dbFile = path.join(dir, `crash-${crashPoint.replace(/ /g, "-")}.db`);
      const crashAt = 3;
      let halted = false;
      const halt = (row: OutboxRow) => {
        if (row.meta.i === crashAt) {
          halted = true;
          throw new Error("killed");
        }
      };
      const first = sender(dbFile, signers, {
        faults: crashPoint === "after signing" ? { afterSign: halt } : { afterBroadcast: halt },
      });
      const submitSix = () =>
        Array.from({ length: 6 }, (_, i) => first.submit("health", { ...store(100 + i), gasLimit }, { i }));
      let ids: number[];
      if (crashPoint === "before signing") {
        await first.recover();
        ids = submitSix();
      } else {
        await first.start();
        ids = submitSix();
        // The worker halts at row 3 as a killed process would: rows 0-2 were sent, row 3 signed (and broadcast).
        await waitUntil(() => halted);
      }
      await first.stop();
      expect(first.pendingCount()).to.equal(6);
      expect(first.get(ids[crashAt])?.status).to.equal(crashPoint === "before signing" ? "queued" : "signed");

      const second = sender(dbFile, signers);
      await second.start();
      const rows = await Promise.all(ids.map((id) => second.waitFor(id)));

      expect(rows.map((r) => r.status)).to.deep.equal(Array(6).fill("mined"));
      if (gasLimit !== undefined) expect(rows.map((r) => r.gasLimit)).to.deep.equal(Array(6).fill(gasLimit));
      const values = (await storedValues(provider, target, wallet.address)).map(Number).sort((a, b) => a - b);
      expect(values).to.deep.equal([100, 101, 102, 103, 104, 105]);
    });
  }

  it("keeps rows pending while the node is unreachable and mines them when it is back", async function () {
    const proxy = await TcpProxy.start(node.port);
    const proxied = await createProvider(proxy.url, { chainId: 31337, timeoutMs: 2_000 });
    try {
      const signers = account();
      const wallet = signers.get("health") as Wallet;
      const outbox = sender(path.join(dir, "outage.db"), signers, { provider: proxied });
      await outbox.start();
      await proxy.down();

      const ids = [0, 1, 2].map((i) => outbox.submit("health", store(200 + i)));
      await waitUntil(() => outbox.status().state === "unavailable");
      expect(outbox.pendingCount()).to.equal(3);
      expect(outbox.get(ids[0])?.status).to.be.oneOf(["queued", "signed"]);

      await proxy.up();
      const rows = await Promise.all(ids.map((id) => outbox.waitFor(id)));
      expect(rows.map((r) => r.status)).to.deep.equal(["mined", "mined", "mined"]);
      expect((await storedValues(provider, target, wallet.address)).map(Number)).to.deep.equal([200, 201, 202]);
    } finally {
      proxied.destroy();
      await proxy.down();
    }
  });

  it("refuses to start a key whose nonce was never synchronised while the node is down", async function () {
    const proxy = await TcpProxy.start(node.port);
    await proxy.down();
    const proxied = await createProvider(proxy.url, { chainId: 31337, timeoutMs: 1_000 });
    try {
      const outbox = sender(path.join(dir, "never-synced.db"), account(), { provider: proxied });
      await outbox.start();
      expect(() => outbox.submit("health", store(1))).to.throw(ChainUnavailableError);
    } finally {
      proxied.destroy();
    }
  });

  it("takes a nonce used outside the gateway in its stride", async function () {
    const signers = account();
    const wallet = (signers.get("health") as Wallet).connect(provider);
    const outbox = sender(path.join(dir, "foreign.db"), signers);
    await outbox.start();
    await outbox.waitFor(outbox.submit("health", store(300)));

    await (await wallet.sendTransaction(store(301))).wait();
    const row = await outbox.waitFor(outbox.submit("health", store(302)));

    expect(row.status).to.equal("mined");
    expect((await storedValues(provider, target, wallet.address)).map(Number)).to.deep.equal([300, 301, 302]);
  });

  it("fails a transaction the key cannot pay for with insufficient_funds, leaving no nonce gap", async function () {
    const unfunded = new Map([["health", new Wallet(Wallet.createRandom().privateKey)]]);
    const outbox = sender(path.join(dir, "unfunded.db"), unfunded);
    await outbox.start();

    const row = await outbox.waitFor(outbox.submit("health", store(500)));

    expect(row.status).to.equal("failed");
    expect(row.nonce).to.equal(null);
    expect(row.error).to.match(/^insufficient_funds: /);
    expect(outbox.pendingCount()).to.equal(0);
  });

  it("returns the first row for a repeated dedupe key and refuses an unknown department", async function () {
    const outbox = sender(path.join(dir, "dedupe.db"), account());
    await outbox.start();
    const first = outbox.submit("health", store(400), {}, { dedupeKey: "consent-42" });
    const again = outbox.submit("health", store(400), {}, { dedupeKey: "consent-42" });

    expect(again).to.equal(first);
    expect((await outbox.waitFor(first)).status).to.equal("mined");
    expect(() => outbox.submit("tax-bureau", store(1))).to.throw(UnknownSignerError);
  });

  describe("on a node restarted with a fresh chain", function () {
    const fresh = useFreshChain();

    it("notices a reset while running and refuses new writes until the new chain is adopted", async function () {
      const freshTarget = await deployOutboxTarget(fresh.provider);
      const outbox = sender(path.join(dir, "reset-running.db"), devSigners(["health"], 1), {
        provider: fresh.provider,
      });
      await outbox.start();
      const call = { to: freshTarget.address, data: freshTarget.iface.encodeFunctionData("store", [1]) };
      expect((await outbox.waitFor(outbox.submit("health", call))).status).to.equal("mined");

      await fresh.node.restart();
      await waitUntil(() => outbox.status().state === "chain_reset");

      expect(outbox.status().chainReset).to.be.instanceOf(ChainResetError);
      expect(() => outbox.submit("health", call)).to.throw(ChainResetError);
      expect(await outbox.adoptNewChain()).to.equal(0);
      const redeployed = await deployOutboxTarget(fresh.provider);
      const row = await outbox.waitFor(
        outbox.submit("health", { to: redeployed.address, data: redeployed.iface.encodeFunctionData("store", [2]) }),
      );
      expect(row.status).to.equal("mined");
      expect(row.nonce).to.equal(0);
    });

    it("keeps rows of the replaced chain unsent, and fails them only when an operator adopts the new chain", async function () {
      const dbFile = path.join(dir, "reset-parked.db");
      const signers = devSigners(["health"], 2);
      const freshTarget = await deployOutboxTarget(fresh.provider);
      const call = { to: freshTarget.address, data: freshTarget.iface.encodeFunctionData("store", [1]) };
      const before = sender(dbFile, signers, { provider: fresh.provider });
      await before.start();
      await before.waitFor(before.submit("health", call));
      await before.stop();
      const parked = before.submit("health", call);

      await fresh.node.restart();
      const after = sender(dbFile, signers, { provider: fresh.provider });
      await after.start();

      expect(after.status().state).to.equal("chain_reset");
      expect(after.pendingCount()).to.equal(1);
      let refusal: unknown;
      await after.waitFor(parked).catch((error: unknown) => (refusal = error));
      expect(refusal).to.be.instanceOf(ChainResetError);
      expect(await fresh.provider.getTransactionCount(signers.get("health")!.address)).to.equal(0);

      expect(await after.adoptNewChain()).to.equal(1);
      expect(after.get(parked)).to.deep.include({ status: "failed", error: "chain_reset: genesis_changed" });
    });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error("condition not reached in time");
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
