import fs from "node:fs";
import { expect } from "chai";
import { jsonRpc } from "../../scripts/harness/json-rpc";
import { oneRequestAtATime } from "../../scripts/lib/one-request-at-a-time";
import { startHardhatNode, type HardhatNode } from "../server/chain/support/hardhat-node";

/** A provider whose calls stay open until the test answers them. */
function heldProvider() {
  const calls: { args: unknown; answer(value: unknown): void; fail(error: Error): void }[] = [];
  const provider = {
    request: (args: unknown) =>
      new Promise<unknown>((resolve, reject) => calls.push({ args, answer: resolve, fail: reject })),
    other: () => "untouched",
  };
  return { provider, calls };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("the development node's requests, one at a time", function () {
  it("starts each request only once the one before it is answered, in the order they were made", async function () {
    const { provider, calls } = heldProvider();
    const serial = oneRequestAtATime(provider);
    expect(serial).to.equal(provider);
    expect(serial.other()).to.equal("untouched");
    const answers = [serial.request("a"), serial.request("b"), serial.request("c")];
    await settle();
    expect(calls.map((c) => c.args)).to.deep.equal(["a"]);
    calls[0].answer(1);
    await settle();
    expect(calls.map((c) => c.args)).to.deep.equal(["a", "b"]);
    calls[1].answer(2);
    await settle();
    calls[2].answer(3);
    expect(await Promise.all(answers)).to.deep.equal([1, 2, 3]);
  });

  it("gives a failure to its own caller only, and goes on with the next request", async function () {
    const { provider, calls } = heldProvider();
    const serial = oneRequestAtATime(provider);
    const failing = serial.request("bad");
    const next = serial.request("good");
    await settle();
    calls[0].fail(new Error("refused"));
    const error = await failing.catch((e: unknown) => e);
    expect((error as Error).message).to.equal("refused");
    await settle();
    expect(calls.map((c) => c.args)).to.deep.equal(["bad", "good"]);
    calls[1].answer("ok");
    expect(await next).to.equal("ok");
  });

  describe("in a real `hardhat node` (hardhat.config.ts)", function () {
    this.timeout(90_000);
    let node: HardhatNode;
    before(async function () {
      if (!fs.existsSync("/proc/self/task")) this.skip();
      node = await startHardhatNode();
    });
    after(async () => node?.stop());

    /** The threads of the EVM's tokio pool (each request in the pool waits on a thread of its own). */
    const poolThreads = () =>
      fs
        .readdirSync(`/proc/${node.pid}/task`)
        .filter((task) => fs.readFileSync(`/proc/${node.pid}/task/${task}/comm`, "utf8").startsWith("tokio")).length;

    it("keeps its EVM's thread pool small under bursts of concurrent requests", async function () {
      const call = () => jsonRpc(node.url, "eth_getBlockByNumber", ["latest", true]) as Promise<{ number: string }>;
      const before = poolThreads();
      for (let burst = 0; burst < 3; burst++) {
        const answers = await Promise.all(Array.from({ length: 96 }, call));
        expect(answers.every((block) => block.number === "0x0")).to.equal(true);
      }
      // Without the wrapper each burst leaves about one thread per concurrent request (46, then 97 here).
      expect(poolThreads()).to.be.at.most(before + 2);
    });
  });
});
