import { expect } from "chai";
import { agreementId, departmentId, grantId, receiptIdOf } from "../../core/ids";

describe("core/ids", function () {
  it("brings a uint256 id in any form to its decimal text", function () {
    expect(agreementId(7n)).to.equal("7");
    expect(agreementId("0x10")).to.equal("16");
    expect(grantId(3)).to.equal("3");
  });

  it("refuses what is not a uint256", function () {
    expect(() => agreementId(-1)).to.throw(RangeError, "agreement id -1 is not a uint256");
    expect(() => grantId("seven")).to.throw(RangeError, "grant id seven is not an integer");
    expect(() => agreementId(1n << 256n)).to.throw(RangeError, "is not a uint256");
  });

  it("lower-cases bytes32 ids and refuses other lengths", function () {
    expect(departmentId(`0x${"AB".repeat(32)}`)).to.equal(`0x${"ab".repeat(32)}`);
    expect(() => receiptIdOf("0x1234")).to.throw(RangeError, "receipt id 0x1234 is not 0x and 64 hex digits");
  });
});
