/**
 * The data directory of `npm start` before anything runs: refuses a directory or ports in use, clears the previous
 * run (keeping the consortium secret), and writes each department's gateway directory (`gateways/<key>/`).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { HDNodeWallet, encryptKeystoreJsonSync } from "ethers";
import { CONFIG_VARIABLES, ConfigError, loadConfig } from "../../server/src/common/config";
import { devKeyPath } from "../../server/src/chain/keys";
import { demoDepartment } from "../lib/demo-departments";
import {
  gatewayFiles,
  processesFileSchema,
  readJsonFile,
  writeJsonFile,
  type DevFiles,
  type ProcessesFile,
} from "../lib/dev-files";
import { HOST, portIsFree } from "../harness/ports";
import { isAlive } from "../harness/processes";
import { ROOT, StartError, say, type GatewaySite, type Settings } from "./settings";

/** The gateway's configuration variables that `npm start` decides itself for each gateway (the others pass through). */
const DECIDED = [
  "KUAJIE_GATEWAY_HOST",
  "KUAJIE_GATEWAY_PORT",
  "KUAJIE_RPC_URL",
  "KUAJIE_DATA_DIR",
  "KUAJIE_DEPLOYMENT_FILE",
  "KUAJIE_DEPARTMENTS_FILE",
  "KUAJIE_CONSORTIUM_SECRET",
  "KUAJIE_KEYSTORE_DIR",
  "KUAJIE_KEYSTORE_PASSWORD",
  "KUAJIE_DEV_MNEMONIC",
  // In case the gateway's configuration names it: set per start, in the provider gateways' environment only.
  "KUAJIE_BACKEND_TOKEN",
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
    ...settings.gateways.map((g): [string, number] => [g.portVariable, g.port]),
    ["KUAJIE_BACKEND_PORT_PUBLIC_SECURITY", settings.backends.ports?.["public-security"] ?? 0],
    ["KUAJIE_BACKEND_PORT_HRSS", settings.backends.ports?.hrss ?? 0],
    ["KUAJIE_BACKEND_PORT_HEALTH", settings.backends.ports?.health ?? 0],
    ["KUAJIE_BACKEND_PORT_DATA_BUREAU", settings.backends.ports?.["data-bureau"] ?? 0],
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
  const stale = [files.deployment, files.credentials, files.backends, files.processes, files.nodeLog, files.deployLog];
  for (const file of stale) fs.rmSync(file, { force: true });
  fs.rmSync(files.gateways, { recursive: true, force: true });
  // What a single-gateway `npm start` (before issue 10) kept at the top of the data directory.
  for (const name of [
    "gateway.json",
    "departments.json",
    "gateway.db",
    "gateway.db-wal",
    "gateway.db-shm",
    "gateway.log",
  ]) {
    fs.rmSync(path.join(files.dataDir, name), { force: true });
  }
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
 * Writes one department's gateway directory — its departments file (itself only), its own signing key as an encrypted
 * keystore, its configuration file — and returns the environment of its process: the caller's environment without
 * any gateway variable (so that a stray KUAJIE_DEPLOYMENT_FILE cannot point a development gateway elsewhere), plus
 * KUAJIE_CONFIG_FILE and, for a provider, KUAJIE_BACKEND_TOKEN. Gateway variables set by the caller that `npm start`
 * does not decide (KUAJIE_LOG_LEVEL, KUAJIE_RECEIPT_BATCH_SECONDS, …) are copied into every gateway's file.
 */
export function writeGatewayDir(
  settings: Settings,
  site: GatewaySite,
  secretHex: string,
  backendToken: string | null,
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const department = demoDepartment(site.key);
  const own = gatewayFiles(settings.files, site.key);
  fs.mkdirSync(own.dir, { recursive: true, mode: 0o700 });
  writeJsonFile(own.departments, [{ key: department.key, code: department.code, name: department.name }]);
  const keystorePassword = randomBytes(24).toString("base64url");
  writeDevKeystore(settings.mnemonic, department.key, department.keyIndex, own.keystoreDir, keystorePassword);
  const decided: Record<(typeof DECIDED)[number], string | number | undefined> = {
    KUAJIE_GATEWAY_HOST: HOST,
    KUAJIE_GATEWAY_PORT: site.port,
    KUAJIE_RPC_URL: settings.rpcUrl,
    KUAJIE_DATA_DIR: own.dir,
    KUAJIE_DEPLOYMENT_FILE: settings.files.deployment,
    KUAJIE_DEPARTMENTS_FILE: own.departments,
    KUAJIE_CONSORTIUM_SECRET: secretHex,
    KUAJIE_KEYSTORE_DIR: own.keystoreDir,
    KUAJIE_KEYSTORE_PASSWORD: keystorePassword,
    // Never the mnemonic: it would hand every department's key to every gateway.
    KUAJIE_DEV_MNEMONIC: undefined,
    KUAJIE_BACKEND_TOKEN: undefined,
  };
  const passed: Record<string, string> = {};
  for (const variable of CONFIG_VARIABLES) {
    const value = env[variable]?.trim();
    if (value && !(DECIDED as readonly string[]).includes(variable)) passed[variable] = value;
  }
  writeJsonFile(own.config, { ...decided, ...passed }, 0o600);

  const gatewayEnv: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (!(CONFIG_VARIABLES as readonly string[]).includes(name) && !NOT_PASSED.includes(name)) {
      gatewayEnv[name] = value;
    }
  }
  gatewayEnv.KUAJIE_CONFIG_FILE = own.config;
  if (backendToken !== null) {
    gatewayEnv.KUAJIE_BACKEND_TOKEN = backendToken;
    fs.writeFileSync(own.backendToken, `${backendToken}\n`, { mode: 0o600 });
  }
  try {
    loadConfig({ env: gatewayEnv, cwd: ROOT });
  } catch (err) {
    if (err instanceof ConfigError) throw new StartError(`gateway configuration of ${site.key}:\n${err.message}`, 2);
    throw err;
  }
  return gatewayEnv;
}

/** Variables of the caller that no gateway gets (each gateway's are decided here). */
const NOT_PASSED = ["KUAJIE_CONFIG_FILE", "KUAJIE_BACKEND_TOKEN"];

/**
 * The department's development key (index `keyIndex` on the development mnemonic, as the deployment and the
 * admissions use it) as `<dir>/<key>.json`, the keystore format `npm run gateway` reads in production. The scrypt
 * cost is low on purpose: the key comes from a public development mnemonic, and five gateways decrypt at every start.
 */
function writeDevKeystore(mnemonic: string, key: string, keyIndex: number, dir: string, password: string): void {
  const wallet = HDNodeWallet.fromPhrase(mnemonic, undefined, devKeyPath(keyIndex));
  const json = encryptKeystoreJsonSync({ address: wallet.address, privateKey: wallet.privateKey }, password, {
    scrypt: { N: 1 << 10 },
  });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, `${key}.json`), json, { mode: 0o600 });
}

/** A new shared secret per start between the demo backends and their providers' gateways. */
export function newBackendToken(): string {
  return randomBytes(32).toString("base64url");
}
