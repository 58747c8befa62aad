/** The auditor's record of the receipt numbers a file gives, one bit each. */
import { expect } from "chai";
import { SequenceSet } from "../../scripts/audit/verify/sequence-set";

describe("SequenceSet", function () {
  it("adds each number once, and lists them in ascending order across pages of 65,536", function () {
    const set = new SequenceSet();
    const numbers = [200_000, 1, 65_535, 65_536, 2, 9_999_999, 131_072, 31, 32, 33];
    for (const n of numbers) expect(set.add(n)).to.equal(true);
    expect(set.add(65_536)).to.equal(false);
    expect(set.size).to.equal(numbers.length);
    expect([...set.ascending()]).to.deep.equal([...numbers].sort((a, b) => a - b));
    expect(set.has(65_535) && set.has(9_999_999) && !set.has(3) && !set.has(10_000_000)).to.equal(true);
  });

  it("counts the numbers of a range", function () {
    const set = new SequenceSet();
    for (let n = 1_000; n <= 3_000; n += 2) set.add(n);
    expect(set.countBetween(1_000, 1_010)).to.equal(6);
    expect(set.countBetween(1, 999)).to.equal(0);
    expect(set.countBetween(1, 10_000)).to.equal(1_001);
  });
});
