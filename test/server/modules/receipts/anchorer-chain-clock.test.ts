/**
 * The anchorer waits for the chain's clock (issue 16, docs/FEDERATION.md §3.4): a receipt is batched only once a
 * lower bound of the chain's clock has reached its time, so the anchoring block is never stamped before a receipt of
 * its batch; the anchoring lag that makes fetches fail closed counts from then, up to the allowed clock lead. All
 * clocks here are the test's: the gateway's wall clock, the chain's clock (the timestamp its next block would carry)
 * and the monotonic clock move only when the test moves them.
 */
import { expect } from "chai";
import { ethers, ZeroHash } from "ethers";
import pino from "pino";
import type { KuajieChain } from "../../../../server/src/chain/adapter";
import { ChainClock } from "../../../../server/src/chain/chain-clock";
import { openDatabase, type Db } from "../../../../server/src/common/db";
import { createMetrics } from "../../../../server/src/common/metrics";
import { Anchorer } from "../../../../server/src/modules/receipts/anchorer";
import { ReceiptRecorder, type ReceiptDraft } from "../../../../server/src/modules/receipts/recorder";
import { ReceiptStore } from "../../../../server/src/store/receipts";

const DEPARTMENT = ethers.id("consumer department").toLowerCase();
const CHAIN_START_MS = 1_700_000_000_000;
const TOLERANCE_SECONDS = 60;
const BATCH_SECONDS = 0.04;
const WAIT_BOUND_MS = 10_000;

interface Anchor {
  firstSequence: number;
  lastSequence: number;
  /** The timestamp of the block that mined it: the chain's clock when it was sent (automine). */
  blockTime: number;
}

/** One gateway's receipts and anchorer, on clocks the test sets. */
class Rig {
  wallMs: number;
  chainMs = CHAIN_START_MS;
  monotonicMs = 0;
  readonly anchors: Anchor[] = [];
  /** Times the node was asked for its clock: each anchoring pass that needs it asks (no minimum interval here). */
  clockReads = 0;
  nodeAnswers = true;
  readonly chainClock: ChainClock;
  readonly db: Db;
  readonly store: ReceiptStore;
  readonly anchorer: Anchorer;
  readonly recorder: ReceiptRecorder;

  constructor(gatewayAheadSeconds: number) {
    this.wallMs = CHAIN_START_MS + gatewayAheadSeconds * 1000;
    this.db = openDatabase(":memory:");
    this.store = new ReceiptStore(this.db);
    this.chainClock = new ChainClock({
      readBlockTime: async () => {
        this.clockReads += 1;
        if (!this.nodeAnswers) throw new Error("ECONNREFUSED");
        return Math.floor(this.chainMs / 1000);
      },
      monotonicMs: () => this.monotonicMs,
      minIntervalMs: 0,
    });
    this.anchorer = new Anchorer({
      store: this.store,
      chain: {
        write: async (_key: string, _contract: string, _method: string, args: readonly unknown[]) => {
          const [, , , firstSequence, lastSequence] = args as number[];
          this.anchors.push({ firstSequence, lastSequence, blockTime: Math.floor(this.chainMs / 1000) });
          return {
            outboxId: this.anchors.length,
            txHash: ZeroHash,
            blockNumber: this.anchors.length,
            events: [],
            logs: [],
          };
        },
      } as Pick<KuajieChain, "write">,
      chainClock: this.chainClock,
      maxClockLeadSeconds: TOLERANCE_SECONDS,
      departments: [{ key: "consumer", id: DEPARTMENT }],
      batchSize: 1_024,
      batchSeconds: BATCH_SECONDS,
      metrics: createMetrics(),
      logger: pino({ level: "silent" }),
      now: () => this.wallMs,
    });
    this.recorder = new ReceiptRecorder(this.store, {
      now: () => this.wallMs,
      onCommitted: (committed) => this.anchorer.noteCommitted(committed),
    });
  }

  /** Every clock moves on together (the gateway's stays as far ahead as it was). */
  elapse(ms: number): void {
    this.wallMs += ms;
    this.chainMs += ms;
    this.monotonicMs += ms;
  }

  /** A receipt dated by the gateway's own clock, as a receipt whose time is not lifted to a block's is. */
  async record(): Promise<number> {
    const draft: ReceiptDraft = {
      time: Math.floor(this.wallMs / 1000),
      department: DEPARTMENT,
      account: "0x" + "11".repeat(20),
      grantId: "1",
      agreementId: "1",
      consentId: ZeroHash,
      provider: ethers.id("provider department").toLowerCase(),
      resourceId: ethers.id("resource"),
      resourceVersion: 1,
      fieldMask: "0x0",
      subjectRef: ZeroHash,
      purpose: ethers.encodeBytes32String("purpose"),
      result: "delivered",
      reason: "ok",
      requestHash: ZeroHash,
      responseHash: ZeroHash,
    };
    const recorded = await this.recorder.record(draft);
    return recorded.receipt.time;
  }

  /** Resolves once the anchorer has been through `passes` more passes that consulted the chain's clock. */
  async passes(passes: number): Promise<void> {
    const target = this.clockReads + passes;
    await this.until(() => this.clockReads >= target, `${passes} anchoring passes`);
  }

