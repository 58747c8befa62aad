/**
 * The chain and the gateways' databases made ready for the demo departments: the contracts deployed with Ignition,
 * the four other demo departments admitted by the data bureau's council proposals, every department's gateway
 * endpoint published on chain, and a token for each department (at its own gateway) and one auditor (at every one).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { JsonRpcProvider, NonceManager, toBeHex } from "ethers";
import { Consortium__factory, type Consortium } from "../../typechain-types";
import { readDeployment, type Deployment } from "../../server/src/chain/deployment";
import { deriveDevSigners } from "../../server/src/chain/keys";
import { TokenService } from "../../server/src/modules/auth/service";
import { openDatabase } from "../../server/src/common/db";
import { TokenStore } from "../../server/src/store/tokens";
import { currentOfficialYears } from "../../core/calendar/official-calendar";
import { ADMIT, CALL, admitPayload, publishYearPayload } from "../lib/consortium-proposals";
import { DEMO_DEPARTMENTS, demoDepartment } from "../lib/demo-departments";
import { gatewayFiles, type Credentials } from "../lib/dev-files";
import { LoggedProcess, describeExit, tailOf } from "../lib/supervisor";
import { DEPLOY_MS, HARDHAT, ROOT, StartError, say, type Settings } from "./settings";

export interface Tokens {
  departments: Record<string, string>;
  auditor: string;
}

/**
 * `hardhat run scripts/deploy.ts --network localhost`; `track` is told of the deployment process while it runs, so
 * that a stop can end it.
 */
export async function deployContracts(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  track: (deploy: LoggedProcess | null) => void,
): Promise<Deployment> {
  const { files } = settings;
  say(`deploying the contracts with Ignition (log: ${files.deployLog})`);
  const deploymentId = `localhost-start-${Date.now()}`;
  const deployEnv: NodeJS.ProcessEnv = {
    ...env,
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
  track(deploy);
  const timer = setTimeout(() => deploy.child.kill("SIGKILL"), DEPLOY_MS);
  const exit = await deploy.exited;
  clearTimeout(timer);
  track(null);
  // The chain dies with this run, so Ignition's journal of it is of no further use.
  fs.rmSync(path.join(ROOT, "ignition/deployments", deploymentId), { recursive: true, force: true });
  if (exit.code !== 0) {
    throw new StartError(`the deployment ${describeExit(exit)}:\n${tailOf(files.deployLog)}`);
  }
  return readDeployment(files.deployment);
}

/**
 * The data bureau holds the only council seat, so each of its Admit proposals executes at once. It also publishes the
 * working-day calendar of this year and the next by council Call proposals, from chinese-days (the years the package
 * carries; a conditional request whose reply deadline needs another year is refused until the council publishes it).
 * Then every department's admin operator publishes its gateway's endpoint on chain (`Consortium.setGatewayEndpoint`),
 * where the other departments' gateways find it.
 */
export async function admitDemoDepartments(settings: Settings, deployment: Deployment): Promise<void> {
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
    // Nonces counted here: the provider caches eth_getTransactionCount for a moment.
    const consortiumOf = (key: string) =>
      Consortium__factory.connect(
        deployment.contracts.Consortium,
        new NonceManager(signers.get(key)!.connect(provider)),
      );
    const chair = DEMO_DEPARTMENTS.find((d) => d.council)!;
    const council = consortiumOf(chair.key);
    const others = DEMO_DEPARTMENTS.filter((d) => !d.council);
    say(`admitting ${others.map((d) => d.key).join(", ")} by council proposals of ${chair.key}`);
    for (const d of others) {
      await (await council.propose(ADMIT, admitPayload(d, signers.get(d.key)!.address))).wait();
    }
    for (const d of DEMO_DEPARTMENTS) {
      if (!(await council.isActive(d.id))) throw new StartError(`${d.key} was not admitted`);
    }
    await publishCalendar(council, deployment, (await provider.getBlock("latest"))!.timestamp);
    say("each department's admin operator publishes its gateway's endpoint on chain");
    for (const site of settings.gateways) {
      const consortium = site.key === chair.key ? council : consortiumOf(site.key);
      await (await consortium.setGatewayEndpoint(site.url)).wait();
      const published = await consortium.gatewayEndpointOf(demoDepartment(site.key).id);
      if (published !== site.url) throw new StartError(`${site.key}'s endpoint reads ${published}, not ${site.url}`);
    }
  } finally {
    provider.destroy();
  }
}

/** The council publishes the official working-day calendar of the chain's year and the next, where chinese-days has it. */
async function publishCalendar(council: Consortium, deployment: Deployment, now: number): Promise<void> {
  const { carried, notCarried } = currentOfficialYears(now);
  for (const { year, words } of carried) {
    await (await council.propose(CALL, publishYearPayload(deployment.contracts.WorkingCalendar, year, words))).wait();
  }
  say(`the council published the working-day calendar of ${carried.map((c) => c.year).join(" and ") || "no year"}`);
  if (notCarried.length > 0) {
    say(
      `chinese-days carries no official schedule for ${notCarried.join(", ")}: conditional requests whose reply ` +
        "deadline reaches it are refused until the council publishes it",
    );
  }
}

/**
 * Each department's token (council for the council seat holder, operator otherwise) in its own gateway's database
 * only, so that it is refused at every other gateway; the one auditor token in every gateway's database.
 */
export function issueTokens(settings: Settings): Tokens {
  const departments: Record<string, string> = {};
  let auditor: string | null = null;
  for (const d of DEMO_DEPARTMENTS) {
    const db = openDatabase(gatewayFiles(settings.files, d.key).database);
    try {
      const store = new TokenStore(db);
      const service = new TokenService(store);
      departments[d.key] = service.create({
        departmentKey: d.key,
        role: d.council ? "council" : "operator",
        label: "npm start",
      }).token;
      if (auditor === null) {
        auditor = service.create({ departmentKey: null, role: "auditor", label: "npm start" }).token;
      } else {
        // The same auditor at every gateway: its hash, as TokenService stores every token (SHA-256 of the text).
        store.insert({
          tokenHash: createHash("sha256").update(auditor, "utf8").digest(),
          departmentKey: null,
          role: "auditor",
          createdAt: new Date().toISOString(),
          label: "npm start",
        });
      }
    } finally {
      db.close();
    }
  }
  return { departments, auditor: auditor! };
}

/** The content of credentials.json. */
export function credentialsOf(settings: Settings, deployment: Deployment, tokens: Tokens): Credentials {
  const urlOf = (key: string) => settings.gateways.find((g) => g.key === key)!.url;
  return {
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
      gateway: urlOf(d.key),
    })),
    auditor: { token: tokens.auditor },
  };
}
