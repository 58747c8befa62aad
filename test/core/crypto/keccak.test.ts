import { expect } from "chai";
import { keccak256 } from "ethers";
import { nativeKeccak256 } from "../../../core/crypto/keccak";

/** ethers' own keccak (@noble/hashes), whatever is registered. */
const ethersOwn = (data: Uint8Array): Uint8Array => keccak256._(data);

describe("core/crypto/keccak: the native keccak256 as ethers' own", function () {
  it("loads on the platforms the keccak package ships binaries for", function () {
    const prebuilt = ["linux-x64", "darwin-x64", "win32-x64"].includes(`${process.platform}-${process.arch}`);
    if (!prebuilt) this.skip();
    expect(nativeKeccak256).to.not.equal(null);
  });

  it("hashes every length from 0 to 300 bytes, and views into larger buffers, exactly as ethers does", function () {
    if (nativeKeccak256 === null) this.skip();
    const bytes = Uint8Array.from({ length: 400 }, (_, i) => (i * 31 + 7) & 0xff);
    for (let length = 0; length <= 300; length++) {
      const whole = bytes.slice(0, length);
      expect(Buffer.from(nativeKeccak256!(whole)).toString("hex")).to.equal(
        Buffer.from(ethersOwn(whole)).toString("hex"),
      );
      const view = bytes.subarray(50, 50 + length);
      expect(Buffer.from(nativeKeccak256!(view)).toString("hex")).to.equal(
        Buffer.from(ethersOwn(view)).toString("hex"),
      );
    }
  });
});
