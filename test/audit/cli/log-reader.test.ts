/**
 * The auditor's `eth_getLogs` over its own HTTP request (scripts/audit/log-reader.ts): an answer of many chunks read
 * whole, quantities decoded, removed logs left out, and a node's refusal an error that names it (EventSource then
 * asks for fewer blocks).
 */
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { rpcLogReader } from "../../../scripts/audit/log-reader";

const ADDRESS = `0x${"c0".repeat(20)}`;
const word = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

/** A node answering every request with `answer(request body)`, as JSON with the given HTTP status. */
async function node(answer: (body: { params: unknown[] }) => { status?: number; json: unknown }) {
  const asked: unknown[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { params: unknown[] };
      asked.push(body);
      const { status, json } = answer(body);
      res.writeHead(status ?? 200, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, asked, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("audit: eth_getLogs read over the node's URL", function () {
  it("reads an answer of many megabytes whole, decodes quantities and leaves out removed logs", async function () {
    // 20,000 logs (about 8 MB of JSON, hundreds of chunks), every 1,000th marked removed (a reorganised block's).
    const logs = Array.from({ length: 20_000 }, (_, i) => ({
      address: ADDRESS,
      topics: [word(1), word(i)],
      data: `0x${"ab".repeat(96)}`,
      blockNumber: `0x${(100 + Math.floor(i / 500)).toString(16)}`,
      logIndex: `0x${(i % 500).toString(16)}`,
      transactionHash: word(i + 7),
      removed: i % 1_000 === 999,
    }));
    const rpc = await node(() => ({ json: { jsonrpc: "2.0", id: 1, result: logs } }));
    try {
      const read = await rpcLogReader(rpc.url)({ address: ADDRESS, topics: [word(1)], fromBlock: 100, toBlock: 139 });
      expect(rpc.asked).to.deep.equal([
        {
          jsonrpc: "2.0",
          id: 1,
          method: "eth_getLogs",
          params: [{ address: ADDRESS, topics: [word(1)], fromBlock: "0x64", toBlock: "0x8b" }],
        },
      ]);
      expect(read).to.have.length(20_000 - 20);
      expect(read[0]).to.deep.equal({
        address: ADDRESS,
        topics: [word(1), word(0)],
        data: `0x${"ab".repeat(96)}`,
        blockNumber: 100,
        index: 0,
        transactionHash: word(7),
      });
      expect(read.at(-1)).to.deep.include({ blockNumber: 139, index: 498, topics: [word(1), word(19_998)] });
      expect(read.some((log) => log.topics[1] === word(999))).to.equal(false);
    } finally {
      await rpc.close();
    }
  });

  it("fails with the node's words on a JSON-RPC error, an HTTP error or an answer that is not JSON", async function () {
    const refusing = await node(() => ({
      json: { jsonrpc: "2.0", id: 1, error: { code: -32005, message: "query returned more than 10000 results" } },
    }));
    const failing = await node(() => ({ status: 503, json: { message: "busy" } }));
    const garbled = http.createServer((_req, res) => res.end("<html>proxy error</html>"));
    await new Promise<void>((resolve) => garbled.listen(0, "127.0.0.1", resolve));
    const filter = { address: ADDRESS, topics: [], fromBlock: 0, toBlock: 10 };
    const errorOf = (url: string) =>
      rpcLogReader(url)(filter).then(
        () => "no error",
        (error: unknown) => String(error),
      );
    try {
      expect(await errorOf(refusing.url))
        .to.include("query returned more than 10000 results")
        .and.include("-32005");
      expect(await errorOf(failing.url)).to.include("HTTP 503");
      expect(await errorOf(`http://127.0.0.1:${(garbled.address() as AddressInfo).port}`)).to.include(
        "not JSON (<html>proxy error</html>",
      );
    } finally {
      await refusing.close();
      await failing.close();
      await new Promise<void>((resolve) => garbled.close(() => resolve()));
    }
  });
});
