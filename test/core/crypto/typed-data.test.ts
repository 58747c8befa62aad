import { expect } from "chai";
import fc from "fast-check";
import { TypedDataEncoder, hexlify, id, type TypedDataField } from "ethers";
import { typedDataDigest } from "../../../core/crypto/typed-data";
import { CONSENT_TYPES, SEAL_TYPES, eip712Domain } from "../../../core/eip712";
import { EXCHANGE_REQUEST_TYPES, EXCHANGE_RESPONSE_TYPES, exchangeDomain } from "../../../core/exchange";

const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("core/crypto/typed-data: the EIP-712 digest as ethers computes it", function () {
  const cases: { name: string; types: Record<string, TypedDataField[]>; value: Record<string, unknown> }[] = [
    {
      name: "ExchangeRequest",
      types: EXCHANGE_REQUEST_TYPES,
      value: {
        requestId: id("r"),
        consumer: id("c"),
        grantId: 7n,
        purpose: id("p"),
        subjectRef: id("s"),
        fieldMask: 5n,
        paramsHash: id("null"),
        time: 1_764_460_800,
      },
    },
    {
      name: "Seal",
      types: SEAL_TYPES,
      value: { agreementId: 3n, department: id("d"), termsDigest: id("t"), nonce: 0n, deadline: 99n },
    },
    {
      name: "Consent",
      types: CONSENT_TYPES,
      value: {
        subjectRef: id("s"),
        recipient: id("r"),
        resourceId: id("x"),
        purpose: id("p"),
        separate: true,
        validFrom: 1,
        validUntil: 2,
        nonce: 4n,
        deadline: 5n,
      },
    },
  ];

  for (const { name, types, value } of cases) {
    it(`gives ethers' TypedDataEncoder.hash for a ${name}, on every call and every domain`, function () {
      const domains = [
        exchangeDomain(31337n, CONTRACT),
        exchangeDomain(1n, CONTRACT),
        eip712Domain("ConsentRegistry", 31337n, CONTRACT),
      ];
      for (const domain of domains) {
        const expected = TypedDataEncoder.hash(domain, types, value);
        expect(typedDataDigest(domain, types, value)).to.equal(expected);
        // The second call takes the cached encoder and separator.
        expect(typedDataDigest(domain, types, value)).to.equal(expected);
      }
    });
  }

  it("tells two domains apart even when they are equal but distinct objects", function () {
    const value = cases[0].value;
    const a = typedDataDigest(exchangeDomain(31337n, CONTRACT), EXCHANGE_REQUEST_TYPES, value);
    const b = typedDataDigest(exchangeDomain(5n, CONTRACT), EXCHANGE_REQUEST_TYPES, value);
    expect(a).to.not.equal(b);
    expect(typedDataDigest(exchangeDomain(31337n, CONTRACT), EXCHANGE_REQUEST_TYPES, value)).to.equal(a);
  });

  describe("word by word (structs of bytes32, uintN and bool fields)", function () {
    const domain = exchangeDomain(31337n, CONTRACT);
    const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b));
    const upperHex = bytes32.map((h) => `0x${h.slice(2).toUpperCase()}`);
    const uint = (bits: number) => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n });
    /** Integers as ethers takes them: bigint, a safe number, decimal or hex strings (the last two: ethers' path). */
    const anyUint = (bits: number) =>
      fc.oneof(
        uint(bits),
        uint(bits).map((v) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)),
        uint(bits).map(String),
        uint(bits).map((v) => `0x${v.toString(16)}`),
      );
    const anyBytes32 = fc.oneof(
      bytes32,
      upperHex,
      bytes32.map((h) => Uint8Array.from(Buffer.from(h.slice(2), "hex"))),
    );

    it("gives ethers' digest for any ExchangeRequest, ExchangeResponse and Consent (property)", function () {
      const request = fc.record({
        requestId: anyBytes32,
        consumer: anyBytes32,
        grantId: anyUint(256),
        purpose: anyBytes32,
        subjectRef: anyBytes32,
        fieldMask: anyUint(256),
        paramsHash: anyBytes32,
        time: anyUint(64),
      });
      const response = fc.record({
        requestId: anyBytes32,
        requestDigest: anyBytes32,
        provider: anyBytes32,
        result: anyUint(8),
        reason: anyBytes32,
        responseHash: anyBytes32,
        time: anyUint(64),
      });
      const consent = fc.record({
        subjectRef: anyBytes32,
        recipient: anyBytes32,
        resourceId: anyBytes32,
        purpose: anyBytes32,
        separate: fc.boolean(),
        validFrom: anyUint(64),
        validUntil: anyUint(64),
        nonce: anyUint(256),
        deadline: anyUint(256),
      });
      for (const [types, values] of [
        [EXCHANGE_REQUEST_TYPES, request],
        [EXCHANGE_RESPONSE_TYPES, response],
        [CONSENT_TYPES, consent],
      ] as const) {
        fc.assert(
          fc.property(values, (value: Record<string, unknown>) => {
            expect(typedDataDigest(domain, types, value)).to.equal(TypedDataEncoder.hash(domain, types, value));
          }),
          { numRuns: 100 },
        );
      }
    });

    it("gives ethers' digest at the edges of each word", function () {
      const value = (time: bigint | number, result: bigint | number) => ({
        requestId: `0x${"00".repeat(32)}`,
        requestDigest: `0x${"ff".repeat(32)}`,
        provider: id("p"),
        result,
        reason: id("r"),
        responseHash: id("h"),
        time,
      });
      for (const [time, result] of [
        [0n, 0n],
        [2n ** 64n - 1n, 255n],
        [Number.MAX_SAFE_INTEGER, 255],
      ] as const) {
        const v = value(time, result);
        expect(typedDataDigest(domain, EXCHANGE_RESPONSE_TYPES, v)).to.equal(
          TypedDataEncoder.hash(domain, EXCHANGE_RESPONSE_TYPES, v),
        );
      }
    });

    it("refuses what ethers refuses: a word out of range, hex of another length, a missing field", function () {
      const good = {
        requestId: id("r"),
        requestDigest: id("d"),
        provider: id("p"),
        result: 1,
        reason: id("x"),
        responseHash: id("h"),
        time: 1,
      };
      for (const bad of [
        { ...good, result: 256 },
        { ...good, time: 2n ** 64n },
        { ...good, time: -1 },
        { ...good, provider: `0x${"ab".repeat(31)}` },
        { ...good, provider: `0x${"ab".repeat(33)}` },
        { ...good, responseHash: undefined },
      ]) {
        expect(() => TypedDataEncoder.hash(domain, EXCHANGE_RESPONSE_TYPES, bad)).to.throw();
        expect(() => typedDataDigest(domain, EXCHANGE_RESPONSE_TYPES, bad)).to.throw();
      }
    });
  });
});
