/**
 * The data directory of `npm start` before anything runs: refuses a directory or ports in use, clears the previous
 * run (keeping the consortium secret), and writes the departments file and the gateway's configuration file.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { CONFIG_VARIABLES, ConfigError, loadConfig } from "../../server/src/common/config";
import { DEMO_DEPARTMENTS } from "../lib/demo-departments";
import { processesFileSchema, readJsonFile, writeJsonFile, type DevFiles, type ProcessesFile } from "../lib/dev-files";
import { HOST, portIsFree } from "../harness/ports";
import { isAlive } from "../harness/processes";
import { ROOT, StartError, say, type Settings } from "./settings";

/** The gateway's configuration variables that `npm start` decides itself (the others pass through). */
const DECIDED = [
  "KUAJIE_GATEWAY_HOST",
  "KUAJIE_GATEWAY_PORT",
  "KUAJIE_RPC_URL",
  "KUAJIE_DATA_DIR",
  "KUAJIE_DEPLOYMENT_FILE",
  "KUAJIE_DEPARTMENTS_FILE",
  "KUAJIE_CONSORTIUM_SECRET",
  "KUAJIE_DEV_MNEMONIC",
] as const;

/** Refuses to share a data directory with a running `npm start`. */
export function assertNotRunning(files: DevFiles): void {
  if (!fs.existsSync(files.processes)) return;
  let running: ProcessesFile;
  try {
    running = readJsonFile(files.processes, processesFileSchema, "processes file");
  } catch {
    return;
  }
  if (running.start !== process.pid && isAlive(running.start)) {
    throw new StartError(
      `another npm start (pid ${running.start}) is running on ${files.dataDir}: stop it first (Ctrl-C in its ` +
        `terminal, or kill ${running.start}), or set KUAJIE_DATA_DIR to another directory`,
    );
  }
}

export async function assertPortsFree(settings: Settings): Promise<void> {
  const wanted: Array<[string, number]> = [
    ["KUAJIE_RPC_PORT", settings.rpcPort],
    ["KUAJIE_GATEWAY_PORT", settings.gatewayPort],
    ["KUAJIE_BACKEND_PORT_PUBLIC_SECURITY", settings.backends.ports?.["public-security"] ?? 0],
    ["KUAJIE_BACKEND_PORT_HRSS", settings.backends.ports?.hrss ?? 0],
    ["KUAJIE_BACKEND_PORT_HEALTH", settings.backends.ports?.health ?? 0],
  ];
  const busy: string[] = [];
  for (const [variable, port] of wanted) {
    if (port !== 0 && !(await portIsFree(port))) busy.push(`${HOST}:${port} (${variable})`);
  }
  if (busy.length > 0) {
    throw new StartError(
      `in use: ${busy.join(", ")}. Is another npm start or a hardhat node running? Stop it, or choose other ` +
        `ports with the variables named.`,
    );
  }
}

/** Fresh state: everything of the previous run except the consortium secret. */
export function clearPreviousRun(files: DevFiles): void {
  const stale = [
    files.deployment,
    files.departments,
    files.gatewayConfig,
    files.credentials,
    files.backends,
    files.processes,
    files.database,
    `${files.database}-wal`,
    `${files.database}-shm`,
    files.nodeLog,
    files.deployLog,
    files.gatewayLog,
  ];
  for (const file of stale) fs.rmSync(file, { force: true });
  fs.mkdirSync(files.dataDir, { recursive: true });
}

/** KUAJIE_CONSORTIUM_SECRET when set, else secret.hex, generated on the first start and kept (mode 600). */
export function consortiumSecret(files: DevFiles, env: NodeJS.ProcessEnv): { hex: string; origin: string } {
  const fromEnv = env.KUAJIE_CONSORTIUM_SECRET?.trim();
  if (fromEnv) return { hex: fromEnv, origin: "KUAJIE_CONSORTIUM_SECRET" };
  if (fs.existsSync(files.secret)) {
    const kept = fs.readFileSync(files.secret, "utf8").trim();
    if (/^(0x)?([0-9a-fA-F]{2}){32,}$/.test(kept)) return { hex: kept, origin: `${files.secret} (kept)` };
    say(`${files.secret} does not hold hex of at least 32 bytes: generating a new secret`);
  }
  const hex = `0x${randomBytes(32).toString("hex")}`;
  fs.writeFileSync(files.secret, `${hex}\n`, { mode: 0o600 });
  return { hex, origin: `${files.secret} (new)` };
}

/**
 * Writes the gateway's configuration file and returns the environment of the gateway process: the caller's
 * environment without any gateway variable (so that a stray KUAJIE_DEPLOYMENT_FILE cannot point the development
 * gateway elsewhere), plus KUAJIE_CONFIG_FILE. Gateway variables set by the caller that `npm start` does not decide
 * (KUAJIE_LOG_LEVEL, KUAJIE_RECEIPT_BATCH_SECONDS, …) are copied into the file.
 */
export function writeGatewayConfig(settings: Settings, secretHex: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { files } = settings;
  const decided: Record<(typeof DECIDED)[number], string | number> = {
    KUAJIE_GATEWAY_HOST: HOST,
    KUAJIE_GATEWAY_PORT: settings.gatewayPort,
    KUAJIE_RPC_URL: settings.rpcUrl,
    KUAJIE_DATA_DIR: files.dataDir,
    KUAJIE_DEPLOYMENT_FILE: files.deployment,
    KUAJIE_DEPARTMENTS_FILE: files.departments,
    KUAJIE_CONSORTIUM_SECRET: secretHex,
    KUAJIE_DEV_MNEMONIC: settings.mnemonic,
  };
  const passed: Record<string, string> = {};
  for (const variable of CONFIG_VARIABLES) {
    const value = env[variable]?.trim();
    if (value && !(DECIDED as readonly string[]).includes(variable)) passed[variable] = value;
  }
  writeJsonFile(files.gatewayConfig, { ...decided, ...passed }, 0o600);

  const gatewayEnv: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (!(CONFIG_VARIABLES as readonly string[]).includes(name) && name !== "KUAJIE_CONFIG_FILE") {
      gatewayEnv[name] = value;
    }
  }
  gatewayEnv.KUAJIE_CONFIG_FILE = files.gatewayConfig;
  try {
    loadConfig({ env: gatewayEnv, cwd: ROOT });
  } catch (err) {
    if (err instanceof ConfigError) throw new StartError(`gateway configuration:\n${err.message}`, 2);
    throw err;
  }
  return gatewayEnv;
}

/** The departments the gateway serves, in development-key order (department i signs with key i + 1). */
export function writeDepartmentsFile(files: DevFiles): void {
  const ordered = [...DEMO_DEPARTMENTS].sort((a, b) => a.keyIndex - b.keyIndex);
  ordered.forEach((d, i) => {
    if (d.keyIndex !== i + 1)
      throw new Error(`demo department ${d.key} has key index ${d.keyIndex}, expected ${i + 1}`);
  });
  writeJsonFile(
    files.departments,
    ordered.map((d) => ({ key: d.key, code: d.code, name: d.name })),
  );
}
