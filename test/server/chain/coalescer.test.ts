import { expect } from "chai";
import { Coalescer } from "../../../server/src/chain/coalescer";

describe("Coalescer", function () {
  it("flushes a batch as soon as it holds maxItems, giving each item its own result", async function () {
    const batches: number[][] = [];
    const coalescer = new Coalescer<number, string>({
      maxItems: 3,
      maxWaitMs: 60_000,
      flush: async (items) => {
        batches.push(items);
        return items.map((item, i) => `${item}@${i}`);
      },
    });

    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => coalescer.add(n)));

    expect(batches).to.deep.equal([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(results).to.deep.equal(["1@0", "2@1", "3@2", "4@0", "5@1", "6@2"]);
  });

  it("flushes a smaller batch once maxWaitMs has passed since its first item", async function () {
    const batches: string[][] = [];
    const coalescer = new Coalescer<string, number>({
      maxItems: 100,
      maxWaitMs: 10,
      flush: async (items) => {
        batches.push(items);
        return items.map((item) => item.length);
      },
    });

    const results = await Promise.all([coalescer.add("a"), coalescer.add("bb")]);
    const later = await coalescer.add("ccc");

    expect(batches).to.deep.equal([["a", "bb"], ["ccc"]]);
    expect(results).to.deep.equal([1, 2]);
    expect(later).to.equal(3);
  });

  it("rejects every item of a failed batch and only those", async function () {
    const coalescer = new Coalescer<number>({
      maxItems: 2,
      maxWaitMs: 60_000,
      flush: async (items) => {
        if (items.includes(1)) {
          throw new Error("node refused the batch");
        }
        return items.map(() => undefined);
      },
    });

    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => coalescer.add(n)));

    expect(outcomes.map((o) => o.status)).to.deep.equal(["rejected", "rejected", "fulfilled", "fulfilled"]);
  });

  it("flushes what it holds on close and refuses items afterwards", async function () {
    const batches: number[][] = [];
    const coalescer = new Coalescer<number>({
      maxItems: 10,
      maxWaitMs: 60_000,
      flush: async (items) => {
        batches.push(items);
        return items.map(() => undefined);
      },
    });
    const pending = coalescer.add(7);

    await coalescer.close();
    await pending;

    expect(batches).to.deep.equal([[7]]);
    let refusal: unknown;
    await coalescer.add(8).catch((e: unknown) => (refusal = e));
    expect(refusal).to.be.instanceOf(Error);
  });
});
