/**
 * Shared pieces of the hostile suites: a live gateway whose route registry the tests can read (a last "feature" that
 * only keeps the registry it is handed, so every route any feature declares is seen, however many land), clients
 * that connect from distinct loopback addresses (the failed-authentication limiter counts per address), a snapshot of
 * the chain and of every gateway table, and the problem+json checks.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Response } from "supertest";
import type { RegisteredRoute, RouteRegistry } from "../../../server/src/common/route-registry";
import { FEATURES } from "../../../server/src/modules";
import { startLiveGateway, type LiveGateway, type LiveGatewayOptions } from "../support/live-gateway";

export interface HostileGateway {
  gw: LiveGateway;
  /** Every route the app registered (health, auth, subjects, departments and every feature), from the registry. */
  routes(): readonly RegisteredRoute[];
  /** The app listening on 127.0.0.1 once, so that 10,000 requests do not each open a server. */
  server: http.Server;
  url: string;
  stop(): Promise<void>;
}

export async function startHostileGateway(options: LiveGatewayOptions = {}): Promise<HostileGateway> {
  let registry: RouteRegistry | undefined;
  const gw = await startLiveGateway({
    ...options,
    features: [
      ...(options.features ?? FEATURES),
      () => (r) => {
        registry = r;
      },
    ],
  });
  if (!registry) throw new Error("the registry spy was not called");
  const seen = registry;
  const server = http.createServer(gw.app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    gw,
    routes: () => seen.routes(),
    server,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gw.stop();
    },
  };
}

/**
 * An HTTP agent whose connections come from 127.x.y.z: the gateway does not trust proxies, so its per-client
 * failure limiter sees each such address as another client. `n` picks the address (1 … 16 million).
 */
const agents = new Map<number, http.Agent>();
export function agentFrom(n: number): http.Agent {
  let agent = agents.get(n);
  if (!agent) {
    const a = 1 + (n % 16_000_000);
    const localAddress = `127.${(a >> 16) & 255}.${(a >> 8) & 255}.${(a & 255) === 0 ? 1 : a & 255}`;
    agent = new http.Agent({ localAddress, keepAlive: false });
    agents.set(n, agent);
  }
  return agent;
}

let nextAddress = 1000;
/** A loopback address no other request used, so that a refused token is counted against nobody else. */
export function freshAgent(): http.Agent {
  return agentFrom(nextAddress++);
}

/** Row count of every table of the gateway's database. */
function tableCounts(gw: LiveGateway, exclude: readonly string[] = []): Record<string, number> {
  const tables = gw.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as Array<{ name: string }>;
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    if (exclude.includes(name)) continue;
    const row = gw.db.prepare(`SELECT COUNT(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number };
    counts[name] = row.n;
  }
  return counts;
}

export interface StateSnapshot {
  block: number;
  outbox: number;
  tables: Record<string, number>;
}

/**
 * Not "state": idempotency keys are kept for 4xx answers too (a retry with the key replays the refusal), and a console
 * sign-in with a good token opens a session whatever else the request carries (the route reads no input; the
 * sessions' own tests are in test/server/modules/console.test.ts).
 */
const NOT_STATE = ["idempotency_keys", "console_sessions"];

export async function snapshot(gw: LiveGateway): Promise<StateSnapshot> {
  const block = await ethers.provider.getBlockNumber();
  const tables = tableCounts(gw, NOT_STATE);
  return { block, outbox: tables.outbox ?? 0, tables };
}

/** `/v1/agreements/:id/approve` with each `:name` replaced. */
export function fillPath(path: string, value: (name: string) => string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => value(name));
}

export function routeId(route: Pick<RegisteredRoute, "method" | "path">): string {
  return `${route.method.toUpperCase()} ${route.path}`;
}

/** A refusal: problem+json whose body repeats the status. */
export function expectProblem(res: Response, statuses: readonly number[], what: string): void {
  expect(statuses, `${what}: status ${res.status} ${res.text.slice(0, 300)}`).to.include(res.status);
  expect(res.headers["content-type"] ?? "", `${what}: content type`).to.match(/^application\/problem\+json/);
  expect(res.body, `${what}: problem body`).to.include({ status: res.status });
  expect(res.body.type, `${what}: problem type`).to.match(/^https:\/\/kuajie\.dev\/problems\//);
}
