/**
 * The full stack as `npm start` brings it up, because it is `npm start` (`-- --no-gateway`), spawned by the process
 * harness on free loopback ports in a temporary data directory: the Hardhat node, the contracts deployed with Ignition
 * and the demo consortium founded (data bureau chairing, the other demo departments admitted, endpoints published),
 * the demo provider backends, tokens for every department. The benchmark then arranges bulk chain state if it needs
 * to (before the gateways boot, so that they index it at start), starts one gateway per department itself (the
 * compiled `server/src/main.ts` with the configuration file `npm start` wrote for it, as `npm run gateway` runs it,
 * the consumer's and the provider's with the benchmark's node options such as --cpu-prof), and the baseline: two chained bare express
 * proxies (consumer side → provider side → the same backend), the same two hops as consumer's gateway → provider's
 * gateway with nothing on them.
 */
import fs from "node:fs";
import { JsonRpcProvider } from "ethers";
import { jsonRpc, StackSite, waitForIndexed } from "../../scripts/harness";
import { PROVIDER_DEPARTMENTS } from "../../backends/datasets";
import { backendsFileSchema, readJsonFile } from "../../scripts/lib/dev-files";
import { compiledGateway } from "../../scripts/start/gateway-build";
import { readDeployment } from "../../server/src/chain/deployment";
import { BulkSender, attachSystem, benchProvider, type System } from "./chain";
import type { BenchContext } from "./context";
import { HOST, adopt, freePorts, start as startProc, startTs, waitFor, type Proc } from "./procs";

/** The department whose gateway is loaded: the consumer of every measured fetch. */
export const CONSUMER = "gz-civil-affairs";
/** The provider of the measured fetch: the second hop. */
export const PROVIDER = "public-security";

/** The chain of a stack: its JSON-RPC URL and a provider tuned for bulk setup. */
interface StackChain {
  rpc: string;
  provider: JsonRpcProvider;
}

export interface StackOptions {
  name: string;
  /** Bulk chain state arranged before the gateway starts (so that it indexes it at boot). */
  prepare?: (chain: StackChain, system: System, bulk: BulkSender) => Promise<void>;
  /** Extra node options for the two measured gateways' processes, by department key (e.g. --cpu-prof). */
  gatewayNodeArgs?: (key: typeof CONSUMER | typeof PROVIDER) => string[];
  /** Gateway variables, written by `npm start` into every gateway's configuration file. */
  gatewayEnv?: Record<string, string>;
}

export interface Stack {
  node: StackChain;
  system: System;
  /** The consumer's gateway (civil affairs'): where the measured fetches go. */
  gateway: string;
  gatewayProc: Proc;
  /** Every department's own gateway, by department key. */
  gateways: Record<string, string>;
  /** The consumer-side bare proxy, chained to the provider-side one. */
  bare: string;
  /** The two bare proxies' processes (for their CPU time). */
  bareProcs: { consumer: Proc; provider: Proc };
  backends: Record<"public-security" | "hrss" | "health", string>;
  /** An operator token per demo department (the council's for the data bureau, which holds the seat). */
  tokens: Record<string, string>;
  auditorToken: string;
  dataDir: string;
  deploymentFile: string;
  /** Until a department's gateway has indexed the latest block (what another department just did). */
  indexed(key: string): Promise<void>;
  /** The gateway process of a department now (a restart replaces it). */
  gatewayProcOf(key: string): Proc;
  /** Stops a department's gateway (SIGTERM, as an operator would). */
  stopGateway(key: string): Promise<void>;
  /**
   * Starts a department's gateway again, on its own configuration and database (with `env` over it, e.g. another
   * KUAJIE_RPC_URL); resolves once it is spawned.
   */
  restartGateway(key: string, env?: Record<string, string>): Proc;
  /** A department's gateway database file. */
  databaseOf(key: string): string;
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
    const gatewayRun = compiledGateway();
    const providers = new Set<string>(PROVIDER_DEPARTMENTS);
    let launches = 0;
    const launchGateway = (d: { key: string }, env: Record<string, string> = {}) => {
      const own = site.gatewayFiles(d.key);
      launches += 1;
      return startProc(
        `${options.name}-gateway-${d.key}${launches > credentials.departments.length ? `-${launches}` : ""}`,
        gatewayRun.command,
        [
          ...(d.key === CONSUMER || d.key === PROVIDER ? (options.gatewayNodeArgs?.(d.key) ?? []) : []),
          ...gatewayRun.args,
        ],
        {
          logDir: ctx.logDir,
          env: {
            NODE_ENV: "development",
            KUAJIE_CONFIG_FILE: own.config,
            ...(providers.has(d.key) ? { KUAJIE_BACKEND_TOKEN: fs.readFileSync(own.backendToken, "utf8").trim() } : {}),
            ...env,
          },
        },
      );
    };
    const gatewayProcs = credentials.departments.map((d) => {
      const proc = launchGateway(d);
      procs.push(proc);
      return { key: d.key, url: d.gateway, proc };
    });
    const [providerPort, consumerPort] = await freePorts(2);
    const backendToken = fs.readFileSync(site.gatewayFiles(PROVIDER).backendToken, "utf8").trim();
    const bareProvider = startTs(`${options.name}-bare-provider`, "bench/lib/bare-proxy-main.ts", {
      logDir: ctx.logDir,
      args: [backends[PROVIDER], String(providerPort), "query"],
      env: { KUAJIE_BACKEND_TOKEN: backendToken },
    });
    procs.push(bareProvider);
    const bareConsumer = startTs(`${options.name}-bare-consumer`, "bench/lib/bare-proxy-main.ts", {
      logDir: ctx.logDir,
      args: [`http://${HOST}:${providerPort}`, String(consumerPort), "fetch"],
    });
    procs.push(bareConsumer);
    const consumer = gatewayProcs.find((g) => g.key === CONSUMER)!;
    const gateway = consumer.url;
    const gatewayProc = consumer.proc;
    const bare = `http://${HOST}:${consumerPort}`;
    await Promise.all(
      gatewayProcs.map((g) =>
        waitFor(`gateway ${g.key}`, async () => (await fetch(`${g.url}/healthz`)).ok, 120_000, g.proc),
      ),
    );
    for (const [name, url, proc] of [
      ["bare proxy (provider side)", `http://${HOST}:${providerPort}`, bareProvider],
      ["bare proxy (consumer side)", bare, bareConsumer],
    ] as const) {
      await waitFor(name, async () => (await fetch(`${url}/fetch`, { method: "POST" })).status > 0, 60_000, proc);
    }
    const tokens = Object.fromEntries(credentials.departments.map((d) => [d.key, d.token]));
    return {
      node,
      system,
      gateway,
      gatewayProc,
      gateways: Object.fromEntries(gatewayProcs.map((g) => [g.key, g.url])),
      bare,
      bareProcs: { consumer: bareConsumer, provider: bareProvider },
      backends,
      tokens,
      auditorToken: credentials.auditor.token,
      dataDir: site.dataDir,
      deploymentFile: site.files.deployment,
      indexed: (key) => waitForIndexed(gatewayProcs.find((g) => g.key === key)!.url, tokens[key], node.rpc),
      gatewayProcOf: (key) => gatewayProcs.find((g) => g.key === key)!.proc,
      stopGateway: (key) => gatewayProcs.find((g) => g.key === key)!.proc.stop(),
      restartGateway: (key, env) => {
        const entry = gatewayProcs.find((g) => g.key === key)!;
        entry.proc = launchGateway(entry, env);
        procs.push(entry.proc);
        return entry.proc;
      },
      databaseOf: (key) => site.gatewayFiles(key).database,
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
