import { expect } from "chai";
import { EventFragment, Interface, id as keccakText, type ParamType } from "ethers";
import { CONTRACT_INTERFACES } from "../../../server/src/chain/adapter";
import { eventLayout } from "../../../core/abi/event-layout";
import { abiArgsToJson } from "../../../server/src/chain/json";

/**
 * The indexer's one-word event layouts against ethers' decoder (issue 17): for every log a layout reads, it must give
 * exactly what `abiArgsToJson(decodeEventLog(...))` gives; every log it declines (null) is left to ethers.
 */
describe("eventLayout (one-word event arguments read without ethers' decoder)", function () {
  /** A value of a one-word type, varied by `seed`: extremes included (0, the maximum, negative integers). */
  function valueOf(param: ParamType, seed: number): unknown {
    const hash = keccakText(`${param.name} ${seed}`);
    if (param.type === "address") return `0x${hash.slice(26)}`;
    if (param.type === "bool") return seed % 2 === 0;
    const bytes = /^bytes(\d+)$/.exec(param.type);
    if (bytes) return `0x${hash.slice(2, 2 + Number(bytes[1]) * 2)}`;
    const integer = /^(u?)int(\d*)$/.exec(param.type);
    if (integer) {
      const bits = BigInt(integer[2] || 256);
      const unsigned = integer[1] === "u";
      const max = unsigned ? (1n << bits) - 1n : (1n << (bits - 1n)) - 1n;
      const candidates = unsigned
        ? [0n, 1n, max, BigInt(hash) & max]
        : [0n, -1n, max, -max - 1n, -(BigInt(hash) & max)];
      return candidates[seed % candidates.length];
    }
    if (param.baseType === "tuple") return (param.components ?? []).map((c) => valueOf(c, seed));
    if (param.type === "string") return `text ${seed}`;
    if (param.type === "bytes") return hash;
    throw new Error(`no test value for ${param.type}`);
  }

  /** One word, or a tuple of such: laid out inline in the data. */
  function isWords(param: ParamType): boolean {
    if (param.baseType === "tuple") return (param.components ?? []).every(isWords);
    return /^(address|bool|u?int\d*|bytes\d+)$/.test(param.type);
  }

  function decodedByEthers(iface: Interface, event: EventFragment, topics: string[], data: string) {
    const anonymous = EventFragment.from({ ...(JSON.parse(event.format("json")) as object), anonymous: true });
    return abiArgsToJson(iface.decodeEventLog(anonymous, data, topics.slice(1)), anonymous.inputs);
  }

  it("reads every one-word event of every Kuajie contract exactly as ethers decodes it", function () {
    let compared = 0;
    for (const [contract, iface] of Object.entries(CONTRACT_INTERFACES)) {
      iface.forEachEvent((event) => {
        const layout = eventLayout(event);
        const oneWord = event.inputs.every((p) => p.indexed || isWords(p));
        expect(layout !== null, `${contract}.${event.name} has a layout`).to.equal(oneWord);
        if (!layout) return;
        for (let seed = 0; seed < 5; seed++) {
          const { topics, data } = iface.encodeEventLog(
            event,
            event.inputs.map((p) => valueOf(p, seed)),
          );
          expect(layout(topics, data), `${contract}.${event.name} seed ${seed}`).to.deep.equal(
            decodedByEthers(iface, event, topics, data),
          );
          compared += 1;
        }
      });
    }
    // ConsentRegistry alone has six one-word events: the comparison ran on real events, not on none.
    expect(compared).to.be.greaterThan(30);
    expect(eventLayout(CONTRACT_INTERFACES.Grants.getEvent("GrantIssued")!)).to.not.equal(null);
  });

  const edges = new Interface([
    "event Edge(address indexed who, uint8 small, int16 signed, bool flag, bytes4 tag, address target)",
    "event WithText(bytes32 indexed key, string label)",
    "event IndexedText(string indexed label, uint256 amount)",
  ]);
  const edge = edges.getEvent("Edge")!;
  const encodedEdge = () =>
    edges.encodeEventLog(edge, [`0x${"ab".repeat(20)}`, 7, -2, true, "0x01020304", `0x${"cd".repeat(20)}`]);
  const word = (data: string, i: number) => data.slice(2 + i * 64, 2 + (i + 1) * 64);
  const withWord = (data: string, i: number, replacement: string) =>
    `0x${[0, 1, 2, 3, 4].map((j) => (j === i ? replacement : word(data, j))).join("")}`;

  it("masks integer words to their width and reads any non-zero bool word as true, as ethers does", function () {
    const { topics, data } = encodedEdge();
    const layout = eventLayout(edge)!;
    const dirty = withWord(withWord(data, 0, `${"f".repeat(62)}07`), 2, `${"0".repeat(63)}2`);
    const read = layout(topics, dirty);
    expect(read).to.deep.equal(decodedByEthers(edges, edge, topics, dirty));
    expect(read).to.include({ small: "7", signed: "-2", flag: true, tag: "0x01020304" });
  });

  it("leaves to ethers an address word with high bits set, a short or long data and a wrong topic count", function () {
    const { topics, data } = encodedEdge();
    const layout = eventLayout(edge)!;
    expect(layout(topics, withWord(data, 4, `01${word(data, 4).slice(2)}`))).to.equal(null);
    expect(layout(topics, data.slice(0, -64))).to.equal(null);
    expect(layout(topics, `${data}${"0".repeat(64)}`)).to.equal(null);
    expect(layout(topics.slice(0, 1), data)).to.equal(null);
    expect(layout([...topics, topics[1]], data)).to.equal(null);
    expect(layout(topics, `${data.slice(0, -1)}g`)).to.equal(null);
  });

  it("reads an indexed dynamic argument as its topic hash and has no layout for a dynamic one in the data", function () {
    expect(eventLayout(edges.getEvent("WithText")!)).to.equal(null);
    const indexedText = edges.getEvent("IndexedText")!;
    const { topics, data } = edges.encodeEventLog(indexedText, ["hello", 5]);
    expect(eventLayout(indexedText)!(topics, data)).to.deep.equal({ label: keccakText("hello"), amount: "5" });
    expect(eventLayout(indexedText)!(topics, data)).to.deep.equal(decodedByEthers(edges, indexedText, topics, data));
  });
});
