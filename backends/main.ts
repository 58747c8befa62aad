/**
 * Starts the demo provider backends, one HTTP server per provider department on 127.0.0.1, so that each
 * department's catalog entries point at their own `upstream.url` and one backend can fail while the others
 * keep serving.
 *
 *   npx ts-node --transpile-only backends/main.ts [--control]
 *
 * `startBackends` does the same in-process for `npm start` and the tests.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { type Server, createServer } from "node:http";
import { z } from "zod";
import { DEV_BACKEND_TOKEN } from "../core/backend";
import {
  type DepartmentDatasets,
  PROVIDER_DEPARTMENTS,
  type ProviderDepartmentKey,
  buildDemoDatasets,
} from "./datasets";
import { type BackendBehaviour, createBackendApp } from "./server";
import { DEFAULT_PEOPLE, DEFAULT_SEED } from "./synthetic-people";

export const DEFAULT_BACKEND_PORTS: Readonly<Record<ProviderDepartmentKey, number>> = {
  "public-security": 8101,
  hrss: 8102,
  health: 8103,
  "data-bureau": 8104,
};

/** Every department's backend on a port the OS picks: what tests and harnesses start, never a fixed port. */
export const PORTS_FROM_OS: Readonly<Record<ProviderDepartmentKey, number>> = Object.fromEntries(
  PROVIDER_DEPARTMENTS.map((department) => [department, 0]),
) as Record<ProviderDepartmentKey, number>;

export interface StartBackendsOptions {
  /** Port per department; 0 picks a free port. Defaults to DEFAULT_BACKEND_PORTS. */
  ports?: Partial<Record<ProviderDepartmentKey, number>>;
  host?: string;
  seed?: number;
  people?: number;
  /** Mounts `POST /_control` on every backend (fault tests, development). */
  allowControl?: boolean;
  behaviour?: Partial<Record<ProviderDepartmentKey, Partial<BackendBehaviour>>>;
  /** The secret the gateways send in `X-Kuajie-Backend-Token` (default: the development token). */
  token?: string;
}

export interface RunningBackends {
  /** Base URL per department: the catalog's `upstream.url`; the gateway posts to `${url}/query`. */
  urls: Readonly<Record<ProviderDepartmentKey, string>>;
  datasets: DepartmentDatasets;
  /** Stops every backend, dropping open connections (including hung requests). Safe to call twice. */
  close(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, "close");
  server.close();
  server.closeAllConnections();
  await closed;
}

export async function startBackends(options: StartBackendsOptions = {}): Promise<RunningBackends> {
  const host = options.host ?? "127.0.0.1";
  const datasets = buildDemoDatasets({ seed: options.seed ?? DEFAULT_SEED, count: options.people ?? DEFAULT_PEOPLE });
  const servers: Server[] = [];
  const urls = {} as Record<ProviderDepartmentKey, string>;
  try {
    for (const department of PROVIDER_DEPARTMENTS) {
      const app = createBackendApp({
        department,
        datasets: datasets[department],
        behaviour: options.behaviour?.[department],
        allowControl: options.allowControl ?? false,
        token: options.token ?? DEV_BACKEND_TOKEN,
      });
      const server = createServer(app);
      await listen(server, options.ports?.[department] ?? DEFAULT_BACKEND_PORTS[department], host);
      servers.push(server);
      const { port } = server.address() as AddressInfo;
      urls[department] = `http://${host}:${port}`;
    }
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    urls,
    datasets,
    close: () => (closing ??= Promise.all(servers.map(closeServer)).then(() => undefined)),
  };
}

const port = (variable: string) =>
  z.coerce
    .number({ error: `${variable} must be a port number` })
    .int()
    .min(0)
    .max(65_535);

const envSchema = z.object({
  KUAJIE_BACKEND_PORT_PUBLIC_SECURITY: port("KUAJIE_BACKEND_PORT_PUBLIC_SECURITY").default(
    DEFAULT_BACKEND_PORTS["public-security"],
  ),
  KUAJIE_BACKEND_PORT_HRSS: port("KUAJIE_BACKEND_PORT_HRSS").default(DEFAULT_BACKEND_PORTS.hrss),
  KUAJIE_BACKEND_PORT_HEALTH: port("KUAJIE_BACKEND_PORT_HEALTH").default(DEFAULT_BACKEND_PORTS.health),
  KUAJIE_BACKEND_PORT_DATA_BUREAU: port("KUAJIE_BACKEND_PORT_DATA_BUREAU").default(
    DEFAULT_BACKEND_PORTS["data-bureau"],
  ),
  KUAJIE_BACKENDS_SEED: z.coerce.number().int().default(DEFAULT_SEED),
  KUAJIE_BACKENDS_PEOPLE: z.coerce.number().int().min(1).max(50_000).default(DEFAULT_PEOPLE),
  KUAJIE_BACKENDS_CONTROL: z.enum(["true", "false"]).default("false"),
  KUAJIE_BACKEND_TOKEN: z
    .string()
    .min(16, { error: "KUAJIE_BACKEND_TOKEN must be a secret of at least 16 characters" })
    .optional(),
  NODE_ENV: z.string().optional(),
});

/** Reads the backends' settings from the environment; a wrong value throws naming the variable. */
export function backendsOptionsFromEnv(env: NodeJS.ProcessEnv, argv: readonly string[] = []): StartBackendsOptions {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid backend configuration: ${problems.join("; ")}`);
  }
  const config = parsed.data;
  if (config.NODE_ENV === "production" && (config.KUAJIE_BACKEND_TOKEN ?? DEV_BACKEND_TOKEN) === DEV_BACKEND_TOKEN) {
    throw new Error(
      "invalid backend configuration: KUAJIE_BACKEND_TOKEN: required in production (its gateway's secret)",
    );
  }
  return {
    ports: {
      "public-security": config.KUAJIE_BACKEND_PORT_PUBLIC_SECURITY,
      hrss: config.KUAJIE_BACKEND_PORT_HRSS,
      health: config.KUAJIE_BACKEND_PORT_HEALTH,
      "data-bureau": config.KUAJIE_BACKEND_PORT_DATA_BUREAU,
    },
    seed: config.KUAJIE_BACKENDS_SEED,
    people: config.KUAJIE_BACKENDS_PEOPLE,
    allowControl: config.KUAJIE_BACKENDS_CONTROL === "true" || argv.includes("--control"),
    token: config.KUAJIE_BACKEND_TOKEN ?? DEV_BACKEND_TOKEN,
  };
}

async function main(): Promise<void> {
  let options: StartBackendsOptions;
  try {
    options = backendsOptionsFromEnv(process.env, process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  }
  const backends = await startBackends(options);
  console.log(`demo provider backends (seed ${options.seed}, ${options.people} synthetic people):`);
  for (const department of PROVIDER_DEPARTMENTS) {
    const resources = backends.datasets[department].map((dataset) => dataset.resource.code).join(", ");
    console.log(`  ${department.padEnd(16)} ${backends.urls[department]}  (${resources})`);
  }
  if (options.allowControl) console.log("  fault control enabled: POST {url}/_control {mode, delayMs?}");
  const stop = (signal: NodeJS.Signals) => {
    console.log(`${signal}: stopping the backends`);
    void backends.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
