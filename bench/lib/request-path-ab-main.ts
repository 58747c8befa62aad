/**
 * `npx ts-node --transpile-only bench/lib/request-path-ab-main.ts <before-tree> <after-tree> [blocks]`: the gateway
 * app's CPU per request, one source tree against another (e.g. a `git archive` of the branch point against the
 * worktree), each in a process of its own (request-path-app-main.ts) on the same machine at the same time. The client
 * sends blocks of requests to one and then the other, alternating which goes first, and reads each server's CPU
 * (/proc) over its blocks: on a shared machine the CPU a request takes moves with the load by more than a change of a
 * few microseconds, and pairs of blocks a second apart see the same load. Prints the median CPU a request of each
 * tree, the median of the paired differences and how many pairs the second tree won, by route.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { cpuSeconds } from "./cpu-time";
import { round } from "./context";

const PER_BLOCK = 4000;
const CONNECTIONS = 16;
const ROUTES = ["GET /v1/me", "POST /v1/widgets", "GET /v1/bench/consent"] as const;
type Route = (typeof ROUTES)[number];
const WIDGET = JSON.stringify({
  name: "w",
  fields: [
    { name: "a", type: "string" },
    { name: "b_c", type: "number" },
  ],
});

interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  bearer: string;
}

function startServer(name: string, root: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(__dirname, "request-path-app-main.ts"), root],
    { stdio: ["ignore", "pipe", "inherit"], cwd: path.join(__dirname, "../..") },
  );
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code}`)));
    child.stdout!.once("data", (chunk: Buffer) => {
      const [port, token] = chunk.toString("utf8").trim().split(" ");
      resolve({ name, child, port: Number(port), bearer: `Bearer ${token}` });
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

function send(server: Server, route: Route): Promise<number> {
  const post = route.startsWith("POST");
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: server.port,
        path: route.split(" ")[1],
        method: post ? "POST" : "GET",
        agent,
        headers: post
          ? { authorization: server.bearer, "content-type": "application/json", "content-length": WIDGET.length }
          : { authorization: server.bearer },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(post ? WIDGET : undefined);
  });
}

/** CPU µs the server spent a request over one block. */
async function block(server: Server, route: Route): Promise<number> {
  let sent = 0;
  const expected = route.startsWith("POST") ? 201 : 200;
  const worker = async () => {
    while (sent < PER_BLOCK) {
      sent += 1;
      const status = await send(server, route);
      if (status !== expected) throw new Error(`${server.name} ${route}: ${status}`);
    }
  };
  const from = cpuSeconds(server.child.pid)!;
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return ((cpuSeconds(server.child.pid)! - from) * 1e6) / PER_BLOCK;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const [beforeRoot, afterRoot, blocksArg] = process.argv.slice(2);
  if (!beforeRoot || !afterRoot) throw new Error("usage: request-path-ab-main.ts <before-tree> <after-tree> [blocks]");
  const blocks = Number(blocksArg ?? 12);
  const servers = [await startServer("before", beforeRoot), await startServer("after", afterRoot)];
  try {
    for (const server of servers) for (const route of ROUTES) await block(server, route);
    const figures = new Map<string, number[]>();
    for (let b = 0; b < blocks; b += 1) {
      for (const route of ROUTES) {
        for (const server of b % 2 === 0 ? servers : [...servers].reverse()) {
          const key = `${server.name} ${route}`;
          figures.set(key, [...(figures.get(key) ?? []), await block(server, route)]);
        }
      }
    }
    for (const route of ROUTES) {
      const before = figures.get(`before ${route}`)!;
      const after = figures.get(`after ${route}`)!;
      const differences = before.map((value, i) => value - after[i]);
      process.stdout.write(
        `${route}: before ${round(median(before), 0)} µs, after ${round(median(after), 0)} µs of the server's CPU a ` +
          `request; paired difference median ${round(median(differences), 1)} µs, after lower in ` +
          `${differences.filter((d) => d > 0).length} of ${differences.length}; load ${round(os.loadavg()[0], 2)}\n`,
      );
    }
  } finally {
    for (const server of servers) server.child.kill("SIGTERM");
    agent.destroy();
  }
}

void main().then(
  () => undefined,
  (error: unknown) => {
    process.exitCode = 1;
    process.stderr.write(`request-path-ab-main: ${error instanceof Error ? error.stack : String(error)}\n`);
  },
);
