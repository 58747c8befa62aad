/**
 * Idle keep-alive connections of the gateway's server (server/src/main.ts): kept for a minute, not Node's 5 s, so that
 * a client that holds more connections than requests in flight does not lose a request to the server closing one.
 */
import net from "node:net";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import express from "express";
import { createGatewayServer, KEEP_ALIVE_TIMEOUT_MS } from "../../server/src/main";

/** Sends one request on `socket` and resolves with the response's head once its (small) body has arrived. */
function exchange(socket: net.Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    const onData = (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(received);
      if (end >= 0 && length && received.length >= end + 4 + Number(length[1])) {
        socket.off("data", onData);
        socket.off("close", onClose);
        resolve(received.slice(0, end));
      }
    };
    const onClose = () => reject(new Error(`the server closed the connection before answering ${path}`));
    socket.on("data", onData);
    socket.once("close", onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe("Gateway server keep-alive", function () {
  this.timeout(20_000);

  it("keeps an idle connection open past Node's 5 s default and tells the client how long it may reuse it", async function () {
    const app = express();
    app.get("/ping", (_req, res) => res.json({ ok: true }));
    const server = createGatewayServer(app, null);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const socket = net.connect((server.address() as AddressInfo).port, "127.0.0.1");
    try {
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      const first = await exchange(socket, "/ping");
      expect(first).to.match(/^HTTP\/1\.1 200/);
      expect(first).to.match(new RegExp(`keep-alive: timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`, "i"));

      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const second = await exchange(socket, "/ping");
      expect(second).to.match(/^HTTP\/1\.1 200/);
    } finally {
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
