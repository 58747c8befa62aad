import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { FetchRequest } from "ethers";
import { nodeGetUrl } from "../../../server/src/chain/node-get-url";
import { createProvider } from "../../../server/src/chain/provider";

/** A JSON-RPC node stand-in on a port from the OS; `answer` writes the response to each request. */
async function fakeNode(answer: (id: number, res: http.ServerResponse) => void) {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => answer((JSON.parse(body) as { id: number }).id, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("nodeGetUrl (the gateway's JSON-RPC transport)", function () {
  // A receipt-sized answer: 1 MB of hex, written in 200 chunks the client must join in order.
  const big = "0x" + Array.from({ length: 200 }, (_, i) => (i % 16).toString(16).repeat(5_000)).join("");

  it("joins an answer that arrives in many chunks, byte for byte", async function () {
    const node = await fakeNode((id, res) => {
      const text = JSON.stringify({ jsonrpc: "2.0", id, result: big });
      res.writeHead(200, { "content-type": "application/json" });
      for (let at = 0; at < text.length; at += 5_000) res.write(text.slice(at, at + 5_000));
      res.end();
    });
    try {
      const provider = await createProvider(node.url, { chainId: 31337 });
      expect(await provider.send("eth_getTransactionReceipt", ["0x" + "00".repeat(32)])).to.equal(big);
      provider.destroy();
    } finally {
      await node.close();
    }
  });

  it("decodes a gzip answer", async function () {
    const node = await fakeNode((id, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(JSON.stringify({ jsonrpc: "2.0", id, result: "0x2a" })));
    });
    try {
      const request = new FetchRequest(node.url);
      request.getUrlFunc = nodeGetUrl;
      request.body = { jsonrpc: "2.0", id: 7, method: "eth_chainId", params: [] };
      const response = await request.send();
      expect(response.bodyJson).to.deep.equal({ jsonrpc: "2.0", id: 7, result: "0x2a" });
    } finally {
      await node.close();
    }
  });

  it("gives up on a node that does not answer within the request's timeout", async function () {
    const node = await fakeNode(() => undefined);
    try {
      const request = new FetchRequest(node.url);
      request.timeout = 200;
      request.body = { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] };
      const error = await nodeGetUrl(request).then(
        () => null,
        (e: unknown) => e as { code?: string },
      );
      expect(error?.code).to.equal("TIMEOUT");
    } finally {
      await node.close();
    }
  });
});
