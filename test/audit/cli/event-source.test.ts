import { expect } from "chai";
import { ethers } from "hardhat";
import type { Log, Provider, Result } from "ethers";
import { EventSource, FIRST_PAGE_BLOCKS } from "../../../scripts/audit/event-source";
import { eventTopics, interfaces } from "../../../scripts/audit/contracts";
import { loadWorld, SUBJECT } from "./world";

const CONSORTIUM = `0x${"c0".repeat(20)}`;

/**
 * A node with `logsIn(block)` DepartmentSuspended logs in each block (proposal id = block, department id = the log's
 * index), which refuses any `eth_getLogs` the `refuses` predicate names; it records each call's range.
 */
function scriptedNode(logsIn: (block: number) => number, refuses: (from: number, to: number) => boolean = () => false) {
  const calls: [number, number][] = [];
  const fragment = interfaces.Consortium.getEvent("DepartmentSuspended")!;
  const provider = {
    getLogs: async (filter: { fromBlock: number; toBlock: number }): Promise<Log[]> => {
      calls.push([filter.fromBlock, filter.toBlock]);
      if (refuses(filter.fromBlock, filter.toBlock)) throw new Error("query returned more than 10000 results");
      const logs = [];
      for (let block = filter.fromBlock; block <= filter.toBlock; block++) {
        for (let index = 0; index < logsIn(block); index++) {
          const topics = [fragment.topicHash, ethers.toBeHex(index, 32), ethers.toBeHex(block, 32)];
          logs.push({
            address: CONSORTIUM,
            topics,
            data: "0x",
            blockNumber: block,
            index,
            transactionHash: ethers.ZeroHash,
          });
        }
      }
      return logs as unknown as Log[];
    },
    getBlock: async (block: number) => ({ timestamp: 1_900_000_000 + block }),
  };
  return { provider: provider as unknown as Provider, calls };
}

/** The pages of blocks 0 to `head` when every answer is small: FIRST_PAGE_BLOCKS blocks, doubled at each page. */
function pagesUpTo(head: number): number {
  let pages = 0;
  for (let from = 0, span = FIRST_PAGE_BLOCKS; from <= head; from += span, span *= 2) pages++;
  return pages;
}

/** Each event as [block, log index], from the event's own arguments (so that a parse of the wrong log would show). */
const positions = (events: { args: Result }[]) =>
  events.map((e) => [Number(e.args.proposalId), Number(e.args.departmentId)]);

