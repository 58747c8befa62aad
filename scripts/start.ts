/**
 * `npm start`: the whole system on 127.0.0.1 in one command, from a fresh state every time.
 *
 *  1. a Hardhat node (KUAJIE_RPC_PORT, default 8545) as a child process;
 *  2. the contracts deployed with the Ignition module (`hardhat run scripts/deploy.ts --network localhost`), the data
 *     bureau founding the consortium, and the four other demo departments admitted by its council proposals;
 *  3. the demo provider backends with synthetic people (KUAJIE_BACKEND_PORT_PUBLIC_SECURITY / _HRSS / _HEALTH,
 *     default 8101-8103), in this process;
 *  4. the gateway (`server/src/main.ts`, KUAJIE_GATEWAY_PORT, default 8080) as a child process, restarted with
 *     backoff whenever it dies, configured by `<data dir>/gateway.json` — the file `npm run gateway` reads too;
 *  5. tokens for every department and one auditor, written with the URLs to `<data dir>/credentials.json`.
 *
 * The data directory is KUAJIE_DATA_DIR (default .kuajie/dev). State is fresh on every start: a new chain, so the
 * deployment, the departments file and the gateway database are recreated; only the consortium secret (secret.hex)
 * is kept. Ctrl-C or SIGTERM stops every process this started; a second signal kills them at once.
 *
 * `npm start -- --no-gateway` does everything but run the gateway, for running it alone with `npm run gateway`
 * (under a debugger, or restarted by hand) against this chain with the same files.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { Contract, JsonRpcProvider, NonceManager, toBeHex } from "ethers";
import { z } from "zod";
import {
  backendsOptionsFromEnv,
  startBackends,
  type RunningBackends,
  type StartBackendsOptions,
} from "../backends/main";
import { PROVIDER_DEPARTMENTS } from "../backends/datasets";
import { readDeployment, type Deployment } from "../server/src/chain/deployment";
import { deriveDevSigners } from "../server/src/chain/keys";
import { CONFIG_VARIABLES, ConfigError, loadConfig } from "../server/src/common/config";
import { TokenService } from "../server/src/modules/auth/service";
import { openDatabase } from "../server/src/common/db";
import { TokenStore } from "../server/src/store/tokens";
import { ADMIT, admitPayload } from "./lib/consortium-proposals";
import { DEMO_DEPARTMENTS } from "./lib/demo-departments";
import {
  devDataDir,
  devFiles,
  processesFileSchema,
  readJsonFile,
  writeJsonFile,
  type BackendsFile,
  type Credentials,
  type DevFiles,
  type ProcessesFile,
} from "./lib/dev-files";
import { LoggedProcess, RestartingProcess, describeExit, tailOf } from "./lib/supervisor";

const ROOT = path.resolve(__dirname, "..");
const HARDHAT = path.join(ROOT, "node_modules/.bin/hardhat");
const TS_NODE = path.join(ROOT, "node_modules/.bin/ts-node");
const HOST = "127.0.0.1";
const HARDHAT_DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Bounds of each wait; the first start compiles the contracts, which takes the longest. */
const NODE_READY_MS = 180_000;
const DEPLOY_MS = 300_000;
const GATEWAY_READY_MS = 120_000;

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

class StartError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Thrown inside the start-up sequence once a stop was requested: not an error, just the end. */
class Stopping extends Error {}

const say = (line: string) => process.stdout.write(`kuajie: ${line}\n`);

const portSchema = (variable: string) =>
  z.coerce
    .number({ error: `${variable} must be a port number 1..65535` })
    .int({ error: `${variable} must be a port number 1..65535` })
    .min(1, { error: `${variable} must be a port number 1..65535` })
    .max(65_535, { error: `${variable} must be a port number 1..65535` });

interface Settings {
  files: DevFiles;
  /** False with `--no-gateway`: the gateway is then run by hand with `npm run gateway`. */
  runGateway: boolean;
  rpcPort: number;
  gatewayPort: number;
  rpcUrl: string;
  gatewayUrl: string;
  mnemonic: string;
  backends: StartBackendsOptions;
}

