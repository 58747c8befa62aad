import { expect } from "chai";
import { ethers } from "hardhat";
import { EventSource } from "../../../scripts/audit/event-source";
import { eventTopics, interfaces } from "../../../scripts/audit/contracts";
import { loadWorld, SUBJECT } from "./world";

describe("audit EventSource", function () {
  it("pages eth_getLogs over block ranges and returns the same events as one call", async function () {
    const w = await loadWorld();
    const head = await ethers.provider.getBlockNumber();
    const address = w.s.deployment.contracts.SharingAgreements;
    const whole = new EventSource(ethers.provider, 0, head, 100_000);
    const paged = new EventSource(ethers.provider, 0, head, 3);

    const expected = await whole.events(address, interfaces.SharingAgreements, []);
    const got = await paged.events(address, interfaces.SharingAgreements, []);

    expect(got.map((e) => [e.name, e.blockNumber, e.logIndex])).to.deep.equal(
      expected.map((e) => [e.name, e.blockNumber, e.logIndex]),
    );
    expect(expected.length).to.be.greaterThan(0);
    expect(paged.stats.getLogsCalls).to.equal(Math.ceil((head + 1) / 3));
    expect(whole.stats.getLogsCalls).to.equal(1);
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
    expect(source.stats.getLogsCalls).to.equal(4); // 151 alternatives: two calls per query
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
});
