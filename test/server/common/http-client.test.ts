import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { expect } from "chai";
import { postJson } from "../../../server/src/common/http-client";
import { freePort } from "../../../scripts/harness";

const TIMEOUT_MS = 300;
const options = { timeoutMs: TIMEOUT_MS, maxBytes: 1024 };

interface Seen {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  socket: Socket;
}

describe("The hops' HTTP client (postJson)", function () {
  let server: http.Server;
  let url: string;
  /** How the server answers the next request. */
  let answer: (res: http.ServerResponse, seen: Seen) => void;
  let seen: Seen[];
  let connections: number;

  before(async function () {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const request = {
          method: req.method ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          socket: req.socket,
        };
        seen.push(request);
        answer(res, request);
      });
    });
    server.on("connection", () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/query`;
  });

  beforeEach(function () {
    seen = [];
    connections = 0;
    // Each test starts on fresh connections: none kept from the one before.
    server.closeAllConnections();
  });

  after(async function () {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const json = (status: number, body: unknown) => (res: http.ServerResponse) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

  it("posts the JSON body with its headers and reads the whole answer", async function () {
    answer = json(200, { data: { name: "x" } });
    const outcome = await postJson(url, JSON.stringify({ q: "汉字" }), { ...options, headers: { "x-token": "t" } });
    expect(outcome).to.deep.equal({ kind: "answered", status: 200, text: JSON.stringify({ data: { name: "x" } }) });
    expect(seen).to.have.length(1);
    expect(seen[0].method).to.equal("POST");
    expect(seen[0].body).to.equal(JSON.stringify({ q: "汉字" }));
    expect(seen[0].headers["content-type"]).to.equal("application/json");
    expect(seen[0].headers["content-length"]).to.equal(String(Buffer.byteLength(JSON.stringify({ q: "汉字" }))));
    expect(seen[0].headers["x-token"]).to.equal("t");
  });

  it("keeps the connection for the next request", async function () {
    answer = json(200, { ok: 1 });
    await postJson(url, "{}", options);
    await postJson(url, "{}", options);
    expect(seen).to.have.length(2);
    expect(seen[1].socket).to.equal(seen[0].socket);
    expect(connections).to.equal(1);
  });

  it("answers a redirect as its status, without following it", async function () {
    answer = (res) => res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" }).end();
    expect(await postJson(url, "{}", options)).to.deep.equal({ kind: "answered", status: 302, text: "" });
    expect(seen).to.have.length(1);
  });

  it("does not read a body declared larger than the cap", async function () {
    answer = (res) => res.writeHead(200, { "content-length": 2048 }).end("x".repeat(2048));
    expect(await postJson(url, "{}", options)).to.deep.equal({ kind: "answered", status: 200, text: null });
  });

  it("stops reading an undeclared body once it passes the cap", async function () {
    answer = (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("x".repeat(1000));
      res.write("x".repeat(1000));
      res.end();
    };
    expect(await postJson(url, "{}", options)).to.deep.equal({ kind: "answered", status: 200, text: null });
  });

  it("reads a body of exactly the cap", async function () {
    answer = (res) => res.writeHead(200).end("y".repeat(1024));
    expect(await postJson(url, "{}", options)).to.deep.equal({ kind: "answered", status: 200, text: "y".repeat(1024) });
  });

  it("gives up on a server that sent only its headers", async function () {
    answer = (res) => {
      res.writeHead(200, { "content-length": 100 });
      res.flushHeaders();
    };
    const started = Date.now();
    expect(await postJson(url, "{}", options)).to.deep.equal({ kind: "timeout" });
    expect(Date.now() - started).to.be.lessThan(TIMEOUT_MS + 1_000);
  });

  it("gives up on a server that stalls in the middle of the body", async function () {
    answer = (res) => {
      res.writeHead(200, { "content-length": 100 });
      res.write("x".repeat(10));
    };
    expect(await postJson(url, "{}", options)).to.deep.equal({ kind: "timeout" });
  });

  it("fails closed when the connection is cut in the middle of the body", async function () {
    answer = (res, request) => {
      res.writeHead(200, { "content-length": 100 });
      res.write("x".repeat(10), () => request.socket.destroy());
    };
    expect(await postJson(url, "{}", options)).to.deep.equal({ kind: "unreachable" });
  });

  it("sends once more on a fresh connection when the server closed the kept one as the request came", async function () {
    answer = json(200, { n: 1 });
    await postJson(url, "{}", options);
    const kept = seen[0].socket;
    answer = (res, request) => {
      if (request.socket === kept) request.socket.destroy();
      else json(200, { n: 2 })(res);
    };
    expect(await postJson(url, "{}", options)).to.deep.equal({ kind: "answered", status: 200, text: '{"n":2}' });
    expect(seen).to.have.length(3);
    expect(connections).to.equal(2);
  });

  it("does not send again when a fresh connection is cut before the answer", async function () {
    answer = (_res, request) => request.socket.destroy();
    expect(await postJson(url, "{}", options)).to.deep.equal({ kind: "unreachable" });
    expect(seen).to.have.length(1);
  });

  it("fails closed on a port where nothing listens, and on an address it cannot use", async function () {
    const closed = `http://127.0.0.1:${await freePort()}/query`;
    expect(await postJson(closed, "{}", options)).to.deep.equal({ kind: "unreachable" });
    expect(await postJson("not a url", "{}", options)).to.deep.equal({ kind: "unreachable" });
    expect(await postJson("file:///etc/passwd", "{}", options)).to.deep.equal({ kind: "unreachable" });
  });
});
