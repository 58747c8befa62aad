/**
 * The long-running processes of `npm start`: the Hardhat node (whose death ends everything) and one gateway per
 * department (each restarted on its own with backoff whenever it dies, except on a configuration error), each with
 * its bounded readiness wait.
 */
import { jsonRpc } from "../harness/json-rpc";
import { gatewayFiles } from "../lib/dev-files";
import { HARDHAT_NODE_ENV } from "../lib/hardhat-node-env";
import { waitFor } from "../harness/wait";
import { LoggedProcess, RestartingProcess, describeExit, tailOf, type Exit, type ProcessSpec } from "../lib/supervisor";
import { HOST } from "../harness/ports";
import { HARDHAT, NODE_READY_MS, ROOT, StartError, say, type GatewaySite, type Settings } from "./settings";

export function startNode(settings: Settings, env: NodeJS.ProcessEnv): LoggedProcess {
  say(`starting the Hardhat node on ${settings.rpcUrl} (log: ${settings.files.nodeLog})`);
  return new LoggedProcess(nodeProcessSpec(settings, env));
}

/** How the Hardhat node is run: on loopback, with the allocator settings of hardhat-node-env.ts. */
export function nodeProcessSpec(settings: Settings, env: NodeJS.ProcessEnv): ProcessSpec {
  return {
    name: "hardhat node",
    command: HARDHAT,
    args: ["node", "--hostname", HOST, "--port", String(settings.rpcPort)],
    cwd: ROOT,
    env: { ...env, ...HARDHAT_NODE_ENV },
    logFile: settings.files.nodeLog,
  };
}

/** Until the node answers eth_chainId; `check` throws to give up (a stop was asked for). */
export async function waitForNode(settings: Settings, node: LoggedProcess, check: () => void): Promise<void> {
  await waitFor("the Hardhat node", NODE_READY_MS, () => jsonRpc(settings.rpcUrl, "eth_chainId", [], 5_000), {
    check: () => {
      check();
      if (!node.running) throw new StartError(`the Hardhat node did not start:\n${tailOf(settings.files.nodeLog)}`);
    },
    onTimeout: () => new StartError(`the Hardhat node did not answer within ${NODE_READY_MS / 1000} s`),
  });
}

export interface GatewayHooks {
  /** A gateway process started (`restarts` 0 for the first). */
  onStart(pid: number, restarts: number): void;
  /** It died and will be restarted after `delayMs`. */
  onExit(exit: Exit, delayMs: number): void;
  /** It died of a configuration error: restarting would only repeat it. */
  onFatal(exit: Exit): void;
}

/** How a gateway process is run: node on the compiled gateway (see gateway-build.ts) or ts-node on the sources. */
export interface GatewayCommand {
  command: string;
  args: readonly string[];
}

/** One department's supervised gateway, not started yet: the caller keeps it before `start()`, whose hooks may ask for it. */
export function superviseGateway(
  settings: Settings,
  site: GatewaySite,
  run: GatewayCommand,
  gatewayEnv: NodeJS.ProcessEnv,
  hooks: GatewayHooks,
): RestartingProcess {
  const { log } = gatewayFiles(settings.files, site.key);
  say(`starting the gateway of ${site.key} on ${site.url} (log: ${log})`);
  const gateway = new RestartingProcess(
    {
      name: `gateway ${site.key}`,
      command: run.command,
      args: run.args,
      cwd: ROOT,
      env: gatewayEnv,
      logFile: log,
    },
    {
      // Exit code 2 is a configuration error: restarting would only repeat it.
      isFatal: (exit) => exit.code === 2,
      onStart: hooks.onStart,
      onExit: (exit, delayMs) => {
        say(
          `gateway ${site.key} ${describeExit(exit)}; restarting in ${delayMs / 1000} s (the chain, the backends and ` +
            "the other gateways keep running)",
        );
        hooks.onExit(exit, delayMs);
      },
      onFatal: (exit) => {
        say(`gateway ${site.key} ${describeExit(exit)} (configuration error): stopping everything`);
        const tail = tailOf(log);
        if (tail) process.stderr.write(`${tail}\n`);
        hooks.onFatal(exit);
      },
    },
  );
  return gateway;
}

/** Until the gateway's /healthz answers 200; `check` throws to give up (a stop was asked for). */
export async function waitForGateway(
  settings: Settings,
  site: GatewaySite,
  boundMs: number,
  check: () => void,
): Promise<void> {
  await waitFor(
    `the gateway of ${site.key}`,
    boundMs,
    async () => (await fetch(`${site.url}/healthz`, { signal: AbortSignal.timeout(2_000) })).status === 200,
    {
      intervalMs: 300,
      check,
      onTimeout: () =>
        new StartError(
          `the gateway of ${site.key} did not become healthy within ${boundMs / 1000} s:\n` +
            tailOf(gatewayFiles(settings.files, site.key).log),
        ),
    },
  );
}