function readSettings(env: NodeJS.ProcessEnv, argv: readonly string[]): Settings {
  const unknown = argv.filter((arg) => arg !== "--no-gateway");
  if (unknown.length > 0)
    throw new StartError(`unknown argument ${unknown[0]} (usage: npm start [-- --no-gateway])`, 2);
  const parsed = z
    .object({
      KUAJIE_RPC_PORT: portSchema("KUAJIE_RPC_PORT").default(8545),
      KUAJIE_GATEWAY_PORT: portSchema("KUAJIE_GATEWAY_PORT").default(8080),
    })
    .safeParse({
      KUAJIE_RPC_PORT: env.KUAJIE_RPC_PORT?.trim() || undefined,
      KUAJIE_GATEWAY_PORT: env.KUAJIE_GATEWAY_PORT?.trim() || undefined,
    });
  if (!parsed.success) throw new StartError(parsed.error.issues.map((i) => i.message).join("\n"), 2);
  if (env.KUAJIE_KEYSTORE_DIR?.trim() || env.KUAJIE_KEYSTORE_PASSWORD?.trim()) {
    throw new StartError(
      "npm start signs with development keys: unset KUAJIE_KEYSTORE_DIR and KUAJIE_KEYSTORE_PASSWORD " +
        "(keystores are for `npm run gateway` in production)",
      2,
    );
  }
  let backends: StartBackendsOptions;
  try {
    backends = { ...backendsOptionsFromEnv(env), host: HOST };
  } catch (err) {
    throw new StartError((err as Error).message, 2);
  }
  const { KUAJIE_RPC_PORT: rpcPort, KUAJIE_GATEWAY_PORT: gatewayPort } = parsed.data;
  return {
    files: devFiles(devDataDir(env)),
    runGateway: !argv.includes("--no-gateway"),
    rpcPort,
    gatewayPort,
    rpcUrl: `http://${HOST}:${rpcPort}`,
    gatewayUrl: `http://${HOST}:${gatewayPort}`,
    mnemonic: env.KUAJIE_DEV_MNEMONIC?.trim().replace(/\s+/g, " ") || HARDHAT_DEV_MNEMONIC,
    backends,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Refuses to share a data directory with a running `npm start`. */
function assertNotRunning(files: DevFiles): void {
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

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

async function assertPortsFree(settings: Settings): Promise<void> {
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
function clearPreviousRun(files: DevFiles): void {
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
function consortiumSecret(files: DevFiles, env: NodeJS.ProcessEnv): { hex: string; origin: string } {
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
function writeGatewayConfig(settings: Settings, secretHex: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
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
function writeDepartmentsFile(files: DevFiles): void {
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

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Launcher {
  private stopping = false;
  private exitCode = 0;
  private node: LoggedProcess | null = null;
  private deploy: LoggedProcess | null = null;
  private backends: RunningBackends | null = null;
  private gateway: RestartingProcess | null = null;
  private stopped: Promise<void> | null = null;

  constructor(
    private readonly settings: Settings,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  private checkpoint(): void {
    if (this.stopping) throw new Stopping();
  }

  async start(): Promise<void> {
    const { settings } = this;
    const { files } = settings;
    assertNotRunning(files);
    clearPreviousRun(files);
    this.recordProcesses();
    say(
      `data directory ${files.dataDir}: fresh state (new chain, new gateway database; the consortium secret is kept)`,
    );
    const secret = consortiumSecret(files, this.env);
    writeDepartmentsFile(files);
    const gatewayEnv = writeGatewayConfig(settings, secret.hex, this.env);
    say(`consortium secret from ${secret.origin}; gateway configuration in ${files.gatewayConfig}`);
    await assertPortsFree(settings);
    this.checkpoint();

    const deployment = await this.startChain();
    this.checkpoint();
    const tokens = this.issueTokens();

    this.backends = await startBackends(settings.backends);
    this.checkpoint();
    const backendsFile: BackendsFile = {
      urls: { ...this.backends.urls },
      seed: settings.backends.seed ?? 0,
      people: settings.backends.people ?? 0,
    };
    writeJsonFile(files.backends, backendsFile);
    say(
      `demo provider backends: ${PROVIDER_DEPARTMENTS.map((d) => `${d} ${this.backends!.urls[d]}`).join(", ")} ` +
        `(${backendsFile.people} synthetic people, seed ${backendsFile.seed})`,
    );

    if (settings.runGateway) {
      this.startGateway(gatewayEnv);
      await this.waitForGateway(GATEWAY_READY_MS);
      this.checkpoint();
    }

    const credentials: Credentials = {
      gateway: settings.gatewayUrl,
      rpc: settings.rpcUrl,
      chainId: deployment.chainId,
      contracts: { ...deployment.contracts },
      departments: DEMO_DEPARTMENTS.map((d) => ({
        key: d.key,
        id: d.id,
        code: d.code,
        name: d.name,
        level: d.level,
        council: d.council,
        token: tokens.departments[d.key],
      })),
      auditor: { token: tokens.auditor },
    };
    writeJsonFile(files.credentials, credentials, 0o600);
    this.printReady(deployment);
  }

  /** Starts the node, deploys, admits the demo departments; returns the deployment. */
  private async startChain(): Promise<Deployment> {
    const { settings } = this;
    const { files } = settings;
    say(`starting the Hardhat node on ${settings.rpcUrl} (log: ${files.nodeLog})`);
    const node = new LoggedProcess({
      name: "hardhat node",
      command: HARDHAT,
      args: ["node", "--hostname", HOST, "--port", String(settings.rpcPort)],
      cwd: ROOT,
      env: this.env,
      logFile: files.nodeLog,
    });
    this.node = node;
    this.recordProcesses();
    void node.exited.then((exit) => {
      // A Ctrl-C reaches the node and this process together: give our own handler the first word.
      setTimeout(() => {
        if (this.stopping) return;
        say(`the Hardhat node ${describeExit(exit)}: the chain is gone, stopping everything`);
        const tail = tailOf(files.nodeLog);
        if (tail) process.stderr.write(`${tail}\n`);
        void this.stop(1);
      }, 250);
    });
    const deadline = Date.now() + NODE_READY_MS;
    for (;;) {
      this.checkpoint();
      if (!node.running) throw new StartError(`the Hardhat node did not start:\n${tailOf(files.nodeLog)}`);
      try {
        await rpc(settings.rpcUrl, "eth_chainId");
        break;
      } catch {
        if (Date.now() > deadline)
          throw new StartError(`the Hardhat node did not answer within ${NODE_READY_MS / 1000} s`);
        await sleep(250);
      }
    }

    say(`deploying the contracts with Ignition (log: ${files.deployLog})`);
    const deploymentId = `localhost-start-${Date.now()}`;
    const deployEnv: NodeJS.ProcessEnv = {
      ...this.env,
      KUAJIE_RPC_URL: settings.rpcUrl,
      KUAJIE_DEPLOYMENT_FILE: files.deployment,
      KUAJIE_DEPLOYMENT_ID: deploymentId,
      KUAJIE_DEV_MNEMONIC: settings.mnemonic,
    };
    delete deployEnv.KUAJIE_FOUNDER_ADMIN;
    delete deployEnv.HARDHAT_NETWORK;
    const deploy = new LoggedProcess({
      name: "deployment",
      command: HARDHAT,
      args: ["run", "scripts/deploy.ts", "--network", "localhost"],
      cwd: ROOT,
      env: deployEnv,
      logFile: files.deployLog,
    });
    this.deploy = deploy;
    const timer = setTimeout(() => deploy.child.kill("SIGKILL"), DEPLOY_MS);
    const exit = await deploy.exited;
    clearTimeout(timer);
    this.deploy = null;
    this.checkpoint();
    // The chain dies with this run, so Ignition's journal of it is of no further use.
    fs.rmSync(path.join(ROOT, "ignition/deployments", deploymentId), { recursive: true, force: true });
    if (exit.code !== 0) {
      throw new StartError(`the deployment ${describeExit(exit)}:\n${tailOf(files.deployLog)}`);
    }
    const deployment = readDeployment(files.deployment);
    await this.admitDemoDepartments(deployment);
    return deployment;
  }

  /** The data bureau holds the only council seat, so each of its Admit proposals executes at once. */
  private async admitDemoDepartments(deployment: Deployment): Promise<void> {
    const { settings } = this;
    const ordered = [...DEMO_DEPARTMENTS].sort((a, b) => a.keyIndex - b.keyIndex);
    const signers = deriveDevSigners(
      settings.mnemonic,
      ordered.map((d) => d.key),
      { firstIndex: 1 },
    );
    const provider = new JsonRpcProvider(settings.rpcUrl, deployment.chainId, { staticNetwork: true });
    try {
      // Funded on the node whatever the mnemonic (the node's own accounts come from Hardhat's default one).
      for (const signer of signers.values()) {
        await provider.send("hardhat_setBalance", [signer.address, toBeHex(10n ** 22n)]);
      }
      const chair = DEMO_DEPARTMENTS.find((d) => d.council)!;
      const consortium = new Contract(
        deployment.contracts.Consortium,
        [
          "function propose(uint8 action, bytes payload) returns (uint256)",
          "function isActive(bytes32 departmentId) view returns (bool)",
        ],
        // Nonces counted here: the provider caches eth_getTransactionCount for a moment.
        new NonceManager(signers.get(chair.key)!.connect(provider)),
      );
      const others = DEMO_DEPARTMENTS.filter((d) => !d.council);
      say(`admitting ${others.map((d) => d.key).join(", ")} by council proposals of ${chair.key}`);
      for (const d of others) {
        const tx = (await consortium.propose(ADMIT, admitPayload(d, signers.get(d.key)!.address))) as {
          wait(): Promise<unknown>;
        };
        await tx.wait();
      }
      for (const d of DEMO_DEPARTMENTS) {
        if (!((await consortium.isActive(d.id)) as boolean)) throw new StartError(`${d.key} was not admitted`);
      }
    } finally {
      provider.destroy();
    }
  }

  /** An operator token for each department (council for the council seat holder) and one auditor token. */
  private issueTokens(): { departments: Record<string, string>; auditor: string } {
    const db = openDatabase(this.settings.files.database);
    try {
      const service = new TokenService(new TokenStore(db));
      const departments: Record<string, string> = {};
      for (const d of DEMO_DEPARTMENTS) {
        departments[d.key] = service.create({
          departmentKey: d.key,
          role: d.council ? "council" : "operator",
          label: "npm start",
        }).token;
      }
      const auditor = service.create({ departmentKey: null, role: "auditor", label: "npm start" }).token;
      return { departments, auditor };
    } finally {
      db.close();
    }
  }

  private startGateway(gatewayEnv: NodeJS.ProcessEnv): void {
    const { files, gatewayUrl } = this.settings;
    say(`starting the gateway on ${gatewayUrl} (log: ${files.gatewayLog})`);
    this.gateway = new RestartingProcess(
      {
        name: "gateway",
        command: TS_NODE,
        args: ["--transpile-only", "server/src/main.ts"],
        cwd: ROOT,
        env: gatewayEnv,
        logFile: files.gatewayLog,
      },
      {
        // Exit code 2 is a configuration error: restarting would only repeat it.
        isFatal: (exit) => exit.code === 2,
        onStart: (pid, restarts) => {
          this.recordProcesses();
          if (restarts > 0) {
            say(`gateway restarted (pid ${pid}, restart ${restarts})`);
            void this.waitForGateway(GATEWAY_READY_MS).then(
              () => say(`gateway is back: ${gatewayUrl}/healthz answers`),
              () => undefined,
            );
          }
        },
        onExit: (exit, delayMs) => {
          this.recordProcesses();
          say(`gateway ${describeExit(exit)}; restarting in ${delayMs / 1000} s (chain and backends keep running)`);
        },
        onFatal: (exit) => {
          say(`gateway ${describeExit(exit)} (configuration error): stopping everything`);
          const tail = tailOf(files.gatewayLog);
          if (tail) process.stderr.write(`${tail}\n`);
          void this.stop(2);
        },
      },
    );
    this.gateway.start();
  }

  private async waitForGateway(boundMs: number): Promise<void> {
    const deadline = Date.now() + boundMs;
    for (;;) {
      this.checkpoint();
      try {
        const response = await fetch(`${this.settings.gatewayUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new StartError(
          `the gateway did not become healthy within ${boundMs / 1000} s:\n${tailOf(this.settings.files.gatewayLog)}`,
        );
      }
      await sleep(300);
    }
  }

  private recordProcesses(): void {
    if (this.stopping) return;
    const record: ProcessesFile = {
      start: process.pid,
      node: this.node?.pid ?? null,
      gateway: this.gateway?.pid ?? null,
    };
    writeJsonFile(this.settings.files.processes, record);
  }

  private printReady(deployment: Deployment): void {
    const { settings } = this;
    const urls = this.backends!.urls;
    const lines = [
      "",
      "Kuajie is running on 127.0.0.1 (Ctrl-C stops everything):",
      `  gateway      ${settings.gatewayUrl}   ${settings.runGateway ? "" : "(not started: --no-gateway) "}API reference ${settings.gatewayUrl}/docs, health ${settings.gatewayUrl}/healthz`,
      `  chain        ${settings.rpcUrl}   Hardhat node, chain id ${deployment.chainId}`,
      ...PROVIDER_DEPARTMENTS.map((d) => `  backend      ${urls[d]}   ${d}`),
      `  credentials  ${settings.files.credentials}   tokens of every department and of the auditor`,
      `  logs         ${settings.files.dataDir}/{node,deploy,gateway}.log`,
      "",
      settings.runGateway
        ? "Next: `npm run demo` walks the one-card-for-everything story."
        : "The gateway is not running (--no-gateway): start it with `npm run gateway`" +
          (settings.files.dataDir === devDataDir({}, ROOT)
            ? ""
            : ` and KUAJIE_CONFIG_FILE=${settings.files.gatewayConfig}`) +
          ", then `npm run demo`.",
      "",
    ];
    process.stdout.write(lines.join("\n"));
  }

  /** Stops everything this started, gateway first, chain last, and exits with the highest code asked for. */
  stop(code: number): Promise<void> {
    this.exitCode = Math.max(this.exitCode, code);
    if (this.stopped) return this.stopped;
    this.stopping = true;
    say("stopping: gateway, backends, deployment, Hardhat node");
    this.stopped = (async () => {
      await this.gateway?.stop();
      await this.backends?.close();
      await this.deploy?.stop(5_000);
      await this.node?.stop(10_000);
      fs.rmSync(this.settings.files.processes, { force: true });
      say("stopped");
      process.exit(this.exitCode);
    })();
    return this.stopped;
  }

  /** Ctrl-C or SIGTERM: stop cleanly; a second one while stopping kills every child at once. */
  onSignal(signal: NodeJS.Signals): void {
    if (!this.stopping) {
      say(`${signal}`);
      void this.stop(0);
      return;
    }
    say(`${signal} again: killing every process now`);
    this.gateway?.kill();
    this.deploy?.child.kill("SIGKILL");
    this.node?.child.kill("SIGKILL");
    fs.rmSync(this.settings.files.processes, { force: true });
    process.exit(130);
  }

  get isStopping(): boolean {
    return this.stopping;
  }
}

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = readSettings(process.env, process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`kuajie: ${(err as Error).message}\n`);
    process.exit(err instanceof StartError ? err.exitCode : 1);
  }
  const launcher = new Launcher(settings, process.env);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => launcher.onSignal(signal));
  }
  try {
    await launcher.start();
  } catch (err) {
    if (err instanceof Stopping || launcher.isStopping) return;
    const code = err instanceof StartError ? err.exitCode : 1;
    process.stderr.write(`kuajie: ${err instanceof Error ? err.message : String(err)}\n`);
    await launcher.stop(code);
  }
}

void main();
