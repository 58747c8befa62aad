/**
 * Connects to the chain and checks that it is the chain the deployment file describes: same chain id, same genesis
 * block, contract code at every address. A chain that cannot be reached is a usage error (exit 2); a chain that is
 * reachable but is not the deployment's is a `wrong_deployment` violation (exit 1).
 */
import { FetchRequest, JsonRpcProvider, Network, type Block, type Provider } from "ethers";
import { IConsentRegistry__factory } from "../../typechain-types/factories/contracts/consent/IConsentRegistry__factory";
import { IGrants__factory } from "../../typechain-types/factories/contracts/sharing/IGrants__factory";
import { CONTRACT_NAMES } from "../../core/contracts";
import { readDeploymentFile, type DeploymentFile } from "./deployment-file";
import { UsageError } from "./errors";
import { DEFAULT_PAGE_BLOCKS, EventSource } from "./event-source";
import { rpcLogReader } from "./log-reader";

const DEFAULT_RPC = "http://127.0.0.1:8545";
export const DEFAULT_DEPLOYMENT_FILE = ".kuajie/dev/deployment.json";
const PROBE_TIMEOUT_MS = 5_000;

export interface ConnectOptions {
  rpc?: string;
  deploymentFile: string;
  pageBlocks?: number;
  /** A provider to use instead of connecting to `rpc` (tests hand the in-process network). */
  provider?: Provider;
}

export interface AuditContext {
  provider: Provider;
  rpc: string;
  deploymentFile: string;
  deployment: DeploymentFile;
  chainId: number;
  /** The block every read reflects: the latest block when the auditor connected. */
  head: { number: number; time: number };
  events: EventSource;
  /** Why the chain is not the deployment's; empty when it is. */
  deploymentProblems: string[];
  close(): void;
}

export async function connect(options: ConnectOptions): Promise<AuditContext> {
  const deployment = readDeploymentFile(options.deploymentFile);
  const rpc = options.rpc ?? deployment.rpc ?? (options.provider ? "the provider given" : DEFAULT_RPC);
  const provider = options.provider ?? (await openRpc(rpc));
  const owned = options.provider === undefined;
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    // Everything the checks read, asked at once (one round trip to the node instead of six in turn); each answer is
    // then looked at in the order the checks always took, so a failure is the one it always was.
    const reads = deploymentReads(provider, deployment);
    let latest: Block | null;
    try {
      latest = await provider.getBlock("latest");
    } catch (error) {
      reads.ignore();
      throw error;
    }
    if (!latest) {
      reads.ignore();
      throw new UsageError(`${rpc} returned no latest block: check that it is an Ethereum JSON-RPC node`);
    }
    const problems = await deploymentProblems(reads, deployment, chainId, latest.number);
    const fromBlock = Math.min(deployment.deploymentBlock, latest.number);
    return {
      provider,
      rpc,
      deploymentFile: options.deploymentFile,
      deployment,
      chainId,
      head: { number: latest.number, time: latest.timestamp },
      events: new EventSource(provider, fromBlock, latest.number, {
        pageBlocks: options.pageBlocks ?? DEFAULT_PAGE_BLOCKS,
        // Over the node's URL when the auditor opened it; a provider handed in (a test's) is read through.
        readLogs: owned ? rpcLogReader(rpc) : undefined,
      }),
      deploymentProblems: problems,
      close: () => {
        if (owned) provider.destroy();
      },
    };
  } catch (error) {
    if (owned) provider.destroy();
    throw error;
  }
}

