import { expect } from "chai";
import { remembered } from "../../core/remembered";

describe("core: remembered (a bounded memory of a pure function's results)", function () {
  it("computes each key once, and remembers falsy results too", function () {
    const calls: string[] = [];
    const isEven = remembered((key) => {
      calls.push(key);
      return Number(key) % 2 === 0;
    });
    expect([isEven("2"), isEven("3"), isEven("2"), isEven("3")]).to.deep.equal([true, false, true, false]);
    expect(calls).to.deep.equal(["2", "3"]);
  });

  it("forgets everything past its limit, so its memory stays bounded", function () {
    const calls: string[] = [];
    const upper = remembered((key) => {
      calls.push(key);
      return key.toUpperCase();
    }, 2);
    upper("a");
    upper("b");
    upper("c"); // the third key: the first two are forgotten
    upper("c");
    upper("a");
    expect(calls).to.deep.equal(["a", "b", "c", "a"]);
  });
});
