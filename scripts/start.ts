/**
 * `npm start`: the whole system on 127.0.0.1 in one command, from a fresh state every time.
 *
 *  1. a Hardhat node (KUAJIE_RPC_PORT, default 8545) as a child process;
 *  2. the contracts deployed with the Ignition module (`hardhat run scripts/deploy.ts --network localhost`), the data
 *     bureau founding the consortium, the four other demo departments admitted by its council proposals, and each
 *     department's gateway endpoint published on chain by its admin operator;
 *  3. the demo provider backends with synthetic people (KUAJIE_BACKEND_PORT_PUBLIC_SECURITY / _HRSS / _HEALTH /
 *     _DATA_BUREAU, default 8101-8104), in this process, answering only with the per-start secret their providers' gateways hold;
 *  4. one gateway per department (`server/src/main.ts`, compiled once to dist/gateway/), each a child process
 *     restarted with backoff whenever it dies, with its own port (KUAJIE_GATEWAY_PORT, default 8080, for the data
 *     bureau, the following ports for the others, each overridable by KUAJIE_GATEWAY_PORT_<KEY>), its own directory
 *     `gateways/<key>/` (gateway.json — the file `npm run gateway` reads —, gateway.db, gateway.log, its departments
 *     file and its own signing key as a keystore), and its own tokens;
 *  5. a token for every department (valid at its own gateway only) and one auditor token (valid at every gateway),
 *     written with the URLs to `<data dir>/credentials.json` once everything is up (and removed on stop).
 *
 * The data directory is KUAJIE_DATA_DIR (default .kuajie/dev). State is fresh on every start: a new chain, so the
 * deployment and every gateway's directory are recreated; only the consortium secret (secret.hex) is kept. Ctrl-C or
 * SIGTERM stops every process this started; a second signal kills them at once.
 *
 * The parts: start/settings.ts (arguments and variables), start/data-dir.ts (the files before anything runs),
 * start/bootstrap.ts (deploy, admit, endpoints, tokens), start/gateway-build.ts (the gateway as JavaScript),
 * start/supervision.ts (node and supervised gateways), start/launcher.ts (the order of it all, and the stop).
 *
 * `npm start -- --no-gateway` does everything but run the gateways, for running one alone with `npm run gateway`
 * (under a debugger, or restarted by hand) against this chain with the same files.
 */
import { Launcher } from "./start/launcher";
import { StartError, Stopping, readSettings, type Settings } from "./start/settings";

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
