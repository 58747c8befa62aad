/**
 * A real `npm start` (scripts/start.ts) on free ports in a temporary data directory, as test/e2e/start.test.ts
 * spawns it, plus the small HTTP and JSON-RPC helpers the fault tests need. Every wait is bounded.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {
  credentialsSchema,
  devFiles,
  processesFileSchema,
  readJsonFile,
  type Credentials,
  type DevFiles,
  type ProcessesFile,
} from "../../scripts/lib/dev-files";

export const ROOT = path.resolve(__dirname, "../..");
const TS_NODE = path.join(ROOT, "node_modules/.bin/ts-node");
const START_BOUND_MS = 240_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `probe` until it returns a value (not undefined) or `boundMs` passes. */
export async function waitFor<T>(what: string, boundMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${boundMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

export interface Answer {
  /** 0 when no answer came (connection refused or reset, or the client's timeout). */
  status: number;
  body: unknown;
}

/** One HTTP request to the gateway; never throws: a request without an answer has status 0. */
export async function call(
  baseUrl: string,
  method: "GET" | "POST",
  urlPath: string,
  token: string | null,
  body?: unknown,
  idempotencyKey: string = randomUUID(),
  timeoutMs = 30_000,
): Promise<Answer> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (method === "POST") {
    headers["content-type"] = "application/json";
    headers["idempotency-key"] = idempotencyKey;
  }
  try {
    const response = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers,
      body: method === "POST" ? JSON.stringify(body ?? {}) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body: parsed };
  } catch {
    return { status: 0, body: null };
  }
}

/** `call`, but the status must be `expected`; the body is returned. */
export async function must<T = Record<string, unknown>>(
  expected: number,
  baseUrl: string,
  method: "GET" | "POST",
  urlPath: string,
  token: string | null,
  body?: unknown,
): Promise<T> {
  const answer = await call(baseUrl, method, urlPath, token, body);
  if (answer.status !== expected) {
    throw new Error(`${method} ${urlPath}: expected ${expected}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body as T;
}

export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** A spawned `npm start`, in its own process group, with its output kept for failure messages. */
export class Stack {
  readonly dataDir: string;
  readonly files: DevFiles;
  child: ChildProcess | null = null;
  output = "";
  credentials!: Credentials;

  constructor(private readonly extraEnv: Record<string, string> = {}) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-faults-"));
    this.files = devFiles(this.dataDir);
  }

  async start(): Promise<Credentials> {
    const [rpcPort, gateway, publicSecurity, hrss, health] = await freePorts(5);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUAJIE_DATA_DIR: this.dataDir,
      KUAJIE_RPC_PORT: String(rpcPort),
      KUAJIE_GATEWAY_PORT: String(gateway),
      KUAJIE_BACKEND_PORT_PUBLIC_SECURITY: String(publicSecurity),
      KUAJIE_BACKEND_PORT_HRSS: String(hrss),
      KUAJIE_BACKEND_PORT_HEALTH: String(health),
      ...this.extraEnv,
    };
    const child = spawn(TS_NODE, ["--transpile-only", "scripts/start.ts"], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout!.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    await waitFor("credentials.json", START_BOUND_MS, async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`npm start exited before it was ready:\n${this.output}`);
      }
      return fs.existsSync(this.files.credentials) ? true : undefined;
    });
    this.credentials = readJsonFile(this.files.credentials, credentialsSchema, "credentials file");
    return this.credentials;
  }

  processes(): ProcessesFile {
    return readJsonFile(this.files.processes, processesFileSchema, "processes file");
  }

  token(key: string): string {
    return this.credentials.departments.find((d) => d.key === key)!.token;
  }

  departmentId(key: string): string {
    return this.credentials.departments.find((d) => d.key === key)!.id;
  }

  async healthy(boundMs: number): Promise<void> {
    await waitFor("the gateway's /healthz", boundMs, async () => {
      const answer = await call(this.credentials.gateway, "GET", "/healthz", null, undefined, undefined, 3_000);
      return answer.status === 200 && (answer.body as { status?: string }).status === "ok" ? true : undefined;
    });
  }

  /** Kills the current gateway with SIGKILL and waits for the supervisor's new one to be healthy. */
  async killGateway(boundMs = 90_000): Promise<{ before: number; after: number }> {
    const before = this.processes().gateway;
    if (before === null) throw new Error("no gateway process to kill");
    process.kill(before, "SIGKILL");
    const after = await waitFor("a new gateway process", boundMs, async () => {
      const now = this.processes().gateway;
      return now !== null && now !== before ? now : undefined;
    });
    await this.healthy(boundMs);
    return { before, after };
  }

  /** SIGTERM to npm start, SIGKILL to its whole process group if it does not go; removes the data directory. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      for (const pid of [this.safeProcesses()?.node, this.safeProcesses()?.start]) {
        if (pid) {
          try {
            process.kill(pid, "SIGCONT"); // a test may have left one stopped
          } catch {
            // gone
          }
        }
      }
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(45_000)]);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  private safeProcesses(): ProcessesFile | null {
    try {
      return this.processes();
    } catch {
      return null;
    }
  }
}
