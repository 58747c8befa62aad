/**
 * `npm start` in order: the data directory, the chain (node, deployment, admissions), the tokens, the demo
 * backends, the supervised gateway, credentials.json last (the signal that everything is up); and the stop, which
 * ends every process it started and removes the files that describe a running stack.
 */
import fs from "node:fs";
import { startBackends, type RunningBackends } from "../../backends/main";
import { PROVIDER_DEPARTMENTS } from "../../backends/datasets";
import type { Deployment } from "../../server/src/chain/deployment";
import { devDataDir, writeJsonFile, type BackendsFile, type ProcessesFile } from "../lib/dev-files";
import { describeExit, tailOf, type LoggedProcess, type RestartingProcess } from "../lib/supervisor";
import { admitDemoDepartments, credentialsOf, deployContracts, issueTokens } from "./bootstrap";
import {
  assertNotRunning,
  assertPortsFree,
  clearPreviousRun,
  consortiumSecret,
  writeDepartmentsFile,
  writeGatewayConfig,
} from "./data-dir";
import { GATEWAY_READY_MS, ROOT, Stopping, say, type Settings } from "./settings";
import { startNode, superviseGateway, waitForGateway, waitForNode } from "./supervision";

export class Launcher {
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

  get isStopping(): boolean {
    return this.stopping;
  }

  private readonly checkpoint = (): void => {
    if (this.stopping) throw new Stopping();
  };

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

    this.startNode();
    await waitForNode(settings, this.node!, this.checkpoint);
    const deployment = await deployContracts(settings, this.env, (deploy) => (this.deploy = deploy));
    this.checkpoint();
    await admitDemoDepartments(settings, deployment);
    this.checkpoint();
    const tokens = issueTokens(settings);

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
      await waitForGateway(settings, GATEWAY_READY_MS, this.checkpoint);
      this.checkpoint();
    }

    writeJsonFile(files.credentials, credentialsOf(settings, deployment, tokens), 0o600);
    this.printReady(deployment);
  }

  /** The node's death ends everything: the chain is gone. */
  private startNode(): void {
    const { files } = this.settings;
    const node = startNode(this.settings, this.env);
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
  }

  private startGateway(gatewayEnv: NodeJS.ProcessEnv): void {
    const { settings } = this;
    this.gateway = superviseGateway(settings, gatewayEnv, {
      onStart: (pid, restarts) => {
        this.recordProcesses();
        if (restarts > 0) {
          say(`gateway restarted (pid ${pid}, restart ${restarts})`);
          void waitForGateway(settings, GATEWAY_READY_MS, this.checkpoint).then(
            () => say(`gateway is back: ${settings.gatewayUrl}/healthz answers`),
            () => undefined,
          );
        }
      },
      onExit: () => this.recordProcesses(),
      onFatal: () => void this.stop(2),
    });
    this.gateway.start();
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

  /** What describes a running stack goes with it: the process ids, and credentials.json with its now dead tokens. */
  private removeRunFiles(): void {
    fs.rmSync(this.settings.files.processes, { force: true });
    fs.rmSync(this.settings.files.credentials, { force: true });
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
      this.removeRunFiles();
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
    this.removeRunFiles();
    process.exit(130);
  }
}
