/**
 * The files `npm start` keeps in its data directory (`KUAJIE_DATA_DIR`, default `.kuajie/dev`), and the shapes of the
 * ones that `npm run demo`, the tests and people read: credentials.json (the issue's exact shape) and backends.json.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { LEVEL } from "../../core/codes/enumerations";
import type { ProviderDepartmentKey } from "../../backends/datasets";

const DEFAULT_DATA_DIR = ".kuajie/dev";

export interface DevFiles {
  dataDir: string;
  /** Written by the deployment: what every gateway (`KUAJIE_DEPLOYMENT_FILE`) and the auditor read. */
  deployment: string;
  /** One directory per department's gateway, `gateways/<key>/` (see `gatewayFiles`). */
  gateways: string;
  /** The consortium secret (hex), generated once and kept across starts. */
  secret: string;
  credentials: string;
  backends: string;
  /** Process ids of the running `npm start` and its children; removed when it stops. */
  processes: string;
  nodeLog: string;
  deployLog: string;
}

/** The files of one department's gateway, all in `<data dir>/gateways/<key>/` (its KUAJIE_DATA_DIR). */
export interface GatewayFiles {
  dir: string;
  /** Its configuration (`KUAJIE_CONFIG_FILE`), mode 600: it holds the keystore password and the consortium secret. */
  config: string;
  /** `[{key, code, name}]`: the one department it serves. */
  departments: string;
  /** `<key>.json`: the department's own signing key, an encrypted keystore (no other department's key is here). */
  keystoreDir: string;
  /** Its SQLite database (tokens, outbox, index, receipts). */
  database: string;
  log: string;
  /**
   * A provider's gateway only, mode 600: this start's shared secret with the department's backend
   * (KUAJIE_BACKEND_TOKEN), for a gateway run by hand (`--no-gateway`) or by the benchmark.
   */
  backendToken: string;
}

export function devDataDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const named = env.KUAJIE_DATA_DIR?.trim();
  return path.resolve(cwd, named ? named : DEFAULT_DATA_DIR);
}

export function devFiles(dataDir: string): DevFiles {
  const file = (name: string) => path.join(dataDir, name);
  return {
    dataDir,
    deployment: file("deployment.json"),
    gateways: file("gateways"),
    secret: file("secret.hex"),
    credentials: file("credentials.json"),
    backends: file("backends.json"),
    processes: file("processes.json"),
    nodeLog: file("node.log"),
    deployLog: file("deploy.log"),
  };
}

export function gatewayFiles(files: DevFiles, departmentKey: string): GatewayFiles {
  const dir = path.join(files.gateways, departmentKey);
  return {
    dir,
    config: path.join(dir, "gateway.json"),
    departments: path.join(dir, "departments.json"),
    keystoreDir: path.join(dir, "keystore"),
    database: path.join(dir, "gateway.db"),
    log: path.join(dir, "gateway.log"),
    backendToken: path.join(dir, "backend-token"),
  };
}

const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`));

/** `.kuajie/dev/credentials.json`, as issue 3 shows it, with each department's own `gateway` (issue 10). */
export const credentialsSchema = z.object({
  gateway: z.url(),
  rpc: z.url(),
  chainId: z.number().int().positive(),
  contracts: z.record(z.string(), hex(20)),
  departments: z.array(
    z.object({
      key: z.string(),
      id: hex(32),
      code: z.string().length(18),
      name: z.string(),
      level: LEVEL.schema,
      council: z.boolean(),
      token: z.string(),
      /** The department's own gateway: its token works there only. */
      gateway: z.url(),
    }),
  ),
  auditor: z.object({ token: z.string() }),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/** `.kuajie/dev/backends.json`: where the demo provider backends listen and which synthetic people they hold. */
export const backendsFileSchema = z.object({
  urls: z.object({ "public-security": z.url(), hrss: z.url(), health: z.url(), "data-bureau": z.url() }),
  seed: z.number().int(),
  people: z.number().int().positive(),
});
export type BackendsFile = { urls: Record<ProviderDepartmentKey, string>; seed: number; people: number };

/** The process ids of a running `npm start` (for the tests and for finding a stray process by hand). */
export const processesFileSchema = z.object({
  start: z.number().int(),
  node: z.number().int().nullable(),
  /** Each department's gateway process by department key (null while it is down). */
  gateways: z.record(z.string(), z.number().int().nullable()),
});
export type ProcessesFile = z.infer<typeof processesFileSchema>;

export function readJsonFile<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${what} ${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

/** Writes through a temporary file and a rename, so that a reader never sees half a file. */
export function writeJsonFile(file: string, value: unknown, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(value, null, 2) + "\n", { mode });
  fs.renameSync(temporary, file);
}
