import { expect } from "chai";
import fc from "fast-check";
import { CONTRACT_INTERFACES } from "../../../../server/src/chain/adapter";
import { encodeRecordBatch } from "../../../../server/src/modules/consents/batch-calldata";
import type { RecordItem } from "../../../../server/src/modules/consents/batcher";

const word = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => "0x" + Buffer.from(bytes).toString("hex"));
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const item: fc.Arbitrary<RecordItem> = fc.record({
  terms: fc.record({
    key: fc.record({ subjectRef: word, recipient: word, resourceId: word, purpose: word }),
    separate: fc.boolean(),
    // Gateway terms are numbers (uint40 fits a safe integer); the encoder also takes bigints up to 2^64 - 1.
    validFrom: fc.oneof(fc.nat(), uint64) as fc.Arbitrary<number>,
    validUntil: fc.oneof(fc.nat(), uint64) as fc.Arbitrary<number>,
  }),
  evidenceHash: word,
});

const viaEthers = (items: readonly RecordItem[]) =>
  CONTRACT_INTERFACES.ConsentRegistry.encodeFunctionData("recordBatch", [items]);

describe("encodeRecordBatch", function () {
  it("gives the same bytes as ethers' ABI coder for any batch", function () {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 40 }), (items) => {
        expect(encodeRecordBatch(items)).to.equal(viaEthers(items));
      }),
      { numRuns: 200 },
    );
  });

  it("accepts mixed-case hex and writes it lower case, as ethers does", function () {
    const sample = fc.sample(item, { numRuns: 1, seed: 14 })[0];
    const upper = { ...sample, evidenceHash: "0x" + sample.evidenceHash.slice(2).toUpperCase() };
    expect(encodeRecordBatch([upper])).to.equal(viaEthers([sample]));
  });

  it("refuses a value the ABI cannot hold, naming the item and field", function () {
    const [sample] = fc.sample(item, { numRuns: 1, seed: 14 });
    const withTerms = (terms: Partial<RecordItem["terms"]>) => [
      sample,
      { ...sample, terms: { ...sample.terms, ...terms } },
    ];
    expect(() => encodeRecordBatch(withTerms({ validUntil: -1 }))).to.throw(RangeError, "items[1].terms.validUntil");
    expect(() => encodeRecordBatch(withTerms({ validFrom: 1.5 }))).to.throw(RangeError, "items[1].terms.validFrom");
    expect(() => encodeRecordBatch(withTerms({ validUntil: (2n ** 64n) as unknown as number }))).to.throw(
      RangeError,
      "items[1].terms.validUntil",
    );
    expect(() =>
      encodeRecordBatch([{ ...sample, terms: { ...sample.terms, key: { ...sample.terms.key, purpose: "0x1234" } } }]),
    ).to.throw(TypeError, "items[0].terms.key.purpose");
    expect(() => encodeRecordBatch([{ ...sample, evidenceHash: "0x" + "zz".repeat(32) }])).to.throw(
      TypeError,
      "items[0].evidenceHash",
    );
  });
});
