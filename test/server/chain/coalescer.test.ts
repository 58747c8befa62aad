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

  describe("with maxInFlight", function () {
    /** A flush that records its batches and finishes each only when the test says so. */
    function gatedFlush() {
      const batches: number[][] = [];
      const gates: (() => void)[] = [];
      return {
        batches,
        release: () => gates.shift()!(),
        flush: (items: number[]) => {
          batches.push(items);
          return new Promise<number[]>((resolve) => gates.push(() => resolve(items.map((n) => n * 10))));
        },
      };
    }
    const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

    /** One slot; each flush's slot released and its flush ended only when the test says so. */
    function releasableFlush(maxWaitMs: number) {
      const releases: (() => void)[] = [];
      const ends: (() => void)[] = [];
      const batches: number[][] = [];
      const coalescer = new Coalescer<number, number>({
        maxItems: 100,
        maxWaitMs,
        maxInFlight: 1,
        flush: (items, release) => {
          batches.push(items);
          releases.push(release);
          return new Promise<number[]>((resolve) => ends.push(() => resolve(items.map((n) => n * 10))));
        },
      });
      return { coalescer, batches, releases, ends };
    }

    it("keeps filling the next batch past its window while the flushes run, then sends it whole", async function () {
      const gated = gatedFlush();
      const coalescer = new Coalescer<number, number>({
        maxItems: 100,
        maxWaitMs: 0,
        maxInFlight: 1,
        flush: gated.flush,
      });
      const first = coalescer.add(1);
      const rest = [2, 3, 4, 5].map((n) => coalescer.add(n));
      await tick(); // the window of 2 is long over: only the running flush holds them back

      expect(gated.batches).to.deep.equal([[1]]);
      expect(coalescer.size).to.equal(4);
      gated.release();
      expect(await first).to.equal(10);
      await tick();
      expect(gated.batches).to.deep.equal([[1], [2, 3, 4, 5]]);
      gated.release();
      expect(await Promise.all(rest)).to.deep.equal([20, 30, 40, 50]);
    });

    it("never runs more flushes at once than maxInFlight, even with full batches waiting", async function () {
      const gated = gatedFlush();
      const coalescer = new Coalescer<number, number>({
        maxItems: 2,
        maxWaitMs: 60_000,
        maxInFlight: 2,
        flush: gated.flush,
      });
      const all = [1, 2, 3, 4, 5, 6, 7].map((n) => coalescer.add(n));
      await tick();

      expect(gated.batches).to.deep.equal([
        [1, 2],
        [3, 4],
      ]);
      expect(coalescer.flushing).to.equal(2);
      gated.release();
      await tick();
      // [7] is not full and its window has not ended: it waits although a slot is free.
      expect(gated.batches).to.deep.equal([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      // Closing sends [7] at once, but only when a slot frees.
      const closing = coalescer.close();
      await tick();
      expect(gated.batches).to.have.length(3);
      gated.release();
      await tick();
      expect(gated.batches.at(-1)).to.deep.equal([7]);
      gated.release();
      gated.release();
      await closing;
      expect(await Promise.all(all)).to.deep.equal([10, 20, 30, 40, 50, 60, 70]);
    });

    it("starts the next batch once a flush releases its slot, before that flush ends", async function () {
      const { coalescer, batches, releases, ends } = releasableFlush(0);
      const first = coalescer.add(1);
      const rest = [2, 3].map((n) => coalescer.add(n));
      await tick();
      expect(batches).to.deep.equal([[1]]);

      releases[0]();
      releases[0](); // a second release frees nothing more
      await tick();
      expect(batches).to.deep.equal([[1], [2, 3]]);
      expect(coalescer.flushing).to.equal(1);
      const more = coalescer.add(4);
      await tick();
      expect(batches).to.have.length(2); // the slot of [2, 3] is still held

      ends[0]();
      expect(await first).to.equal(10);
      ends[1]();
      expect(await Promise.all(rest)).to.deep.equal([20, 30]);
      await tick();
      expect(batches).to.deep.equal([[1], [2, 3], [4]]);
      const closing = coalescer.close();
      ends[2]();
      await closing;
      expect(await more).to.equal(40);
    });

    it("starts a batch early only once it is as large as the finishing one, so batches do not shrink", async function () {
      const { coalescer, batches, releases, ends } = releasableFlush(10);
      const first = [1, 2, 3].map((n) => coalescer.add(n));
      await tick();
      const next = [4, 5].map((n) => coalescer.add(n));
      releases[0]();
      await tick();
      expect(batches).to.deep.equal([[1, 2, 3]]); // two waiting, fewer than the three still finishing

      const third = coalescer.add(6);
      await tick();
      expect(batches).to.deep.equal([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      releases[1]();
      const last = coalescer.add(7);
      await tick();
      expect(batches).to.have.length(2);
      ends[0]();
      await tick();
      expect(batches).to.have.length(2); // [4, 5, 6] is still finishing
      ends[1]();
      await tick();
      expect(batches.at(-1)).to.deep.equal([7]); // nothing finishing: the window rules again
      ends[2]();
      expect(await Promise.all([...first, ...next, third, last])).to.deep.equal([10, 20, 30, 40, 50, 60, 70]);
    });

    it("hands batches to flush synchronously and in arrival order", async function () {
      const calls: number[] = [];
      const coalescer = new Coalescer<number, void>({
        maxItems: 1,
        maxWaitMs: 60_000,
        maxInFlight: 3,
        flush: (items) => {
          calls.push(...items);
          return new Promise((resolve) => setTimeout(() => resolve(items.map(() => undefined)), 5 - items[0]));
        },
      });
      const added = [1, 2, 3].map((n) => coalescer.add(n));

      // flush ran for all three before add returned control: whatever it queues first keeps this order.
      expect(calls).to.deep.equal([1, 2, 3]);
      await Promise.all(added);
      await coalescer.add(4);
      expect(calls).to.deep.equal([1, 2, 3, 4]);
    });

    it("refuses a maxInFlight below one", function () {
      expect(
        () => new Coalescer<number>({ maxItems: 1, maxWaitMs: 0, maxInFlight: 0, flush: async () => [] }),
      ).to.throw(RangeError, "maxInFlight");
    });
  });
});