/** Asks the node for its chain id first, so that an unreachable node is one clear message rather than retries. */
async function openRpc(rpc: string): Promise<Provider> {
  let url: URL;
  try {
    url = new URL(rpc);
  } catch {
    throw new UsageError(`--rpc ${JSON.stringify(rpc)} is not a URL: pass e.g. --rpc ${DEFAULT_RPC}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--rpc ${rpc} is not http(s): pass the node's HTTP JSON-RPC URL, e.g. ${DEFAULT_RPC}`);
  }
  let chainId: bigint;
  try {
    // ethers' own HTTP client, as the provider's: Node's `fetch` would load undici for this one call (30 ms a start).
    const probe = new FetchRequest(rpc);
    probe.body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
    probe.setHeader("content-type", "application/json");
    probe.timeout = PROBE_TIMEOUT_MS;
    const body = (await probe.send()).bodyJson as { result?: string };
    if (typeof body.result !== "string") throw new Error("no chain id");
    chainId = BigInt(body.result);
  } catch {
    throw new UsageError(`cannot reach ${rpc}: start the chain with \`npm start\` or pass --rpc`);
  }
  // No cache of answers: ethers keeps each for 250 ms behind a timer that holds the process open, so every audit
  // waited up to a quarter of a second after its report for its last read's timer (the auditor asks each thing once).
  return new JsonRpcProvider(rpc, undefined, { staticNetwork: Network.from(chainId), cacheTimeout: -1 });
}

/** The chain's answers the deployment checks need, asked for together. */
interface DeploymentReads {
  genesis: Promise<Block | null> | undefined;
  codes: Promise<string[]>;
  wiring: Promise<string[]>;
  /** Marks the reads as not wanted (their failures are then not reported). */
  ignore(): void;
}

function deploymentReads(provider: Provider, deployment: DeploymentFile): DeploymentReads {
  const reads = {
    genesis: deployment.genesisHash ? provider.getBlock(0) : undefined,
    codes: Promise.all(CONTRACT_NAMES.map((name) => provider.getCode(deployment.contracts[name]))),
    wiring: wiringProblems(provider, deployment),
  };
  const ignore = () => {
    for (const read of [reads.genesis, reads.codes, reads.wiring]) read?.catch(() => undefined);
  };
  // Until looked at, a failed read is not an unhandled rejection: the checks look at each in turn, or ignore them.
  ignore();
  return { ...reads, ignore };
}

async function deploymentProblems(
  reads: DeploymentReads,
  deployment: DeploymentFile,
  chainId: number,
  latestBlock: number,
): Promise<string[]> {
  const problems: string[] = [];
  if (chainId !== deployment.chainId) {
    problems.push(`the chain's id is ${chainId}, the deployment file says ${deployment.chainId}`);
  }
  if (deployment.genesisHash) {
    const genesis = await reads.genesis;
    if (genesis?.hash?.toLowerCase() !== deployment.genesisHash.toLowerCase()) {
      problems.push(
        `the chain's genesis block is ${genesis?.hash ?? "missing"}, the deployment file says ${deployment.genesisHash} (a restarted chain?)`,
      );
    }
  }
  if (deployment.deploymentBlock > latestBlock) {
    problems.push(
      `the chain has ${latestBlock + 1} blocks, the deployment file says it was deployed at block ${deployment.deploymentBlock}`,
    );
  }
  const codes = await reads.codes;
  CONTRACT_NAMES.forEach((name, i) => {
    if (codes[i] === "0x") problems.push(`no contract code at ${name} ${deployment.contracts[name]}`);
  });
  // Read with the rest, reported only for a deployment that passed every check above.
  if (problems.length === 0) problems.push(...(await reads.wiring));
  return problems;
}

/** The contracts name each other: a file whose addresses are real contracts but not this system's is caught here. */
async function wiringProblems(provider: Provider, deployment: DeploymentFile): Promise<string[]> {
  const { Consortium, Grants, SharingAgreements, ConsentRegistry } = deployment.contracts;
  const links = [
    {
      name: "Grants",
      at: Grants,
      expected: SharingAgreements,
      read: () => IGrants__factory.connect(Grants, provider).sharingAgreements(),
    },
    {
      name: "ConsentRegistry",
      at: ConsentRegistry,
      expected: Consortium,
      read: () => IConsentRegistry__factory.connect(ConsentRegistry, provider).consortium(),
    },
  ];
  const answers = await Promise.all(links.map(({ read }) => read().catch(() => undefined)));
  const problems: string[] = [];
  for (const [i, { name, at, expected }] of links.entries()) {
    const actual = answers[i];
    if (actual?.toLowerCase() !== expected.toLowerCase()) {
      problems.push(
        `${name} at ${at} does not belong to this deployment (it names ${actual ?? "nothing"}, the file says ${expected})`,
      );
    }
  }
  return problems;
}
