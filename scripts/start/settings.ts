/** What `npm start` is asked to do: its arguments and KUAJIE_* variables, checked before anything starts. */
import path from "node:path";
import { z } from "zod";
import { backendsOptionsFromEnv, type StartBackendsOptions } from "../../backends/main";
import { DEMO_DEPARTMENTS } from "../lib/demo-departments";
import { devDataDir, devFiles, type DevFiles } from "../lib/dev-files";
import { HOST } from "../harness/ports";

export const ROOT = path.resolve(__dirname, "../..");
export const HARDHAT = path.join(ROOT, "node_modules/.bin/hardhat");
const HARDHAT_DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Bounds of each wait; the first start compiles the contracts, which takes the longest. */
export const NODE_READY_MS = 180_000;
export const DEPLOY_MS = 300_000;
export const GATEWAY_READY_MS = 120_000;

/** A reason to stop starting, with the exit code: 2 for a usage or configuration error, 1 otherwise. */
export class StartError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Thrown inside the start-up sequence once a stop was requested: not an error, just the end. */
export class Stopping extends Error {}

export const say = (line: string) => process.stdout.write(`kuajie: ${line}\n`);

const portSchema = (variable: string) =>
  z.coerce
    .number({ error: `${variable} must be a port number 1..65535` })
    .int({ error: `${variable} must be a port number 1..65535` })
    .min(1, { error: `${variable} must be a port number 1..65535` })
    .max(65_535, { error: `${variable} must be a port number 1..65535` });

/** One demo department's gateway: where it listens. */
export interface GatewaySite {
  key: string;
  /** The variable that overrides its port: `KUAJIE_GATEWAY_PORT_<KEY>` (the first one also KUAJIE_GATEWAY_PORT). */
  portVariable: string;
  port: number;
  url: string;
}

export interface Settings {
  files: DevFiles;
  /** False with `--no-gateway`: the gateways are then run by hand with `npm run gateway`. */
  runGateway: boolean;
  rpcPort: number;
  rpcUrl: string;
  /** One per demo department, in DEMO_DEPARTMENTS order; the first (the data bureau's) is credentials' `gateway`. */
  gateways: GatewaySite[];
  /** The data bureau's gateway: the top-level `gateway` of credentials.json. */
  gatewayUrl: string;
  mnemonic: string;
  backends: StartBackendsOptions;
}

/** `KUAJIE_GATEWAY_PORT_GZ_CIVIL_AFFAIRS` for `gz-civil-affairs`. */
export function gatewayPortVariable(departmentKey: string): string {
  return `KUAJIE_GATEWAY_PORT_${departmentKey.toUpperCase().replace(/-/g, "_")}`;
}

/**
 * The first gateway on KUAJIE_GATEWAY_PORT (default 8080), the others on the following ports, each overridable by
 * its own variable; two gateways on one port is a usage error.
 */
function gatewaySites(env: NodeJS.ProcessEnv, basePort: number): GatewaySite[] {
  const sites = DEMO_DEPARTMENTS.map((d, i) => {
    const portVariable = gatewayPortVariable(d.key);
    const named = env[portVariable]?.trim();
    const parsed = named ? portSchema(portVariable).safeParse(named) : { success: true as const, data: basePort + i };
    if (!parsed.success) throw new StartError(parsed.error.issues.map((issue) => issue.message).join("\n"), 2);
    if (parsed.data > 65_535) {
      throw new StartError(`KUAJIE_GATEWAY_PORT ${basePort} leaves no port for ${d.key}: set ${portVariable}`, 2);
    }
    return { key: d.key, portVariable, port: parsed.data, url: `http://${HOST}:${parsed.data}` };
  });
  for (const site of sites) {
    const other = sites.find((s) => s !== site && s.port === site.port);
    if (other) throw new StartError(`the gateways of ${other.key} and ${site.key} would share port ${site.port}`, 2);
  }
  return sites;
}

export function readSettings(env: NodeJS.ProcessEnv, argv: readonly string[]): Settings {
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
  const gateways = gatewaySites(env, gatewayPort);
  return {
    files: devFiles(devDataDir(env)),
    runGateway: !argv.includes("--no-gateway"),
    rpcPort,
    rpcUrl: `http://${HOST}:${rpcPort}`,
    gateways,
    gatewayUrl: gateways[0].url,
    mnemonic: env.KUAJIE_DEV_MNEMONIC?.trim().replace(/\s+/g, " ") || HARDHAT_DEV_MNEMONIC,
    backends,
  };
}
