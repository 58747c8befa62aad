/**
 * A whole gateway on the in-process Hardhat network: the real contracts (deployed by the Ignition module, demo
 * departments admitted), the chain adapter with the departments' development keys, the indexer, every feature module
 * (or those given), and a bearer token per department and role. For supertest suites of the feature modules.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import type { BrowserProvider } from "ethers";
import hre, { ethers } from "hardhat";
import { loadConfig, type GatewayConfig } from "../../../server/src/common/config";
import { createLogger } from "../../../server/src/common/logger";
import type { Role } from "../../../server/src/common/request-context";
import { deriveDevSigners } from "../../../server/src/chain/keys";
import { createGateway, type Gateway } from "../../../server/src/gateway";
import type { Feature } from "../../../server/src/modules/feature";
import { TokenService } from "../../../server/src/modules/auth/service";
import { openDatabase, type Db } from "../../../server/src/common/db";
import { TokenStore } from "../../../server/src/store/tokens";
import { DEMO_DEPARTMENTS } from "../../../scripts/lib/demo-departments";
import { deploySystem, type System } from "../../support/system";

export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const TEST_SECRET_HEX = "6b75616a69652d746573742d636f6e736f727469756d2d7365637265742d2d2d";

class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  }
  text(): string {
    return this.lines.join("\n");
  }
}

export interface LiveGateway extends Gateway {
  system: System;
  db: Db;
  config: GatewayConfig;
  logs: LogCapture;
  tokens: TokenService;
  /** `Bearer <token>` for a department key and role (cached per pair). */
  bearer(departmentKey: string | null, role?: Role): string;
}

export interface LiveGatewayOptions {
  features?: readonly Feature[];
  /** Extra configuration variables (KUAJIE_…), e.g. KUAJIE_UPSTREAM_TIMEOUT_MS. */
  env?: Record<string, string>;
  /** A database file instead of ":memory:", so that a second gateway can be started on the first one's state. */
  databaseFile?: string;
  /** An already deployed system (a second gateway on the same chain) instead of a fresh deployment. */
  system?: System;
  /**
   * The demo departments (keys) this gateway serves, and holds the keys of; every one when omitted. Two gateways on
   * one chain must serve disjoint sets: each department's key has one sender, as in production.
   */
  departments?: readonly string[];
  /**
   * Serve the exchange endpoint on a loopback port and publish it on chain for every served provider department
   * (docs/FEDERATION.md), so that a single gateway serving both sides of a fetch calls itself as a provider.
   */
  exchange?: boolean;
  /** Resolve start() at once, the index catching up in the background (as `npm run gateway` starts). */
  catchUpInBackground?: boolean;
  /** Wraps the provider (e.g. to hold its eth_getLogs answers back and watch a gateway catching up). */
  wrapProvider?: (provider: BrowserProvider) => BrowserProvider;
}

/** The demo departments that provide data (they run the demo backends). */
export const PROVIDER_KEYS = ["public-security", "hrss", "health"] as const;

/** Deploys the system and starts a gateway on it. Call `stop()` in an `after` hook. */
export async function startLiveGateway(options: LiveGatewayOptions = {}): Promise<LiveGateway> {
  const system = options.system ?? (await deploySystem());
  const config = loadConfig({
    env: {
      KUAJIE_CONSORTIUM_SECRET: TEST_SECRET_HEX,
      KUAJIE_DEV_MNEMONIC: DEV_MNEMONIC,
      KUAJIE_DATA_DIR: "/tmp/kuajie-test-unused",
      ...options.env,
    },
    cwd: process.cwd(),
  });
  const db = openDatabase(options.databaseFile ?? ":memory:");
  const logs = new LogCapture();
  const logger = createLogger({ level: "debug", destination: logs });
  const servedKeys = new Set(options.departments ?? DEMO_DEPARTMENTS.map((d) => d.key));
  const served = DEMO_DEPARTMENTS.filter((d) => servedKeys.has(d.key)).map((d) => ({
    key: d.key,
    code: d.code,
    name: d.name,
  }));
  // Department i of the demo list signs with the development key i + 1 (0 deployed the contracts).
  const allSigners = deriveDevSigners(
    DEV_MNEMONIC,
    DEMO_DEPARTMENTS.map((d) => d.key),
    { firstIndex: 1 },
  );
  const signers = new Map([...allSigners].filter(([key]) => servedKeys.has(key)));
  const direct = new ethers.BrowserProvider(hre.network.provider as never, 31337, { staticNetwork: true });
  const provider = options.wrapProvider ? options.wrapProvider(direct) : direct;
  const gateway = createGateway({
    config,
    db,
    provider,
    deployment: system.deployment,
    signers,
    served,
    logger,
    features: options.features,
    pollIntervalMs: 50,
    writeWaitMs: 20_000,
  });
  await gateway.start({ awaitCatchUp: !options.catchUpInBackground });
  let stopServer = async () => undefined;
  if (options.exchange) {
    const server = http.createServer(gateway.app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stopServer = () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    };
    for (const key of PROVIDER_KEYS.filter((k) => servedKeys.has(k))) {
      await gateway.chain.write(key, "Consortium", "setGatewayEndpoint", [url]);
    }
  }
  const tokens = new TokenService(new TokenStore(db));
  const cache = new Map<string, string>();
  return {
    ...gateway,
    async stop() {
      await stopServer();
      await gateway.stop();
    },
    system,
    db,
    config,
    logs,
    tokens,
    bearer(departmentKey, role = "operator") {
      const key = `${departmentKey}:${role}`;
      let header = cache.get(key);
      if (!header) {
        header = `Bearer ${tokens.create({ departmentKey, role, label: key }).token}`;
        cache.set(key, header);
      }
      return header;
    },
  };
}
