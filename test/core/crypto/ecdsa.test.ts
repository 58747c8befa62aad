import { expect } from "chai";
import {
  computeAddress,
  getBytes,
  id,
  keccak256,
  recoverAddress,
  Signature,
  SigningKey,
  toBeHex,
  toUtf8Bytes,
} from "ethers";
import {
  ECDSA_IMPLEMENTATION,
  digestSigner,
  plainRecovery,
  recoverDigestSigner,
  writePlainRecovery,
} from "../../../core/crypto/ecdsa";

// Fixed vectors: keys and digests derived from fixed strings, never random.
const KEYS = Array.from({ length: 16 }, (_, i) => id(`kuajie ecdsa vector key ${i}`));
const DIGESTS = Array.from({ length: 16 }, (_, i) => keccak256(toUtf8Bytes(`kuajie ecdsa vector digest ${i}`)));
const EDGE_KEYS = [toBeHex(1n, 32), toBeHex(SECP256K1_N() - 1n, 32)];
const EDGE_DIGESTS = [`0x${"00".repeat(32)}`, `0x${"ff".repeat(32)}`, toBeHex(SECP256K1_N(), 32)];

function SECP256K1_N(): bigint {
  return 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
}

/** Every (key, digest) pair of the vectors; the pure-JavaScript fallback (seconds a pass) on a fifth of them. */
function pairs(implementation: "libsecp256k1" | "noble"): [string, string][] {
  const all: [string, string][] = [];
  for (const key of [...KEYS, ...EDGE_KEYS])
    for (const digest of [...DIGESTS, ...EDGE_DIGESTS]) all.push([key, digest]);
  return implementation === "noble" ? all.filter((_, i) => i % 5 === 0) : all;
}

describe("core/crypto/ecdsa: secp256k1 byte for byte as ethers", function () {
  it("uses libsecp256k1 on the platforms the secp256k1 package ships binaries for", function () {
    const prebuilt = ["linux-x64", "darwin-arm64", "win32-x64"].includes(`${process.platform}-${process.arch}`);
    if (!prebuilt) this.skip();
    expect(ECDSA_IMPLEMENTATION).to.equal("libsecp256k1");
  });

  for (const implementation of ["libsecp256k1", "noble"] as const) {
    it(`signs every vector exactly as ethers' SigningKey does (${implementation})`, function () {
      for (const [key, digest] of pairs(implementation)) {
        const signer = digestSigner(key, implementation);
        expect(signer.sign(digest), `key ${key} digest ${digest}`).to.equal(
          new SigningKey(key).sign(digest).serialized,
        );
        expect(signer.address).to.equal(computeAddress(key));
      }
    });

    it(`recovers every vector's signer as ethers' recoverAddress does (${implementation})`, function () {
      for (const [key, digest] of pairs(implementation)) {
        const signature = new SigningKey(key).sign(digest);
        const expected = recoverAddress(digest, signature.serialized);
        expect(recoverDigestSigner(digest, signature.serialized, implementation)).to.equal(expected);
        // v as 0/1 instead of 27/28: ethers reads both.
        const v01 = `${signature.serialized.slice(0, 130)}0${signature.yParity}`;
        expect(recoverDigestSigner(digest, v01, implementation)).to.equal(recoverAddress(digest, v01));
      }
    });

    it(`recovers a high-s signature as ethers does (${implementation})`, function () {
      const digest = DIGESTS[0];
      const low = new SigningKey(KEYS[0]).sign(digest);
      const highS = toBeHex(SECP256K1_N() - BigInt(low.s), 32);
      // The mirrored signature (n - s, the other parity) is valid for the same key.
      const high = `${low.r}${highS.slice(2)}${low.yParity === 0 ? "1c" : "1b"}`;
      let expected: string | Error;
      try {
        expected = recoverAddress(digest, high);
      } catch (error) {
        expected = error as Error;
      }
      if (expected instanceof Error) {
        expect(() => recoverDigestSigner(digest, high, implementation)).to.throw();
      } else {
        expect(recoverDigestSigner(digest, high, implementation)).to.equal(expected);
      }
    });

    it(`refuses what ethers refuses: r or s out of range, a bad v, a short signature (${implementation})`, function () {
      const digest = DIGESTS[1];
      const good = new SigningKey(KEYS[1]).sign(digest);
      const n = toBeHex(SECP256K1_N(), 32).slice(2);
      const zero = "00".repeat(32);
      const bad = [
        `0x${zero}${good.s.slice(2)}1b`,
        `0x${n}${good.s.slice(2)}1b`,
        `${good.r}${zero}1b`,
        `${good.r}${good.s.slice(2)}1d`,
        good.serialized.slice(0, 128),
      ];
      for (const signature of bad) {
        expect(() => recoverAddress(digest, signature), `ethers on ${signature}`).to.throw();
        expect(() => recoverDigestSigner(digest, signature, implementation), signature).to.throw();
      }
    });
  }

  it("recovers a signer from an ethers Signature object too", function () {
    const signature = new SigningKey(KEYS[2]).sign(DIGESTS[2]);
    expect(recoverDigestSigner(DIGESTS[2], Signature.from(signature.serialized))).to.equal(
      recoverAddress(DIGESTS[2], signature),
    );
    expect(getBytes(signature.serialized)).to.have.length(65);
  });

  it("writes plainRecovery's bytes in place (digest, r ‖ s, recovery id), and nothing where it is null", function () {
    if (ECDSA_IMPLEMENTATION !== "libsecp256k1") this.skip(); // plainRecovery is null everywhere without the addon
    const signer = digestSigner(KEYS[0]);
    const cases: [unknown, unknown][] = [];
    for (const digest of [...DIGESTS.slice(0, 4), ...EDGE_DIGESTS]) {
      const signature = signer.sign(digest);
      cases.push(
        [digest, signature],
        [digest.toUpperCase().replace("0X", "0x"), signature.toUpperCase().replace("0X", "0x")],
      );
      // Every one-character change of the signature and of the digest, to each of a few characters.
      for (let at = 0; at < signature.length; at++)
        for (const c of ["0", "8", "F", "g"])
          cases.push([digest, signature.slice(0, at) + c + signature.slice(at + 1)]);
      for (let at = 0; at < digest.length; at++)
        cases.push([digest.slice(0, at) + "g" + digest.slice(at + 1), signature]);
      cases.push([digest, signature.slice(0, -1)], [digest.slice(0, -2), signature], [digest, undefined], [digest, 27]);
    }
    let plain = 0;
    for (const [digest, signature] of cases) {
      const expected = plainRecovery(digest as string, signature as string);
      const out = Buffer.alloc(100, 0xee);
      const written = writePlainRecovery(digest as string, signature as string, out, 2);
      const label = `${String(digest)} ${String(signature)}`;
      expect(written, label).to.equal(expected !== null);
      if (expected === null) expect(out.equals(Buffer.alloc(100, 0xee)), label).to.equal(true);
      else {
        plain++;
        const bytes = Buffer.concat([expected.digest, expected.compact, Buffer.from([expected.recoveryId])]);
        expect(out.subarray(2, 99).equals(bytes), label).to.equal(true);
        expect([out[0], out[1], out[99]], "nothing written outside its 97 bytes").to.deep.equal([0xee, 0xee, 0xee]);
      }
    }
    expect(plain, "plain signatures among the cases").to.be.greaterThan(7 * 64);
  });
});
