import { expect } from "chai";
import { ZeroHash } from "ethers";
import {
  decodeAdmitPayload,
  decodeCallPayload,
  decodeDepartmentPayload,
  decodeQuorumPayload,
  decodeWorkingDaysPayload,
  encodeAdmitPayload,
  encodeCallPayload,
  encodeDepartmentPayload,
  encodeQuorumPayload,
  encodeWorkingDaysPayload,
} from "../../../core/council/proposals";

// The Consortium's own tests (test/consortium) propose with these encoders, so the contract checks the encoding;
// here: every payload decodes back to what was encoded, and a fixed-size one has its ABI bytes.
describe("core/council/proposals", function () {
  it("encodes a department id as one 32-byte word", function () {
    const id = `0x${"ab".repeat(32)}`;
    expect(encodeDepartmentPayload(id)).to.equal(id);
    expect(decodeDepartmentPayload(encodeDepartmentPayload(id))).to.equal(id);
  });

  it("encodes the quorum and the reply deadline as one left-padded word each", function () {
    expect(encodeQuorumPayload(6000)).to.equal(`0x${"0".repeat(60)}1770`);
    expect(decodeQuorumPayload(encodeQuorumPayload(6000))).to.equal(6000);
    expect(decodeWorkingDaysPayload(encodeWorkingDaysPayload(10))).to.equal(10);
    expect(() => encodeQuorumPayload(70000)).to.throw(); // not a uint16
  });

  it("round-trips an admission", function () {
    const profile = {
      id: `0x${"01".repeat(32)}`,
      level: 1n,
      regionCode: 440000n,
      parent: ZeroHash,
      councilSeat: true,
      code: "91350100M000100Y43",
      name: "广东省政务服务数据管理局",
    };
    const admin = `0x${"ab".repeat(20)}`;
    const decoded = decodeAdmitPayload(encodeAdmitPayload(profile, admin));
    expect(decoded.profile).to.deep.equal(profile);
    expect(decoded.admin.toLowerCase()).to.equal(admin);
  });

  it("round-trips a council call", function () {
    const module = `0x${"cd".repeat(20)}`;
    const decoded = decodeCallPayload(encodeCallPayload(module, "0x12345678"));
    expect(decoded.module.toLowerCase()).to.equal(module);
    expect(decoded.callData).to.equal("0x12345678");
  });
});
