import http from "node:http";
import fs from "node:fs";
import net from "node:net";
import { spawn } from "node:child_process";
import { expect } from "chai";
import {
  HOST,
  JsonRpcError,
  freePorts,
  isAlive,
  jsonRpc,
  portIsFree,
  signalGroup,
  waitFor,
} from "../../scripts/harness";

/** A loopback JSON-RPC server that answers every call with `answer(method)`. */
async function rpcServer(answer: (method: string) => object): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id, ...answer(method) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://${HOST}:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("the process harness (scripts/harness)", function () {
  it("hands out distinct free loopback ports, and tells a port in use from a free one", async function () {
    const ports = await freePorts(5);
    expect(new Set(ports).size).to.equal(5);
    // Below the kernel's ephemeral range: no outgoing connection can hold a port a restarted server binds again.
    const [low] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    for (const port of ports) expect(port).to.be.below(low).and.above(1023);
    // Never the same port twice in one process.
    const more = await freePorts(5);
    expect(more.filter((p) => ports.includes(p))).to.deep.equal([]);
    for (const port of ports) expect(await portIsFree(port)).to.equal(true);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], HOST, resolve));
    try {
      expect(await portIsFree(ports[0])).to.equal(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("waits until the probe gives a value, treating a throw, undefined or false as not yet", async function () {
    let calls = 0;
    const value = await waitFor(
      "the fourth call",
      5_000,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error("connection refused");
        if (calls === 2) return undefined;
        if (calls === 3) return false;
        return "ready";
      },
      { intervalMs: 1 },
    );
    expect([value, calls]).to.deep.equal(["ready", 4]);
  });

  it("gives up after its bound, naming what it waited for and the probe's last error", async function () {
    const error = await waitFor(
      "the impossible",
      50,
      async () => {
        throw new Error("still refused");
      },
      { intervalMs: 5 },
    ).then(
      () => null,
      (err: Error) => err,
    );
    expect(error?.message).to.equal("timed out after 0.05 s waiting for the impossible (last: still refused)");
  });

  it("stops waiting at once when the check throws (the awaited process exited)", async function () {
    let probes = 0;
    const error = await waitFor(
      "a dead process",
      60_000,
      async () => {
        probes += 1;
        return undefined;
      },
      {
        intervalMs: 1,
        check: () => {
          if (probes === 2) throw new Error("exited with 1");
        },
      },
    ).then(
      () => null,
      (err: Error) => err,
    );
    expect([error?.message, probes]).to.deep.equal(["exited with 1", 2]);
  });

  it("calls JSON-RPC and throws the node's error message with the method", async function () {
    const node = await rpcServer((method) =>
      method === "eth_chainId" ? { result: "0x7a69" } : { error: { code: -32601, message: "no such method" } },
    );
    try {
      expect(await jsonRpc(node.url, "eth_chainId")).to.equal("0x7a69");
      const error = await jsonRpc(node.url, "evm_nothing").then(
        () => null,
        (err: Error) => err,
      );
      expect(error).to.be.instanceOf(JsonRpcError);
      expect(error?.message).to.equal("evm_nothing: no such method");
    } finally {
      await node.close();
    }
  });

  it("signals a whole process group, and sees the process gone", async function () {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    expect(isAlive(child.pid!)).to.equal(true);
    signalGroup(child, "SIGKILL");
    await exited;
    expect(isAlive(child.pid!)).to.equal(false);
  });
});
