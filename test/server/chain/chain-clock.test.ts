import { expect } from "chai";
import { ChainClock, nextBlockTime } from "../../../server/src/chain/chain-clock";

const T0 = 1_700_000_000;

/** A node whose answers the test hands out one by one, and a monotonic clock the test moves. */
class FakeNode {
  monotonic = 5_000;
  readonly questions: Array<{ answer: (seconds: number) => void; fail: (error: Error) => void }> = [];

  clock(options: { minIntervalMs?: number; readTimeoutMs?: number } = {}): ChainClock {
    return new ChainClock({
      readBlockTime: () =>
        new Promise<number>((answer, fail) => {
          this.questions.push({ answer, fail });
        }),
      monotonicMs: () => this.monotonic,
      minIntervalMs: options.minIntervalMs ?? 1_000,
      readTimeoutMs: options.readTimeoutMs ?? 60_000,
    });
  }
}

/** Lets the clock's promise chains run (no timers). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("ChainClock: a lower bound of the chain's clock that does not move with this host's", function () {
  it("knows nothing before the node has answered, then counts the monotonic time since the question from the answer", async function () {
    const node = new FakeNode();
    const clock = node.clock();
    expect(clock.lowerBoundMs()).to.equal(null);
    const refreshed = clock.refresh();
    node.monotonic += 300; // the answer takes 300 ms: the bound counts from the question, never from the answer
    node.questions[0].answer(T0);
    expect(await refreshed).to.equal(T0 * 1000 + 300);
    node.monotonic += 4_700;
    expect(clock.lowerBoundMs()).to.equal(T0 * 1000 + 5_000);
  });

  it("asks the node again only once minIntervalMs has passed since the last question", async function () {
    const node = new FakeNode();
    const clock = node.clock({ minIntervalMs: 1_000 });
    const first = clock.refresh();
    node.questions[0].answer(T0);
    await first;
    node.monotonic += 999;
    expect(await clock.refresh()).to.equal(T0 * 1000 + 999);
    expect(node.questions).to.have.length(1);
    node.monotonic += 1;
    const second = clock.refresh();
    expect(node.questions).to.have.length(2);
    node.questions[1].answer(T0 + 7);
    expect(await second).to.equal((T0 + 7) * 1000);
  });

  it("keeps the previous bound, still advancing, when the node fails or does not answer in time", async function () {
    const node = new FakeNode();
    const clock = node.clock({ minIntervalMs: 0, readTimeoutMs: 20 });
    const first = clock.refresh();
    node.questions[0].answer(T0);
    await first;
    node.monotonic += 2_000;
    const failed = clock.refresh();
    node.questions[1].fail(new Error("ECONNREFUSED"));
    expect(await failed).to.equal(T0 * 1000 + 2_000);
    node.monotonic += 1_000;
    expect(await clock.refresh()).to.equal(T0 * 1000 + 3_000); // the third question is never answered: timed out
    expect(node.questions).to.have.length(3);
  });

  it("does not let a late answer to an older question replace a newer observation", async function () {
    const node = new FakeNode();
    const clock = node.clock({ minIntervalMs: 0, readTimeoutMs: 20 });
    const older = clock.refresh(); // asked at 5,000, answered only after the next one
    await older; // given up after 20 ms
    node.monotonic += 1_000;
    const newer = clock.refresh(); // asked at 6,000
    node.questions[1].answer(T0 + 10);
    await newer;
    node.questions[0].answer(T0 + 50);
    await settle();
    expect(clock.lowerBoundMs()).to.equal((T0 + 10) * 1000);
  });

  it("follows the latest answer even when it is earlier (a replaced development chain)", async function () {
    const node = new FakeNode();
    const clock = node.clock({ minIntervalMs: 0 });
    const first = clock.refresh();
    node.questions[0].answer(T0 + 3_600);
    await first;
    const second = clock.refresh();
    node.questions[1].answer(T0);
    expect(await second).to.equal(T0 * 1000);
  });

  it("reads the pending block's timestamp, and the latest block's when the node keeps no pending block", async function () {
    const asked: string[] = [];
    const node = (pending: unknown) => ({
      send: async (method: string, params: unknown[]) => {
        asked.push(`${method} ${String(params[0])}`);
        if (params[0] === "pending") {
          if (pending instanceof Error) throw pending;
          return pending;
        }
        return { timestamp: "0x10" };
      },
    });
    expect(await nextBlockTime(node({ timestamp: "0x20", number: null }))).to.equal(32);
    expect(await nextBlockTime(node(null))).to.equal(16);
    expect(await nextBlockTime(node(new Error("Method not supported")))).to.equal(16);
    expect(asked).to.deep.equal([
      "eth_getBlockByNumber pending",
      "eth_getBlockByNumber pending",
      "eth_getBlockByNumber latest",
      "eth_getBlockByNumber pending",
      "eth_getBlockByNumber latest",
    ]);
  });
});