describe("audit EventSource", function () {
  it("pages eth_getLogs over block ranges and returns the same events as one call", async function () {
    const w = await loadWorld();
    const head = await ethers.provider.getBlockNumber();
    const address = w.s.deployment.contracts.SharingAgreements;
    const whole = new EventSource(ethers.provider, 0, head, { pageBlocks: 100_000 });
    const paged = new EventSource(ethers.provider, 0, head, { pageBlocks: 3 });

    const expected = await whole.events(address, interfaces.SharingAgreements, []);
    const got = await paged.events(address, interfaces.SharingAgreements, []);

    expect(got.map((e) => [e.name, e.blockNumber, e.logIndex])).to.deep.equal(
      expected.map((e) => [e.name, e.blockNumber, e.logIndex]),
    );
    expect(expected.length).to.be.greaterThan(0);
    expect(paged.stats.getLogsCalls).to.equal(Math.ceil((head + 1) / 3));
    expect(whole.stats.getLogsCalls).to.equal(pagesUpTo(head));
  });

  it("filters by topic, splitting long lists of alternatives, and reads each block's time once", async function () {
    const w = await loadWorld();
    const head = await ethers.provider.getBlockNumber();
    const source = new EventSource(ethers.provider, 0, head);
    const strangers = Array.from({ length: 150 }, (_, i) => ethers.id(`stranger ${i}`));
    const topics = [eventTopics("ConsentRegistry", ["ConsentRecorded"]), [...strangers, SUBJECT]];

    const first = await source.events(w.s.deployment.contracts.ConsentRegistry, interfaces.ConsentRegistry, topics);
    const again = await source.events(w.s.deployment.contracts.ConsentRegistry, interfaces.ConsentRegistry, topics);

    expect(first.map((e) => e.name)).to.deep.equal(["ConsentRecorded"]);
    expect(first[0].time).to.equal((await ethers.provider.getBlock(first[0].blockNumber))!.timestamp);
    expect(again).to.have.length(1);
    expect(source.stats.getLogsCalls).to.equal(2 * 2 * pagesUpTo(head)); // 151 alternatives: two calls a page
    expect(source.stats.blocksRead).to.equal(1);
  });

  it("finds the first block at or after a time by bisection over cached block times", async function () {
    await loadWorld();
    const head = await ethers.provider.getBlockNumber();
    const source = new EventSource(ethers.provider, 0, head);
    const target = (await ethers.provider.getBlock(head - 2))!.timestamp;

    expect(await source.firstBlockAtOrAfter(target)).to.be.at.most(head - 2);
    expect(await source.blockTime(await source.firstBlockAtOrAfter(target))).to.be.at.least(target);
    expect(await source.firstBlockAtOrAfter(Number.MAX_SAFE_INTEGER)).to.equal(head + 1);
  });

  it("narrows its pages after a large answer and widens them again after small ones, one page in memory at a time", async function () {
    // At most 100 logs a page: blocks 0–3 hold 40 each (a page of 8 blocks answers more), the rest one each.
    const dense = 40;
    const { provider, calls } = scriptedNode((block) => (block < 4 ? dense : 1));
    const source = new EventSource(provider, 0, 27, { pageBlocks: 8, logsAPage: 100 });
    const seen: { calls: number; events: number }[] = [];
    const all = [];
    for await (const page of source.pages(CONSORTIUM, interfaces.Consortium, [])) {
      seen.push({ calls: calls.length, events: page.length });
      all.push(...page);
    }
    // 8 blocks gave 4 × dense + 4 logs: the next page is 4 blocks, then 8 again after an answer below a quarter.
    expect(calls).to.deep.equal([
      [0, 7],
      [8, 11],
      [12, 19],
      [20, 27],
    ]);
    // Each page was handed over before the next was asked for.
    expect(seen).to.deep.equal([
      { calls: 1, events: 4 * dense + 4 },
      { calls: 2, events: 4 },
      { calls: 3, events: 8 },
      { calls: 4, events: 8 },
    ]);
    const expected: number[][] = [];
    for (let block = 0; block <= 27; block++) {
      for (let index = 0; index < (block < 4 ? dense : 1); index++) expected.push([block, index]);
    }
    expect(positions(all)).to.deep.equal(expected);
    expect(all[5].time).to.equal(1_900_000_000 + all[5].blockNumber);
  });

  it("asks again for the same blocks in halves when the node refuses a page, and fails when it refuses one block", async function () {
    // A node that answers at most two blocks at once (a cap on the answer's size, as public nodes have).
    const { provider, calls } = scriptedNode(
      () => 2,
      (from, to) => to - from + 1 > 2,
    );
    const source = new EventSource(provider, 0, 6, { pageBlocks: 8 });
    const events = await source.events(CONSORTIUM, interfaces.Consortium, []);
    expect(positions(events)).to.deep.equal(
      [0, 1, 2, 3, 4, 5, 6].flatMap((block) => [
        [block, 0],
        [block, 1],
      ]),
    );
    // Refused: 0–6 (7 blocks), then 0–2 (half of it); answered: 0 alone, then 1–2 (the span doubles after a small
    // answer); refused 3–6, answered 3–4 and 5–6. No block is read twice once answered.
    expect(calls).to.deep.equal([
      [0, 6],
      [0, 2],
      [0, 0],
      [1, 2],
      [3, 6],
      [3, 4],
      [5, 6],
    ]);

    // A node that cannot answer for block 3 at all.
    const broken = scriptedNode(
      () => 1,
      (from, to) => from <= 3 && 3 <= to,
    );
    const failing = new EventSource(broken.provider, 0, 6, { pageBlocks: 8 });
    const refusal = await failing.events(CONSORTIUM, interfaces.Consortium, []).then(
      () => null,
      (error: unknown) => error,
    );
    expect(String(refusal)).to.include("more than 10000 results");
    expect(broken.calls.at(-1)).to.deep.equal([3, 3]);
  });
});
