/**
 * `npm start` in order: the data directory, the chain (node, deployment, admissions, endpoints), the tokens, the demo
 * backends, one supervised gateway per department, credentials.json last (the signal that everything is up); and the
 * stop, which ends every process it started and removes the files that describe a running stack.
 */
import fs from "node:fs";
import { startBackends, type RunningBackends } from "../../backends/main";
import { PROVIDER_DEPARTMENTS } from "../../backends/datasets";
import type { Deployment } from "../../server/src/chain/deployment";
import { DEMO_DEPARTMENTS } from "../lib/demo-departments";
import { gatewayFiles, writeJsonFile, type BackendsFile, type ProcessesFile } from "../lib/dev-files";
import { describeExit, tailOf, type LoggedProcess, type RestartingProcess } from "../lib/supervisor";
import { admitDemoDepartments, credentialsOf, deployContracts, issueTokens } from "./bootstrap";
import {
  assertNotRunning,
  assertPortsFree,
  clearPreviousRun,
  consortiumSecret,
  newBackendToken,
  writeGatewayDir,
} from "./data-dir";
import { compiledGateway } from "./gateway-build";
import { GATEWAY_READY_MS, Stopping, say, type GatewaySite, type Settings } from "./settings";
import { startNode, superviseGateway, waitForGateway, waitForNode, type GatewayCommand } from "./supervision";

/** The demo backends with the secret their providers' gateways present (see backends/main.ts). */
type BackendsWithToken = Parameters<typeof startBackends>[0] & { token?: string };

export class Launcher {
  private stopping = false;
  private exitCode = 0;
  private node: LoggedProcess | null = null;
  private deploy: LoggedProcess | null = null;
  private backends: RunningBackends | null = null;
  private readonly gateways = new Map<string, RestartingProcess>();
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
      `data directory ${files.dataDir}: fresh state (new chain, new gateway databases; the consortium secret is kept)`,
    );
    const secret = consortiumSecret(files, this.env);
    // A new secret per start between the backends and the gateways of the departments they serve.
    const backendToken = newBackendToken();
    const providers = new Set<string>(PROVIDER_DEPARTMENTS);
    const gatewayEnvs = new Map(
      settings.gateways.map((site) => [
        site.key,
        writeGatewayDir(settings, site, secret.hex, providers.has(site.key) ? backendToken : null, this.env),
      ]),
    );
    say(`consortium secret from ${secret.origin}; each gateway's files in ${files.gateways}/<department>/`);
    await assertPortsFree(settings);
    const gatewayRun = settings.runGateway ? compiledGateway() : null;
    this.checkpoint();

    this.startNode();
    await waitForNode(settings, this.node!, this.checkpoint);
    const deployment = await deployContracts(settings, this.env, (deploy) => (this.deploy = deploy));
    this.checkpoint();
    await admitDemoDepartments(settings, deployment);
    this.checkpoint();
    const tokens = issueTokens(settings);

    const backendOptions: BackendsWithToken = { ...settings.backends, token: backendToken };
    this.backends = await startBackends(backendOptions);
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

    if (gatewayRun) {
      for (const site of settings.gateways) this.startGateway(site, gatewayRun, gatewayEnvs.get(site.key)!);
      await Promise.all(
        settings.gateways.map((site) => waitForGateway(settings, site, GATEWAY_READY_MS, this.checkpoint)),
      );
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

  private startGateway(site: GatewaySite, run: GatewayCommand, gatewayEnv: NodeJS.ProcessEnv): void {
    const { settings } = this;
    const gateway = superviseGateway(settings, site, run, gatewayEnv, {
      onStart: (pid, restarts) => {
        this.recordProcesses();
        if (restarts > 0) {
          say(`gateway ${site.key} restarted (pid ${pid}, restart ${restarts})`);
          void waitForGateway(settings, site, GATEWAY_READY_MS, this.checkpoint).then(
            () => say(`gateway ${site.key} is back: ${site.url}/healthz answers`),
            () => undefined,
          );
        }
      },
      onExit: () => this.recordProcesses(),
      onFatal: () => void this.stop(2),
    });
    this.gateways.set(site.key, gateway);
    gateway.start();
  }

  private recordProcesses(): void {
    if (this.stopping) return;
    const record: ProcessesFile = {
      start: process.pid,
      node: this.node?.pid ?? null,
      gateways: Object.fromEntries(this.settings.gateways.map((g) => [g.key, this.gateways.get(g.key)?.pid ?? null])),
    };
    writeJsonFile(this.settings.files.processes, record);
  }

  private printReady(deployment: Deployment): void {
    const { settings } = this;
    const urls = this.backends!.urls;
    const width = Math.max(...DEMO_DEPARTMENTS.map((d) => d.key.length));
    const lines = [
      "",
      "Kuajie is running on 127.0.0.1 (Ctrl-C stops everything):",
      ...settings.gateways.map(
        (g) =>
          `  gateway      ${g.key.padEnd(width)}  ${g.url}   ${settings.runGateway ? "" : "(not started: --no-gateway) "}` +
          `files ${gatewayFiles(settings.files, g.key).dir}`,
      ),
      `               API reference ${settings.gatewayUrl}/docs (at every gateway), health <gateway>/healthz`,
      `  chain        ${settings.rpcUrl}   Hardhat node, chain id ${deployment.chainId}`,
      ...PROVIDER_DEPARTMENTS.map((d) => `  backend      ${urls[d]}   ${d} (answers its gateway only)`),
      `  credentials  ${settings.files.credentials}   each department's gateway and token, the auditor's token`,
      `  logs         ${settings.files.dataDir}/{node,deploy}.log, ${settings.files.gateways}/<department>/gateway.log`,
      "",
      settings.runGateway
        ? "Next: `npm run demo` walks the one-card-for-everything story."
        : "The gateways are not running (--no-gateway): start each with " +
          `\`KUAJIE_CONFIG_FILE=${settings.files.gateways}/<department>/gateway.json npm run gateway\`, then \`npm run demo\`.`,
      "",
    ];
    process.stdout.write(lines.join("\n"));
  }

  /** What describes a running stack goes with it: the process ids, and credentials.json with its now dead tokens. */
  private removeRunFiles(): void {
    fs.rmSync(this.settings.files.processes, { force: true });
    fs.rmSync(this.settings.files.credentials, { force: true });
  }

  /** Stops everything this started, gateways first, chain last, and exits with the highest code asked for. */
  stop(code: number): Promise<void> {
    this.exitCode = Math.max(this.exitCode, code);
    if (this.stopped) return this.stopped;
    this.stopping = true;
    say("stopping: gateways, backends, deployment, Hardhat node");
    this.stopped = (async () => {
      await Promise.all([...this.gateways.values()].map((gateway) => gateway.stop()));
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
    for (const gateway of this.gateways.values()) gateway.kill();
    this.deploy?.child.kill("SIGKILL");
    this.node?.child.kill("SIGKILL");
    this.removeRunFiles();
    process.exit(130);
  }
}
