import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../../../../scripts/harness/ports";
import { HARDHAT_NODE_ENV } from "../../../../scripts/lib/hardhat-node-env";

/** A real `hardhat node` process on 127.0.0.1, for tests that need real JSON-RPC, restarts and fresh chains. */
export interface HardhatNode {
  readonly port: number;
  readonly url: string;
  /** The process id of the node now running (it changes with `restart`). */
  readonly pid: number;
  /** Stops the process (its chain is gone). */
  stop(): Promise<void>;
  /** Stops it and starts a new one on the same port: a fresh chain with a new genesis block. */
  restart(): Promise<void>;
}

export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

const REPO_ROOT = path.resolve(__dirname, "../../../..");
const HARDHAT_CLI = require.resolve("hardhat/internal/cli/cli.js");

export { freePort };

export async function startHardhatNode(): Promise<HardhatNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child = await spawnNode(port, url);
  return {
    port,
    url,
    get pid() {
      return child.pid!;
    },
    async stop() {
      await kill(child);
    },
    async restart() {
      await kill(child);
      child = await spawnNode(port, url);
    },
  };
}

async function spawnNode(port: number, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: REPO_ROOT,
    stdio: "ignore",
    env: { ...process.env, ...HARDHAT_NODE_ENV, HARDHAT_NETWORK: undefined },
  });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`hardhat node on port ${port} exited during start-up`);
    }
    if (await answers(url)) {
      return child;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await kill(child);
  throw new Error(`hardhat node on port ${port} did not start within 60 s`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return response.ok;
  } catch {
    return false;
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
