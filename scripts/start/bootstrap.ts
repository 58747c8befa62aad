/**
 * The chain and the gateway database made ready for the demo departments: the contracts deployed with Ignition, the
 * four other demo departments admitted by the data bureau's council proposals, and a token for each department and
 * one auditor.
 */
import fs from "node:fs";
import path from "node:path";
import { Contract, JsonRpcProvider, NonceManager, toBeHex } from "ethers";
import { readDeployment, type Deployment } from "../../server/src/chain/deployment";
import { deriveDevSigners } from "../../server/src/chain/keys";
import { TokenService } from "../../server/src/modules/auth/service";
import { openDatabase } from "../../server/src/common/db";
import { TokenStore } from "../../server/src/store/tokens";
import { ADMIT, admitPayload } from "../lib/consortium-proposals";
import { DEMO_DEPARTMENTS } from "../lib/demo-departments";
import type { Credentials } from "../lib/dev-files";
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

/** The data bureau holds the only council seat, so each of its Admit proposals executes at once. */
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
export function issueTokens(settings: Settings): Tokens {
  const db = openDatabase(settings.files.database);
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

/** The content of credentials.json. */
export function credentialsOf(settings: Settings, deployment: Deployment, tokens: Tokens): Credentials {
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
    })),
    auditor: { token: tokens.auditor },
  };
}
