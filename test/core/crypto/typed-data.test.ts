import { expect } from "chai";
import { TypedDataEncoder, id, type TypedDataField } from "ethers";
import { typedDataDigest } from "../../../core/crypto/typed-data";
import { CONSENT_TYPES, SEAL_TYPES, eip712Domain } from "../../../core/eip712";
import { EXCHANGE_REQUEST_TYPES, exchangeDomain } from "../../../core/exchange";

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
});
