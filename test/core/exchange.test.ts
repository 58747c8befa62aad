import { expect } from "chai";
import fc from "fast-check";
import {
  Wallet,
  ZeroHash,
  encodeBytes32String,
  id,
  keccak256,
  toUtf8Bytes,
  verifyTypedData,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { digestSigner } from "../../core/crypto/ecdsa";
import { typedDataDigest } from "../../core/crypto/typed-data";
import {
  EXCHANGE_REQUEST_TYPES,
  ExchangeRequestSchema,
  ExchangeResponseSchema,
  exchangeDomain,
  plainExchangeRequest,
  plainExchangeResponse,
  recoverSigner,
  requestDigest,
  responseDigest,
  signRequest,
  signResponse,
  type ExchangeRequest,
  type ExchangeResponse,
} from "../../core/exchange";

const CONSORTIUM = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const consumerKey = new Wallet(id("consumer operator"));
const providerKey = new Wallet(id("provider operator"));

const request: ExchangeRequest = {
  requestId: id("request 1"),
  consumer: id("91440101MA5CXXXXX1"),
  grantId: "7",
  purpose: encodeBytes32String("minimum-living-allowance"),
  subjectRef: id("subject"),
  fieldMask: "0x5",
  paramsHash: keccak256(toUtf8Bytes("null")),
  time: 1_764_460_800,
};

describe("core/exchange: the signed request and response", function () {
  const domain = exchangeDomain(31337n, CONSORTIUM);

  it("recovers the consumer's account from a signed request, as ethers' verifyTypedData does", async function () {
    const signature = await signRequest(consumerKey, domain, request);
    expect(recoverSigner(requestDigest(domain, request), signature)).to.equal(consumerKey.address);
    const values = { ...request, grantId: 7n, fieldMask: 5n };
    expect(verifyTypedData(domain, EXCHANGE_REQUEST_TYPES, values, signature)).to.equal(consumerKey.address);
  });

  it("signs byte for byte as an ethers Wallet does when the gateway's libsecp256k1 signer signs", async function () {
    const key = digestSigner(consumerKey.privateKey);
    const gatewaySigner = {
      signTypedData: async (d: TypedDataDomain, types: Record<string, TypedDataField[]>, v: Record<string, unknown>) =>
        key.sign(typedDataDigest(d, types, v)),
      signDigest: async (digest: string) => key.sign(digest),
    };
    for (let i = 0; i < 8; i++) {
      const variant = { ...request, requestId: id(`request ${i}`), time: request.time + i };
      const expected = await signRequest(consumerKey, domain, variant);
      expect(await signRequest(gatewaySigner, domain, variant)).to.equal(expected);
      expect(await signRequest(gatewaySigner, domain, variant, requestDigest(domain, variant))).to.equal(expected);
      // A signer without signDigest signs the message itself.
      expect(await signRequest(consumerKey, domain, variant, requestDigest(domain, variant))).to.equal(expected);
    }
  });

  it("binds the digest to every signed field, the chain and the consortium", async function () {
    const base = requestDigest(domain, request);
    const variants: ExchangeRequest[] = [
      { ...request, requestId: id("request 2") },
      { ...request, consumer: id("another department") },
      { ...request, grantId: "8" },
      { ...request, purpose: encodeBytes32String("tax") },
      { ...request, subjectRef: ZeroHash },
      { ...request, fieldMask: "0x7" },
      { ...request, paramsHash: ZeroHash },
      { ...request, time: request.time + 1 },
    ];
    for (const variant of variants) expect(requestDigest(domain, variant)).to.not.equal(base);
    expect(requestDigest(exchangeDomain(1n, CONSORTIUM), request)).to.not.equal(base);
    expect(requestDigest(exchangeDomain(31337n, consumerKey.address), request)).to.not.equal(base);
  });

  it("recovers the provider's account from a signed response bound to the request digest", async function () {
    const response: ExchangeResponse = {
      requestId: request.requestId,
      requestDigest: requestDigest(domain, request),
      provider: id("provider department"),
      result: "denied",
      reason: encodeBytes32String("consent_withdrawn"),
      responseHash: ZeroHash,
      time: request.time + 1,
    };
    const signature = await signResponse(providerKey, domain, response);
    const digest = responseDigest(domain, response);
    expect(recoverSigner(digest, signature)).to.equal(providerKey.address);
    expect(recoverSigner(responseDigest(domain, { ...response, result: "delivered" }), signature)).to.not.equal(
      providerKey.address,
    );
  });

  it("answers null for a malformed signature instead of throwing", function () {
    const digest = requestDigest(domain, request);
    expect(recoverSigner(digest, "0x1234")).to.equal(null);
    expect(recoverSigner(digest, "0x" + "00".repeat(65))).to.equal(null);
  });

  it("reads a plain request and response as their schemas do, and leaves everything else to them (property)", function () {
    const response: ExchangeResponse = {
      requestId: request.requestId,
      requestDigest: requestDigest(domain, request),
      provider: id("provider department"),
      result: "delivered",
      reason: encodeBytes32String("ok"),
      responseHash: id("answer"),
      time: request.time + 1,
    };
    const edge = fc.constantFrom<unknown>(
      undefined,
      null,
      0,
      -0,
      -1,
      1.5,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER + 1,
      "",
      "0",
      "01",
      "9".repeat(78),
      "9".repeat(79),
      "0x",
      "0x5",
      "0x" + "f".repeat(64),
      "0x" + "f".repeat(65),
      ZeroHash,
      ZeroHash.toUpperCase().replace("0X", "0x"),
      "delivered",
      "refused",
      [],
      {},
    );
    const change = <K extends string>(keys: readonly K[]) =>
      fc.array(fc.tuple(fc.constantFrom<string>(...keys, "extra"), edge, fc.boolean()), { maxLength: 3 });
    const mutate = (base: object, list: [string, unknown, boolean][]) => {
      const value: Record<string, unknown> = { ...base };
      for (const [key, replacement, remove] of list) {
        if (remove) delete value[key];
        else value[key] = replacement;
      }
      return value;
    };
    const agrees =
      <T>(plain: (v: unknown) => T | undefined, schema: { safeParse(v: unknown): { success: boolean; data?: T } }) =>
      (value: unknown) => {
        const parsed = schema.safeParse(value);
        const fast = plain(value);
        // Whatever the plain reading accepts, the schema accepts with the same fields; it may leave valid oddities to it.
        if (fast !== undefined) expect(parsed).to.deep.equal({ success: true, data: fast });
        return fast !== undefined;
      };
    const requestAgrees = agrees(plainExchangeRequest, ExchangeRequestSchema);
    const responseAgrees = agrees(plainExchangeResponse, ExchangeResponseSchema);
    fc.assert(
      fc.property(change(Object.keys(request)), (list) => void requestAgrees(mutate(request, list))),
      {
        numRuns: 1_000,
      },
    );
    fc.assert(
      fc.property(change(Object.keys(response)), (list) => void responseAgrees(mutate(response, list))),
      {
        numRuns: 1_000,
      },
    );
    expect(requestAgrees({ ...request }) && responseAgrees({ ...response })).to.equal(true);
  });
});
