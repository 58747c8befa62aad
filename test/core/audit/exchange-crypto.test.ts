/** ExchangeCrypto (core/audit/exchange/envelope.ts): each digest and signer computed once, never a forged copy's. */
import { expect } from "chai";
import { encodeBytes32String, id } from "ethers";
import { ExchangeCrypto } from "../../../core/audit/exchange/envelope";
import { digestSigner } from "../../../core/crypto/ecdsa";
import {
  exchangeDomain,
  recoverSigner,
  requestDigest,
  responseDigest,
  type ExchangeRequest,
  type ExchangeResponse,
} from "../../../core/exchange";

const domain = exchangeDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const request: ExchangeRequest = {
  requestId: id("exchange crypto request"),
  consumer: id("consumer department"),
  grantId: "7",
  purpose: id("purpose"),
  subjectRef: id("subject"),
  fieldMask: "0x3",
  paramsHash: id("params"),
  time: 1_700_000_000,
};
const response: ExchangeResponse = {
  requestId: request.requestId,
  requestDigest: requestDigest(domain, request),
  provider: id("provider department"),
  result: "delivered",
  reason: encodeBytes32String("ok"),
  responseHash: id("response"),
  time: 1_700_000_001,
};

describe("core/audit/exchange: ExchangeCrypto", function () {
  it("gives each message's own digest: a copy with one field changed under the same requestId is computed anew", function () {
    const crypto = new ExchangeCrypto(domain);
    const forgedRequests: ExchangeRequest[] = [
      { ...request, grantId: "8" },
      { ...request, time: request.time + 1 },
      { ...request, subjectRef: id("another subject") },
    ];
    const forgedResponses: ExchangeResponse[] = [
      { ...response, result: "denied" },
      { ...response, responseHash: id("another response") },
    ];
    // Genuine, forged, genuine again (in another key order), each time as computed from scratch.
    for (const r of [request, ...forgedRequests, { ...request }, Object.fromEntries(Object.entries(request).reverse())])
      expect(crypto.requestDigest(r as ExchangeRequest)).to.equal(requestDigest(domain, r as ExchangeRequest));
    for (const r of [response, ...forgedResponses, { ...response }])
      expect(crypto.responseDigest(r)).to.equal(responseDigest(domain, r));
    for (const forged of forgedRequests)
      expect(requestDigest(domain, forged)).to.not.equal(requestDigest(domain, request));
  });

  it("hands back the message first read for a copy with the same fields, and a changed copy as itself", function () {
    const crypto = new ExchangeCrypto(domain);
    const first = crypto.request(request);
    expect(first).to.deep.equal({ message: request, digest: requestDigest(domain, request) });
    expect(first.message).to.equal(request);
    const copy = crypto.request({ ...request });
    expect(copy.message, "the other side's copy: the message first read").to.equal(request);
    expect(copy.digest).to.equal(first.digest);
    const changed = { ...request, fieldMask: "0x7" };
    const forged = crypto.request(changed);
    expect(forged.message, "a copy with a field changed is its own message").to.equal(changed);
    expect(forged.digest).to.equal(requestDigest(domain, changed)).and.to.not.equal(first.digest);
    const answer = crypto.response({ ...response });
    expect(answer.digest).to.equal(responseDigest(domain, response));
    expect(crypto.response(response).message).to.equal(answer.message);
    const denied = { ...response, result: "denied" as const };
    expect(crypto.response(denied)).to.deep.equal({ message: denied, digest: responseDigest(domain, denied) });
  });

  it("remembers a signer by digest and signature, and what it is told, as recoverSigner answers", function () {
    const crypto = new ExchangeCrypto(domain);
    const key = digestSigner(id("exchange crypto key"));
    const digest = requestDigest(domain, request);
    const signature = key.sign(digest);
    expect(crypto.signer(digest, signature)).to.equal(key.address).and.to.equal(recoverSigner(digest, signature));
    expect(crypto.signer(response.requestDigest, "0x00")).to.equal(null);
    const otherDigest = responseDigest(domain, response);
    expect(crypto.signer(otherDigest, signature)).to.equal(recoverSigner(otherDigest, signature));
    crypto.knowSigner(otherDigest, key.sign(otherDigest), key.address);
    expect(crypto.signer(otherDigest, key.sign(otherDigest))).to.equal(key.address);
  });

  it("keeps one signature's signers over several digests apart, however they were learnt", function () {
    const crypto = new ExchangeCrypto(domain);
    const key = digestSigner(id("exchange crypto key"));
    const digests = [0, 1, 2].map((i) => id(`digest ${i}`));
    const signature = key.sign(digests[0]);
    const expected = digests.map((d) => recoverSigner(d, signature));
    expect(expected[0]).to.equal(key.address);
    expect(new Set(expected).size, "three digests, three different recovered accounts").to.equal(3);
    // Learnt in every order: recovered here, told, recovered again after being told.
    crypto.knowSigner(digests[1], signature, expected[1]);
    expect(crypto.signer(digests[0], signature)).to.equal(expected[0]);
    expect(crypto.signer(digests[2], signature)).to.equal(expected[2]);
    expect(crypto.signer(digests[1], signature)).to.equal(expected[1]);
    expect(crypto.signer(digests[0], signature)).to.equal(expected[0]);
    crypto.knowSigner(digests[0], signature, null);
    expect(crypto.signer(digests[0], signature)).to.equal(null);
    expect(crypto.signer(digests[2], signature)).to.equal(expected[2]);
  });
});
