import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { CONTRACT_INTERFACES, type WriteResult } from "../../../../server/src/chain/adapter";
import {
  TransactionFailedError,
  TransactionRevertedError,
  WritePendingError,
} from "../../../../server/src/chain/errors";
import type { OutboxRow } from "../../../../server/src/chain/outbox";
import {
  batchGasLimit,
  CONSENT_ITEM_GAS,
  maxBatchItems,
  TRANSACTION_GAS_CAP,
} from "../../../../server/src/modules/consents/batch-gas";
import { ConsentBatcher, type BatcherChain, type RecordItem } from "../../../../server/src/modules/consents/batcher";
import { startLiveGateway, type LiveGateway } from "../../support/live-gateway";

const DAY = 24 * 3600;
const REGISTRY = "0x" + "12".repeat(20);
const CONSENT_RECORDED = CONTRACT_INTERFACES.ConsentRegistry.getEvent("ConsentRecorded")!.topicHash;

/** An item whose evidence hash tells the fake chain which consent it is (consent id = evidence hash). */
function fakeItem(n: number): RecordItem {
  const word = ethers.zeroPadValue(ethers.toBeHex(n + 1), 32);
  return {
    terms: {
      key: { subjectRef: word, recipient: word, resourceId: word, purpose: word },
      separate: false,
      validFrom: 0,
      validUntil: 2_000_000_000,
    },
    evidenceHash: word,
  };
}

/**
 * A chain adapter that records what the batcher sends and answers as a chain would: each item's consent id is its
 * evidence hash. `fail` decides a write's fate from its method and its items' numbers.
 */
function fakeChain(
  options: {
    blockGasLimit?: bigint | null;
    fail?: (method: string, items: number[]) => Error | null;
    /** Between a write's mining (its onMined) and its answer: the wait for the indexer. */
    indexing?: () => Promise<void>;
  } = {},
) {
  const sent: { method: string; items: number[]; gasLimit?: bigint }[] = [];
  const rows = new Map<number, Pick<OutboxRow, "status">>();
  let outboxId = 0;
  const answer = (method: string, items: RecordItem[], gasLimit?: bigint): WriteResult => {
    const numbers = items.map((item) => Number(BigInt(item.evidenceHash)) - 1);
    sent.push({ method, items: numbers, ...(gasLimit === undefined ? {} : { gasLimit }) });
    const failure = options.fail?.(method, numbers) ?? null;
    if (failure) throw failure;
    return {
      outboxId: ++outboxId,
      txHash: ethers.id(`tx ${outboxId}`),
      blockNumber: outboxId,
      events: [],
      logs: items.map((item, logIndex) => ({
        address: REGISTRY,
        topics: [CONSENT_RECORDED, item.terms.key.subjectRef, item.evidenceHash, item.terms.key.recipient],
        data: "0x",
        logIndex,
      })),
    };
  };
  const chain: BatcherChain = {
    deployment: { contracts: { ConsentRegistry: REGISTRY } } as BatcherChain["deployment"],
    blockGasLimit: () => (options.blockGasLimit === undefined ? null : options.blockGasLimit),
    outboxRow: (id: number) => (rows.get(id) as OutboxRow | undefined) ?? null,
    write: async (_key, _contract, method, args, writeOptions) => {
      const [terms, evidenceHash] = args as [RecordItem["terms"], string];
      const result = answer(method, [{ terms, evidenceHash }]);
      writeOptions?.onMined?.();
      await options.indexing?.();
      return result;
    },
    writeCalldata: async (_key, _contract, method, data, writeOptions) => {
      const [inputs] = CONTRACT_INTERFACES.ConsentRegistry.decodeFunctionData("recordBatch", data);
      const items = (inputs as unknown as { terms: RecordItem["terms"]; evidenceHash: string }[]).map((input) => ({
        terms: input.terms,
        evidenceHash: input.evidenceHash,
      }));
      const result = answer(method, items, writeOptions?.gasLimit);
      writeOptions?.onMined?.();
      await options.indexing?.();
      return result;
    },
  };
  return { chain, sent, rows };
}

