/**
 * The full stack as `npm start` brings it up, each part a separate process on a free loopback port: a Hardhat node,
 * the contracts deployed and the demo consortium founded (data bureau chairing; the other demo departments
 * admitted), the demo provider backends, the gateway (`server/src/main.ts`, as `npm run gateway` runs it, with its
 * own data directory and development keys), and the baseline: the bare express proxy to the same backends.
 */
import fs from "node:fs";
import path from "node:path";
import { DEMO_DEPARTMENTS } from "../../scripts/lib/demo-departments";
import { writeDeployment } from "../../server/src/chain/deployment";
import { TokenService } from "../../server/src/modules/auth/service";
import { openDatabase } from "../../server/src/common/db";
import { TokenStore } from "../../server/src/store/tokens";
import { BulkSender, DEV_MNEMONIC, deploySystem, startNode, type Node, type System } from "./chain";
import type { BenchContext } from "./context";
import { HOST, freePort, startTs, waitFor, type Proc } from "./procs";

export const CONSORTIUM_SECRET =
  "6b75616a69652062656e636820636f6e736f727469756d2073656372657420303132333435363738396162";

export interface StackOptions {
  name: string;
  /** Bulk chain state arranged before the gateway starts (so that it indexes it at boot). */
  prepare?: (node: Node, system: System, bulk: BulkSender) => Promise<void>;
  /** Extra node options for the gateway process (e.g. --cpu-prof). */
  gatewayNodeArgs?: string[];
  gatewayEnv?: NodeJS.ProcessEnv;
}

export interface Stack {
  node: Node;
  system: System;
  gateway: string;
  gatewayProc: Proc;
  bare: string;
  backends: Record<"public-security" | "hrss" | "health", string>;
  tokens: Record<string, string>;
  councilToken: string;
  auditorToken: string;
  dataDir: string;
  deploymentFile: string;
  stop(): Promise<void>;
}

export async function startStack(ctx: BenchContext, options: StackOptions): Promise<Stack> {
  const procs: Proc[] = [];
  const node = await startNode(ctx.logDir, `${options.name}-node`);
  procs.push(node.proc);
  try {
    const system = await deploySystem(node.provider);
    if (options.prepare) {
      const bulk = new BulkSender(node.provider);
      await bulk.begin();
      await options.prepare(node, system, bulk);
      await bulk.end();
    }
    const dataDir = path.join(ctx.workDir, options.name);
    fs.mkdirSync(dataDir, { recursive: true });
    const deploymentFile = path.join(dataDir, "deployment.json");
    writeDeployment(deploymentFile, system.deployment);
    const departmentsFile = path.join(dataDir, "departments.json");
    fs.writeFileSync(
      departmentsFile,
      JSON.stringify(DEMO_DEPARTMENTS.map((d) => ({ key: d.key, code: d.code, name: d.name }))),
    );
    const configFile = path.join(dataDir, "gateway.json");
    fs.writeFileSync(configFile, "{}\n");

    const db = openDatabase(path.join(dataDir, "gateway.db"));
    const service = new TokenService(new TokenStore(db));
    const tokens: Record<string, string> = {};
    for (const d of DEMO_DEPARTMENTS)
      tokens[d.key] = service.create({ departmentKey: d.key, role: "operator", label: "bench" }).token;
    const councilToken = service.create({ departmentKey: "data-bureau", role: "council", label: "bench" }).token;
    const auditorToken = service.create({ departmentKey: null, role: "auditor", label: "bench" }).token;
    db.close();

    const ports = {
      ps: await freePort(),
      hrss: await freePort(),
      health: await freePort(),
      gateway: await freePort(),
      bare: await freePort(),
    };
    const backendsProc = startTs(`${options.name}-backends`, "backends/main.ts", {
      logDir: ctx.logDir,
      env: {
        KUAJIE_BACKEND_PORT_PUBLIC_SECURITY: String(ports.ps),
        KUAJIE_BACKEND_PORT_HRSS: String(ports.hrss),
        KUAJIE_BACKEND_PORT_HEALTH: String(ports.health),
      },
    });
    procs.push(backendsProc);
    const backends = {
      "public-security": `http://${HOST}:${ports.ps}`,
      hrss: `http://${HOST}:${ports.hrss}`,
      health: `http://${HOST}:${ports.health}`,
    };
    const gatewayProc = startTs(`${options.name}-gateway`, "server/src/main.ts", {
      logDir: ctx.logDir,
      nodeArgs: options.gatewayNodeArgs,
      env: {
        NODE_ENV: "development",
        KUAJIE_CONFIG_FILE: configFile,
        KUAJIE_GATEWAY_HOST: HOST,
        KUAJIE_GATEWAY_PORT: String(ports.gateway),
        KUAJIE_RPC_URL: node.rpc,
        KUAJIE_DATA_DIR: dataDir,
        KUAJIE_DEPLOYMENT_FILE: deploymentFile,
        KUAJIE_DEPARTMENTS_FILE: departmentsFile,
        KUAJIE_CONSORTIUM_SECRET: CONSORTIUM_SECRET,
        KUAJIE_DEV_MNEMONIC: DEV_MNEMONIC,
        KUAJIE_LOG_LEVEL: "warn",
        ...options.gatewayEnv,
      },
    });
    procs.push(gatewayProc);
    const bareProc = startTs(`${options.name}-bare`, "bench/lib/bare-proxy-main.ts", {
      logDir: ctx.logDir,
      args: [backends["public-security"], String(ports.bare)],
    });
    procs.push(bareProc);
    const gateway = `http://${HOST}:${ports.gateway}`;
    const bare = `http://${HOST}:${ports.bare}`;
    await waitFor("backends", async () => (await fetch(`${backends.health}/healthz`)).ok, 60_000, backendsProc);
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
      tokens,
      councilToken,
      auditorToken,
      dataDir,
      deploymentFile,
      stop: async () => {
        for (const proc of procs.reverse()) await proc.stop();
      },
    };
  } catch (error) {
    for (const proc of procs.reverse()) await proc.stop(3_000);
    throw error;
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
