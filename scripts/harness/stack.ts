/**
 * A whole stack as `npm start` runs it (scripts/start.ts: Hardhat node, deployment, backends, a supervised gateway
 * per department),
 * spawned as a real process on free loopback ports in a temporary data directory: what the e2e test, the fault
 * tests and the benchmarks start. Every wait is bounded; `StartProcess.killGroup` ends whatever a failed run left.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEMO_DEPARTMENTS } from "../lib/demo-departments";
import { gatewayPortVariable } from "../start/settings";
import {
  credentialsSchema,
  devFiles,
  gatewayFiles,
  type GatewayFiles,
  processesFileSchema,
  readJsonFile,
  type Credentials,
  type DevFiles,
  type ProcessesFile,
} from "../lib/dev-files";
import { HOST, freePorts } from "./ports";
import { hasExited, signalGroup } from "./processes";
import { sleep, waitFor } from "./wait";

export const ROOT = path.resolve(__dirname, "../..");
export const TS_NODE = path.join(ROOT, "node_modules/.bin/ts-node");

/** The first start compiles the contracts, which takes the longest. */
export const START_BOUND_MS = 240_000;
export const STOP_BOUND_MS = 45_000;

export interface StackPorts {
  rpc: number;
  /** Each demo department's gateway, by department key. */
  gateways: Record<string, number>;
  publicSecurity: number;
  hrss: number;
  health: number;
  dataBureau: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A temporary data directory and free ports (the node, five gateways, four backends): where one `npm start` (or several in turn) runs. */
export class StackSite {
  readonly files: DevFiles;
  /** The environment `npm start` gets: only PATH and HOME of ours, so that no stray KUAJIE_* variable leaks in. */
  readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly dataDir: string,
    readonly ports: StackPorts,
    extraEnv: Record<string, string>,
  ) {
    this.files = devFiles(dataDir);
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUAJIE_DATA_DIR: dataDir,
      KUAJIE_RPC_PORT: String(ports.rpc),
      // The first gateway's port, and each one's own (ports from the OS are not consecutive).
      KUAJIE_GATEWAY_PORT: String(ports.gateways[DEMO_DEPARTMENTS[0].key]),
      ...Object.fromEntries(DEMO_DEPARTMENTS.map((d) => [gatewayPortVariable(d.key), String(ports.gateways[d.key])])),
      KUAJIE_BACKEND_PORT_PUBLIC_SECURITY: String(ports.publicSecurity),
      KUAJIE_BACKEND_PORT_HRSS: String(ports.hrss),
      KUAJIE_BACKEND_PORT_HEALTH: String(ports.health),
      KUAJIE_BACKEND_PORT_DATA_BUREAU: String(ports.dataBureau),
      ...extraEnv,
    };
  }

  /** `extraEnv`: gateway variables that `npm start` passes through (KUAJIE_LOG_LEVEL, …). */
  static async create(extraEnv: Record<string, string> = {}, prefix = "kuajie-stack-"): Promise<StackSite> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const [rpc, publicSecurity, hrss, health, dataBureau, ...gatewayPorts] = await freePorts(
      5 + DEMO_DEPARTMENTS.length,
    );
    const gateways = Object.fromEntries(DEMO_DEPARTMENTS.map((d, i) => [d.key, gatewayPorts[i]]));
    return new StackSite(dataDir, { rpc, gateways, publicSecurity, hrss, health, dataBureau }, extraEnv);
  }

  get rpcUrl(): string {
    return `http://${HOST}:${this.ports.rpc}`;
  }

  /** The data bureau's gateway: credentials' top-level `gateway`. */
  get gatewayUrl(): string {
    return this.gatewayUrlOf(DEMO_DEPARTMENTS[0].key);
  }

  gatewayUrlOf(departmentKey: string): string {
    return `http://${HOST}:${this.ports.gateways[departmentKey]}`;
  }

  /** One department's gateway files (database, log, configuration). */
  gatewayFiles(departmentKey: string): GatewayFiles {
    return gatewayFiles(this.files, departmentKey);
  }

  /** Every port this site hands to `npm start`. */
  allPorts(): number[] {
    const { gateways, ...others } = this.ports;
    return [...Object.values(others), ...Object.values(gateways)];
  }

  /** Spawns `npm start` here; `args` as after `npm start --` (e.g. `--no-gateway`). */
  launch(args: readonly string[] = []): StartProcess {
    return new StartProcess(this, args);
  }

  processes(): ProcessesFile {
    return readJsonFile(this.files.processes, processesFileSchema, "processes file");
  }

  /** The processes file, or null while there is none (before the start, after a stop). */
  processesIfAny(): ProcessesFile | null {
    try {
      return this.processes();
    } catch {
      return null;
    }
  }

  remove(): void {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** One spawned `npm start`, in its own process group, with its output kept for failure messages. */
export class StartProcess {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<ExitStatus>;

  constructor(
    private readonly site: StackSite,
    args: readonly string[],
  ) {
    this.child = spawn(TS_NODE, ["--transpile-only", "scripts/start.ts", ...args], {
      cwd: ROOT,
      env: site.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return !hasExited(this.child);
  }

  /** Waits for credentials.json, which `npm start` writes once everything is up, and reads it. */
  async ready(boundMs = START_BOUND_MS): Promise<Credentials> {
    const { files } = this.site;
    await waitFor("credentials.json", boundMs, async () => fs.existsSync(files.credentials), {
      check: () => {
        if (!this.running) throw new Error(`npm start exited before it was ready:\n${this.output}`);
      },
    });
    return readJsonFile(files.credentials, credentialsSchema, "credentials file");
  }

  /** SIGTERM, as Ctrl-C would; resolves with how it exited, or throws if it did not within `boundMs`. */
  async stop(boundMs = STOP_BOUND_MS): Promise<ExitStatus> {
    if (this.running) this.child.kill("SIGTERM");
    const exit = await Promise.race([this.exited, sleep(boundMs).then(() => null)]);
    if (exit === null) throw new Error(`npm start did not stop within ${boundMs / 1000} s:\n${this.output}`);
    return exit;
  }

  /** Last resort after a failure: SIGKILL to the whole process group it leads. */
  killGroup(): void {
    signalGroup(this.child, "SIGKILL");
  }
}
