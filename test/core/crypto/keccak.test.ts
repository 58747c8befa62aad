import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import { keccak256Bytes, keccak256Hex, useFastKeccak } from "../../../core/crypto/keccak";

const hex = (bytes: Uint8Array) => "0x" + Buffer.from(bytes).toString("hex");
// ethers' own implementation (@noble/hashes), kept as `keccak256._` whatever is registered.
const keccak_256 = (data: Uint8Array): Uint8Array =>
  (keccak256 as unknown as { _: (d: Uint8Array) => Uint8Array })._(data);

// Lengths around Keccak-256's rate (136 bytes) and the receipt leaf's preimage (19 words = 608 bytes).
const LENGTHS = [0, 1, 31, 32, 64, 135, 136, 137, 271, 272, 608, 4096];
const input = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + length) % 256);

describe("fast Keccak-256 (core/crypto/keccak.ts)", () => {
  before(async () => {
    await useFastKeccak();
  });

  it("gives ethers' keccak256 the same digests as the reference implementation", () => {
    for (const length of LENGTHS)
      expect(keccak256(input(length)), `length ${length}`).to.equal(hex(keccak_256(input(length))));
    expect(keccak256(toUtf8Bytes("Kuajie"))).to.equal(hex(keccak_256(toUtf8Bytes("Kuajie"))));
    // The empty string's digest, as published for Keccak-256 (Ethereum's).
    expect(keccak256("0x")).to.equal("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  });

  it("returns digests that later hashes do not overwrite", () => {
    const first = keccak256(input(64));
    const again = keccak256(input(64));
    keccak256(input(137));
    expect(first)
      .to.equal(again)
      .and.to.equal(hex(keccak_256(input(64))));
  });

  it("hashes hex and bytes directly to the digests ethers gives, in lower-case hex", () => {
    for (const length of LENGTHS) {
      const bytes = input(length);
      const expected = hex(keccak_256(bytes));
      expect(keccak256Bytes(bytes), `bytes, length ${length}`).to.equal(expected);
      expect(keccak256Hex(hex(bytes)), `hex, length ${length}`).to.equal(expected);
      expect(keccak256Hex(hex(bytes).toUpperCase().replace("0X", "0x")), `upper-case hex, length ${length}`).to.equal(
        expected,
      );
    }
  });

  it("leaves what is not plain even-length hex to ethers, which refuses it as before", () => {
    for (const bad of ["0x0", "0xzz", "ab", "0x12 "])
      expect(() => keccak256Hex(bad), bad).to.throw(/invalid BytesLike value/);
  });

  it("registers once: a second call is the same promise", () => {
    expect(useFastKeccak()).to.equal(useFastKeccak());
  });
});