  /** Three more passes anchored nothing, and the lag is `lagMs`. */
  async expectHeld(lagMs: number): Promise<void> {
    await this.passes(3);
    expect(this.anchors).to.deep.equal([]);
    expect(this.anchorer.lagMs(DEPARTMENT)).to.equal(lagMs);
  }

  async until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_BOUND_MS;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`not reached within ${WAIT_BOUND_MS} ms: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Every receipt's time against the timestamp of the block that anchored it. */
  receiptsAfterTheirAnchor(): number[] {
    const late: number[] = [];
    for (const anchor of this.anchors) {
      for (let sequence = anchor.firstSequence; sequence <= anchor.lastSequence; sequence++) {
        if (this.timeOf(sequence) > anchor.blockTime) late.push(sequence);
      }
    }
    return late;
  }

  timeOf(sequence: number): number {
    const row = this.db
      .prepare("SELECT time FROM receipts WHERE department = ? AND sequence = ?")
      .get(Buffer.from(DEPARTMENT.slice(2), "hex"), sequence) as { time: number };
    return row.time;
  }

  async close(): Promise<void> {
    await this.anchorer.stop();
    this.db.close();
  }
}

describe("Anchorer: a receipt is anchored only once the chain's clock has reached its time", function () {
  let rig: Rig;
  afterEach(async () => rig?.close());

  it("anchors a gateway in step with the chain as soon as its batch is due", async function () {
    rig = new Rig(0);
    rig.anchorer.start();
    await rig.record();
    await rig.record();
    rig.elapse(1_000);
    await rig.until(() => rig.anchors.length === 1, "the batch anchored");
    expect(rig.anchors[0]).to.include({ firstSequence: 1, lastSequence: 2 });
    expect(rig.receiptsAfterTheirAnchor()).to.deep.equal([]);
    expect(rig.anchorer.lagMs(DEPARTMENT)).to.equal(0);
  });

  it("holds a gateway's receipts while its clock is 30 s ahead of the chain's, and anchors them in a block stamped at or after their time", async function () {
    rig = new Rig(30);
    rig.anchorer.start();
    const time = await rig.record();
    rig.elapse(1_000);
    // Within the tolerance the wait is not a lag: fetches go on being served.
    await rig.expectHeld(0);
    rig.elapse(28_000); // the chain's clock is 1 s short of the receipt's time
    await rig.expectHeld(0);
    rig.elapse(1_000);
    await rig.until(() => rig.anchors.length === 1, "the batch anchored");
    expect(rig.anchors[0]).to.deep.equal({ firstSequence: 1, lastSequence: 1, blockTime: time });
    expect(rig.receiptsAfterTheirAnchor()).to.deep.equal([]);
  });

  it("counts the lag from when the chain's clock reached the receipt's time", async function () {
    rig = new Rig(30);
    await rig.record();
    await rig.chainClock.refresh(); // the anchorer is not started: nothing is anchored, the clock is read once
    rig.elapse(35_000);
    expect(rig.anchorer.lagMs(DEPARTMENT)).to.equal(5_000);
  });

  it("batches only the receipts the chain's clock has reached, in sequence, and the rest once it reaches them", async function () {
    rig = new Rig(0);
    rig.anchorer.start();
    await rig.record(); // 1 at the chain's time
    rig.wallMs += 20_000; // the host's clock jumps 20 s ahead (a wrong NTP step): 2 and 3 are dated after the chain
    await rig.record();
    await rig.record();
    rig.elapse(1_000);
    await rig.until(() => rig.anchors.length === 1, "the first batch anchored");
    expect(rig.anchors[0]).to.include({ firstSequence: 1, lastSequence: 1 });
    await rig.passes(3);
    expect(rig.anchors).to.have.length(1);
    rig.elapse(19_000);
    await rig.until(() => rig.anchors.length === 2, "the second batch anchored");
    expect(rig.anchors[1]).to.include({ firstSequence: 2, lastSequence: 3 });
    expect(rig.receiptsAfterTheirAnchor()).to.deep.equal([]);
  });

  it("fails closed when the clock is ahead beyond the tolerance: the lag counts from the tolerance on", async function () {
    rig = new Rig(90);
    rig.anchorer.start();
    const time = await rig.record();
    rig.elapse(59_000);
    await rig.expectHeld(0);
    rig.elapse(6_000); // held 65 s: 5 s past the tolerance
    await rig.expectHeld(5_000);
    // Once the chain's clock reaches the receipt's time, it is anchored truthfully after all.
    rig.elapse(25_000);
    await rig.until(() => rig.anchors.length === 1, "the batch anchored");
    expect(rig.anchors[0].blockTime).to.equal(time);
    expect(rig.receiptsAfterTheirAnchor()).to.deep.equal([]);
  });

  it("anchors nothing while the node has never told its clock, and the lag is the receipts' whole age", async function () {
    rig = new Rig(0);
    rig.nodeAnswers = false;
    rig.anchorer.start();
    await rig.record();
    rig.elapse(7_000);
    await rig.expectHeld(7_000);
    rig.nodeAnswers = true;
    await rig.until(() => rig.anchors.length === 1, "the batch anchored");
  });
});
