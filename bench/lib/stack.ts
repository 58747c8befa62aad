/**
 * The full stack as `npm start` brings it up, because it is `npm start` (`-- --no-gateway`), spawned by the process
 * harness on free loopback ports in a temporary data directory: the Hardhat node, the contracts deployed with Ignition
 * and the demo consortium founded (data bureau chairing, the other demo departments admitted), the demo provider
 * backends, tokens for every department. The benchmark then arranges bulk chain state if it needs to (before the
 * gateway boots, so that the gateway indexes it at start), starts the gateway itself (`server/src/main.ts` with the
 * configuration file `npm start` wrote, as `npm run gateway` runs it, with the benchmark's node options such as
 * --cpu-prof), and the baseline: the bare express proxy to the same backends.
 */
import { JsonRpcProvider } from "ethers";
import { jsonRpc, StackSite } from "../../scripts/harness";
import { backendsFileSchema, readJsonFile } from "../../scripts/lib/dev-files";
import { readDeployment } from "../../server/src/chain/deployment";
import { BulkSender, attachSystem, benchProvider, type System } from "./chain";
import type { BenchContext } from "./context";
import { HOST, adopt, freePort, startTs, waitFor, type Proc } from "./procs";

/** The chain of a stack: its JSON-RPC URL and a provider tuned for bulk setup. */
interface StackChain {
  rpc: string;
  provider: JsonRpcProvider;
}

export interface StackOptions {
  name: string;
  /** Bulk chain state arranged before the gateway starts (so that it indexes it at boot). */
  prepare?: (chain: StackChain, system: System, bulk: BulkSender) => Promise<void>;
  /** Extra node options for the gateway process (e.g. --cpu-prof). */
  gatewayNodeArgs?: string[];
  /** Gateway variables, written by `npm start` into the gateway's configuration file. */
  gatewayEnv?: Record<string, string>;
}

export interface Stack {
  node: StackChain;
  system: System;
  gateway: string;
  gatewayProc: Proc;
  bare: string;
  backends: Record<"public-security" | "hrss" | "health", string>;
  /** An operator token per demo department (the council's for the data bureau, which holds the seat). */
  tokens: Record<string, string>;
  auditorToken: string;
  dataDir: string;
  deploymentFile: string;
  stop(): Promise<void>;
}

export async function startStack(ctx: BenchContext, options: StackOptions): Promise<Stack> {
  const site = await StackSite.create(
    { KUAJIE_LOG_LEVEL: "warn", ...options.gatewayEnv },
    `kuajie-bench-${options.name}-`,
  );
  const start = site.launch(["--no-gateway"]);
  const procs: Proc[] = [
    adopt(`${options.name}-npm-start`, start.child, site.files.nodeLog, async () => {
      await start.stop().catch(() => undefined);
      start.killGroup();
      site.remove();
    }),
  ];
  try {
    const credentials = await start.ready();
    const node: StackChain = { rpc: credentials.rpc, provider: benchProvider(credentials.rpc) };
    // The node's console trace of every call (decoding each transaction for display) costs CPU the measured
    // processes would share: the figures are taken with it off.
    await jsonRpc(node.rpc, "hardhat_setLoggingEnabled", [false]);
    const deployment = readDeployment(site.files.deployment);
    const system = attachSystem(deployment, node.provider);
    if (options.prepare) {
      const bulk = new BulkSender(node.provider);
      await bulk.begin();
      await options.prepare(node, system, bulk);
      await bulk.end();
    }
    const backends = readJsonFile(site.files.backends, backendsFileSchema, "backends file").urls;
    const gatewayProc = startTs(`${options.name}-gateway`, "server/src/main.ts", {
      logDir: ctx.logDir,
      nodeArgs: options.gatewayNodeArgs,
      env: { NODE_ENV: "development", KUAJIE_CONFIG_FILE: site.files.gatewayConfig },
    });
    procs.push(gatewayProc);
    const barePort = await freePort();
    const bareProc = startTs(`${options.name}-bare`, "bench/lib/bare-proxy-main.ts", {
      logDir: ctx.logDir,
      args: [backends["public-security"], String(barePort)],
    });
    procs.push(bareProc);
    const gateway = credentials.gateway;
    const bare = `http://${HOST}:${barePort}`;
    await waitFor("gateway", async () => (await fetch(`${gateway}/healthz`)).ok, 120_000, gatewayProc);
    await waitFor(
      "bare proxy",
      async () => (await fetch(`${bare}/fetch`, { method: "POST" })).status > 0,
      60_000,
      bareProc,
    );
    return {
      node,
      system,
      gateway,
      gatewayProc,
      bare,
      backends,
      tokens: Object.fromEntries(credentials.departments.map((d) => [d.key, d.token])),
      auditorToken: credentials.auditor.token,
      dataDir: site.dataDir,
      deploymentFile: site.files.deployment,
      stop: async () => {
        node.provider.destroy();
        for (const proc of procs.reverse()) await proc.stop();
      },
    };
  } catch (error) {
    for (const proc of procs.reverse()) await proc.stop(3_000);
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nnpm start said:\n${start.output}`, {
      cause: error,
    });
  }
}

/** A small JSON client of the gateway API that throws with the problem's detail on any unexpected status. */
export class Api {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  async request<T>(
    method: string,
    pathname: string,
    body?: unknown,
    expect: number[] = [200, 201],
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.base}${pathname}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    if (!expect.includes(response.status)) {
      throw new Error(`${method} ${pathname} -> ${response.status}: ${text.slice(0, 500)}`);
    }
    return { status: response.status, body: parsed as T };
  }

  post<T>(pathname: string, body: unknown, expect?: number[]) {
    return this.request<T>("POST", pathname, body, expect).then((r) => r.body);
  }

  get<T>(pathname: string) {
    return this.request<T>("GET", pathname).then((r) => r.body);
  }
}

/** The routes the running gateway declares (from its generated /openapi.json), as "METHOD /path". */
export async function declaredRoutes(gateway: string): Promise<Set<string>> {
  const response = await fetch(`${gateway}/openapi.json`);
  const doc = (await response.json()) as { paths?: Record<string, Record<string, unknown>> };
  const routes = new Set<string>();
  for (const [p, methods] of Object.entries(doc.paths ?? {}))
    for (const m of Object.keys(methods)) routes.add(`${m.toUpperCase()} ${p}`);
  return routes;
}

/** Throws Skipped-style errors naming the first route that the gateway does not declare. */
export function missingRoutes(routes: Set<string>, needed: readonly string[]): string[] {
  return needed.filter((r) => !routes.has(r));
}