describe("ConsentBatcher", function () {
  describe("against a fake chain", function () {
    it("sizes batches by the transaction gas cap and sends each with the gas its size needs", async function () {
      const { chain, sent } = fakeChain({ blockGasLimit: 60_000_000n });
      const batcher = new ConsentBatcher(chain, { maxWaitMs: 60_000, maxInFlight: 10 });
      const count = maxBatchItems() + 3;
      const pending = Array.from({ length: count }, (_, n) => batcher.record("hrss", fakeItem(n)));
      await batcher.close(); // the last three would otherwise wait out the window
      const outcomes = await Promise.all(pending);

      expect(maxBatchItems()).to.equal(376); // 90 % of the 2^24 cap, 40,000 a consent above 40,000
      expect(batchGasLimit(maxBatchItems())).to.be.at.most(TRANSACTION_GAS_CAP);
      expect(sent.map((s) => [s.method, s.items.length])).to.deep.equal([
        ["recordBatch", 376],
        ["recordBatch", 3],
      ]);
      expect(sent[0].gasLimit).to.equal(batchGasLimit(376));
      expect(sent[1].gasLimit).to.equal(batchGasLimit(3));
      expect(outcomes.map((o) => o.consentId)).to.deep.equal(
        Array.from({ length: count }, (_, n) => fakeItem(n).evidenceHash),
      );
    });

    it("splits a batch in order when the block gas limit is below the transaction cap", async function () {
      const { chain, sent } = fakeChain({ blockGasLimit: 2_000_000n });
      const perTransaction = maxBatchItems(2_000_000n);
      expect(perTransaction).to.equal(44); // (1,800,000 - 40,000) / 40,000
      const batcher = new ConsentBatcher(chain, { maxItems: 100, maxWaitMs: 60_000 });
      await Promise.all(Array.from({ length: 100 }, (_, n) => batcher.record("hrss", fakeItem(n))));
      await batcher.close();

      expect(sent.map((s) => s.items.length)).to.deep.equal([44, 44, 12]);
      expect(sent.flatMap((s) => s.items)).to.deep.equal(Array.from({ length: 100 }, (_, n) => n));
    });

    it("sends a department's next batch once the previous one is mined, while that one's block is indexed", async function () {
      const indexed: (() => void)[] = [];
      const { chain, sent } = fakeChain({ indexing: () => new Promise((resolve) => indexed.push(resolve)) });
      const batcher = new ConsentBatcher(chain, { maxItems: 2, maxWaitMs: 60_000, maxInFlight: 1 });
      const outcomes = [0, 1, 2, 3, 4, 5].map((n) => batcher.record("hrss", fakeItem(n)));
      const settled = Promise.all(outcomes);
      const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
      await tick();

      // Each batch was mined at once; none of them is answered yet, and yet all three were sent, in order.
      expect(sent.map((s) => s.items)).to.deep.equal([
        [0, 1],
        [2, 3],
        [4, 5],
      ]);
      expect(indexed).to.have.length(3);
      indexed.forEach((done) => done());
      expect((await settled).map((o) => o.consentId)).to.deep.equal(
        [0, 1, 2, 3, 4, 5].map((n) => fakeItem(n).evidenceHash),
      );
      await batcher.close();
    });

    it("holds a refused batch's place until its items are retried, so the next batch comes after them", async function () {
      const refusal = new TransactionRevertedError("ConsentRegistry", "recordBatch", "ConsentValidityEnded", {}, "");
      const { chain, sent } = fakeChain({
        fail: (method, items) => (method === "recordBatch" && items.includes(1) ? refusal : null),
      });
      const batcher = new ConsentBatcher(chain, { maxItems: 2, maxWaitMs: 60_000, maxInFlight: 1 });
      await Promise.all([0, 1, 2, 3].map((n) => batcher.record("hrss", fakeItem(n))));
      await batcher.close();

      expect(sent.map((s) => [s.method, s.items])).to.deep.equal([
        ["recordBatch", [0, 1]],
        ["record", [0]],
        ["record", [1]],
        ["recordBatch", [2, 3]],
      ]);
    });

    it("retries a batch the registry refused item by item, so that only the bad consent fails", async function () {
      const refusal = new TransactionRevertedError("ConsentRegistry", "recordBatch", "ConsentValidityEnded", {}, "");
      const { chain, sent } = fakeChain({
        fail: (method, items) =>
          items.includes(1)
            ? method === "recordBatch"
              ? refusal
              : new TransactionRevertedError("ConsentRegistry", "record", "ConsentValidityEnded", {}, "")
            : null,
      });
      const batcher = new ConsentBatcher(chain, { maxItems: 3, maxWaitMs: 60_000 });
      const outcomes = await Promise.allSettled([0, 1, 2].map((n) => batcher.record("hrss", fakeItem(n))));
      await batcher.close();

      expect(outcomes.map((o) => o.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
      expect(sent.map((s) => [s.method, s.items])).to.deep.equal([
        ["recordBatch", [0, 1, 2]],
        ["record", [0]],
        ["record", [1]],
        ["record", [2]],
      ]);
    });

    it("retries a batch mined reverted without a custom error (out of gas) item by item", async function () {
      const { chain, sent, rows } = fakeChain({
        fail: (method) => {
          if (method !== "recordBatch") return null;
          rows.set(99, { status: "reverted" });
          return new TransactionFailedError(99, "reverted");
        },
      });
      const batcher = new ConsentBatcher(chain, { maxItems: 2, maxWaitMs: 60_000 });
      const outcomes = await Promise.all([0, 1].map((n) => batcher.record("hrss", fakeItem(n))));
      await batcher.close();

      expect(outcomes.map((o) => o.consentId)).to.deep.equal([fakeItem(0).evidenceHash, fakeItem(1).evidenceHash]);
      expect(sent.map((s) => s.method)).to.deep.equal(["recordBatch", "record", "record"]);
    });

    it("reports a batch that may still be mined to every item and never sends its consents again", async function () {
      const { chain, sent, rows } = fakeChain({
        fail: (method) => {
          if (method === "recordBatch") return new WritePendingError(7);
          return null;
        },
      });
      rows.set(7, { status: "sent" });
      const batcher = new ConsentBatcher(chain, { maxItems: 2, maxWaitMs: 60_000 });
      const outcomes = await Promise.allSettled([0, 1].map((n) => batcher.record("hrss", fakeItem(n))));
      await batcher.close();

      for (const outcome of outcomes) {
        expect(outcome.status).to.equal("rejected");
        expect((outcome as PromiseRejectedResult).reason)
          .to.be.instanceOf(WritePendingError)
          .with.property("outboxId", 7);
      }
      expect(sent.map((s) => s.method)).to.deep.equal(["recordBatch"]);
    });

    it("reports a batch that failed without being mined (no funds, an abandoned chain) without retrying it", async function () {
      const { chain, sent, rows } = fakeChain({
        fail: (method) => {
          if (method !== "recordBatch") return null;
          rows.set(8, { status: "failed" });
          return new TransactionFailedError(8, "insufficient_funds: …");
        },
      });
      const batcher = new ConsentBatcher(chain, { maxItems: 2, maxWaitMs: 60_000 });
      const outcomes = await Promise.allSettled([0, 1].map((n) => batcher.record("hrss", fakeItem(n))));
      await batcher.close();

      expect(outcomes.map((o) => o.status)).to.deep.equal(["rejected", "rejected"]);
      expect(sent.map((s) => s.method)).to.deep.equal(["recordBatch"]);
    });
  });

  describe("on the real ConsentRegistry", function () {
    let gw: LiveGateway;
    let serial = 0;
    const id = (key: string) => gw.system.departments[key].id;
    const purpose = ethers.encodeBytes32String("bench-purpose");
    const resource = ethers.id("batcher test resource");

    async function item(recipient: string, subjectRef = ethers.id(`batcher subject ${serial++}`)): Promise<RecordItem> {
      const now = Math.max(await time.latest(), Math.floor(Date.now() / 1000));
      return {
        terms: {
          key: { subjectRef, recipient, resourceId: resource, purpose },
          separate: false,
          validFrom: 0,
          validUntil: now + 30 * DAY,
        },
        evidenceHash: ethers.id(`batcher form ${serial++}`),
      };
    }

    before(async function () {
      gw = await startLiveGateway();
    });
    after(async function () {
      await gw?.stop();
    });

    it("records a full batch of the costliest consents within the gas it was sent with", async function () {
      this.timeout(300_000);
      // Fresh keys, the recipient changing at every item: each consent pays a fresh slot and a recipient check.
      const recipients = ["hrss", "health", "public-security", "gz-civil-affairs"].map(id);
      const items = await Promise.all(
        Array.from({ length: maxBatchItems() }, (_, n) => item(recipients[n % recipients.length])),
      );
      const batcher = new ConsentBatcher(gw.chain, { maxWaitMs: 60_000 });
      const recorded = await Promise.all(items.map((i) => batcher.record("data-bureau", i)));
      await batcher.close();

      const txs = new Set(recorded.map((r) => r.txHash));
      expect(txs.size).to.equal(1);
      const row = gw.db
        .prepare("SELECT gas_limit, gas_used, status FROM outbox WHERE tx_hash = ?")
        .get([...txs][0]) as {
        gas_limit: string;
        gas_used: string;
        status: string;
      };
      expect(row.status).to.equal("mined");
      expect(BigInt(row.gas_limit)).to.equal(batchGasLimit(items.length));
      expect(BigInt(row.gas_used)).to.be.below(BigInt(row.gas_limit));
      // The bound keeps its room: every consent costs well under CONSENT_ITEM_GAS.
      const perConsent = BigInt(row.gas_used) / BigInt(items.length);
      expect(perConsent).to.be.below((CONSENT_ITEM_GAS * 95n) / 100n, `${perConsent} gas a consent`);
      const [active, onChainId] = await gw.system.consents.activeConsent(
        items[5].terms.key.subjectRef,
        items[5].terms.key.recipient,
        resource,
        purpose,
      );
      expect(active).to.equal(true);
      expect(onChainId).to.equal(recorded[5].consentId);
    });

    it("queues a department's batches in arrival order, so a key's later consent supersedes its earlier one", async function () {
      const subjectRef = ethers.id(`ordered subject ${serial++}`);
      const first = await item(id("hrss"), subjectRef);
      const second = await item(id("hrss"), subjectRef);
      const third = await item(id("hrss"), subjectRef);
      // Two items a batch, up to three batches on their way at once: [first, x] [second, y] [third]
      const batcher = new ConsentBatcher(gw.chain, { maxItems: 2, maxWaitMs: 60_000, maxInFlight: 3 });
      const others = await Promise.all([item(id("health")), item(id("health"))]);
      const pending = [first, others[0], second, others[1], third].map((i) => batcher.record("gz-civil-affairs", i));
      await batcher.close(); // [third] would otherwise wait out the window
      const recorded = await Promise.all(pending);

      const rows = [...new Set(recorded.map((r) => r.txHash))].map(
        (hash) =>
          gw.db.prepare("SELECT nonce, block_number FROM outbox WHERE tx_hash = ?").get(hash) as {
            nonce: number;
            block_number: number;
          },
      );
      expect(rows).to.have.length(3);
      expect(rows.map((r) => r.nonce)).to.deep.equal([rows[0].nonce, rows[0].nonce + 1, rows[0].nonce + 2]);
      expect(rows.map((r) => r.block_number)).to.deep.equal([...rows.map((r) => r.block_number)].sort((a, b) => a - b));
      const [active, current] = await gw.system.consents.activeConsent(subjectRef, id("hrss"), resource, purpose);
      expect(active).to.equal(true);
      expect(current).to.equal(recorded[4].consentId);
    });
  });
});
