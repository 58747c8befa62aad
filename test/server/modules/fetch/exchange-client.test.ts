import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { ZeroHash } from "ethers";
import { callProvider } from "../../../../server/src/modules/fetch/exchange-client";
import { providerDetail } from "../../../../server/src/modules/fetch/answer";

const TIMEOUT_MS = 300;

const call = {
  request: {
    requestId: ZeroHash,
    consumer: ZeroHash,
    grantId: "1",
    purpose: ZeroHash,
    subjectRef: ZeroHash,
    fieldMask: "0x1",
    paramsHash: ZeroHash,
    time: 0,
  },
  signature: `0x${"11".repeat(65)}`,
};

describe("Fetch: the consumer's exchange client (callProvider)", function () {
  let server: http.Server;
  let endpoint: string;
  /** How the provider answers the next call. */
  let answer: (res: http.ServerResponse) => void;

  before(async function () {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => answer(res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("gives up on a provider that sent its status line, headers and part of the body, then stalled", async function () {
    const body = JSON.stringify({ data: [{ name: "x" }], response: {}, signature: "0x" });
    let rest: () => void = () => undefined;
    answer = (res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.write(body.slice(0, 10));
      rest = () => res.end(body.slice(10));
    };
    const transport = await callProvider(endpoint, call, TIMEOUT_MS);
    expect(transport.kind).to.equal("timeout");
    expect(transport).to.not.have.property("body");
    rest(); // the late rest goes to a connection the client has closed
  });

  it("gives up on a provider that sent only its headers", async function () {
    answer = (res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 100 });
      res.flushHeaders();
    };
    expect((await callProvider(endpoint, call, TIMEOUT_MS)).kind).to.equal("timeout");
  });

  it("reads a whole answer in time", async function () {
    answer = (res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: 1 }));
    expect(await callProvider(endpoint, call, TIMEOUT_MS)).to.deep.equal({
      kind: "answered",
      status: 200,
      body: { ok: 1 },
    });
  });
});

describe("Fetch: the provider's unsigned detail passed to the caller (providerDetail)", function () {
  it("keeps the provider's explanation, printable and bounded, and nothing else", function () {
    const skew = "the request's time is 90 s ahead of this gateway's clock (skew -90 s; tolerance ±60 s)";
    expect(providerDetail({ detail: skew })).to.equal(skew);
    expect(providerDetail({ detail: "a\u0000b\nc\u001b[31m" })).to.equal("a b c [31m");
    expect(providerDetail({ detail: "x".repeat(1_000) })).to.have.length(301);
    expect(providerDetail({ detail: 5 })).to.equal(null);
    expect(providerDetail({ detail: " \n " })).to.equal(null);
    expect(providerDetail(null)).to.equal(null);
  });
});
