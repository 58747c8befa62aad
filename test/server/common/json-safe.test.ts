import { expect } from "chai";
import { jsonSafe } from "../../../server/src/common/problem";

describe("jsonSafe", function () {
  it("hands a value with nothing to convert back as it is, without copying it", function () {
    const answer = { id: "0x01", block: 12, history: [{ event: "recorded", at: null }], nested: { ok: true } };
    expect(jsonSafe(answer)).to.equal(answer);
  });

  it("writes every bigint as a decimal string, however deep", function () {
    const answer = { amount: 2n ** 70n, rows: [{ value: 1n }, { value: "2" }], plain: 3 };
    expect(jsonSafe(answer)).to.deep.equal({
      amount: "1180591620717411303424",
      rows: [{ value: "1" }, { value: "2" }],
      plain: 3,
    });
    expect(answer.amount).to.equal(2n ** 70n);
  });

  it("copies an object that is not plain as before: its own enumerable properties", function () {
    class Row {
      constructor(readonly id: number) {}
      get doubled(): number {
        return this.id * 2;
      }
    }
    expect(JSON.stringify(jsonSafe({ row: new Row(4), at: new Date(0) }))).to.equal('{"row":{"id":4},"at":{}}');
  });
});
