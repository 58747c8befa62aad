/**
 * The chain side of a benchmark: a Hardhat node on a free loopback port, the six contracts deployed and the
 * consortium founded exactly as the Ignition module does it (same contracts, constructor arguments and `found`
 * call, sent with ethers so that a benchmark needs no Hardhat runtime in its own process), the other demo
 * departments admitted by the council, and fast bulk setup (interval-free mining of many transactions per block).
 */
import path from "node:path";
import {
  AbiCoder,
  HDNodeWallet,
  JsonRpcProvider,
  Network,
  NonceManager,
  Transaction,
  Wallet,
  ZeroHash,
  encodeBytes32String,
  id as keccakText,
  type ContractTransactionResponse,
  type TransactionRequest,
} from "ethers";
import { DEMO_DEPARTMENTS, LEVELS, type DemoDepartment } from "../../scripts/lib/demo-departments";
import { HARDHAT_NODE_ENV } from "../../scripts/lib/hardhat-node-env";
import { publishYearPayload } from "../../scripts/lib/consortium-proposals";
import { currentOfficialYears } from "../../core/calendar/official-calendar";
import { departmentIdOf, makeOrganUscc } from "../../core/identity/uscc";
import type { Deployment } from "../../server/src/chain/deployment";
import {
  AccessLedger__factory,
  ConsentRegistry__factory,
  Consortium__factory,
  DataCatalog__factory,
  DemandRegistry__factory,
  Grants__factory,
  Objections__factory,
  SharingAgreements__factory,
  WorkingCalendar__factory,
  type AccessLedger,
  type ConsentRegistry,
  type Consortium,
  type DataCatalog,
  type Grants,
  type SharingAgreements,
} from "../../typechain-types";
import { HOST, ROOT, freePort, start, waitFor, type Proc } from "./procs";

const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const ADMIT = 0;
const CALL = 7;

export function devWallet(index: number): HDNodeWallet {
  return HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);
}

export interface Node {
  proc: Proc;
  port: number;
  rpc: string;
  provider: JsonRpcProvider;
}

/**
 * `hardhat node` on a free port (chain id 31337, automine, the dev mnemonic's 20 funded accounts), run as `npm start`
 * runs it (scripts/lib/hardhat-node-env.ts); `env` overrides that (e.g. to measure the node without it).
 */
export async function startNode(logDir: string, name = "hardhat-node", env: NodeJS.ProcessEnv = {}): Promise<Node> {
  const port = await freePort();
  const proc = start(
    name,
    process.execPath,
    [path.join(ROOT, "node_modules/hardhat/internal/cli/cli.js"), "node", "--hostname", HOST, "--port", String(port)],
    { logDir, env: { ...HARDHAT_NODE_ENV, ...env } },
  );
  const rpc = `http://${HOST}:${port}`;
  const provider = benchProvider(rpc);
  await waitFor("hardhat node", async () => (await provider.getBlockNumber()) >= 0, 60_000, proc);
  // The node's console trace of every call (decoding each transaction for display) costs CPU the measured
  // processes would share: the figures are taken with it off.
  await provider.send("hardhat_setLoggingEnabled", [false]);
  return { proc, port, rpc, provider };
}

/** A provider for measuring and bulk setup: no batching, no cache, fast polling. */
export function benchProvider(rpc: string): JsonRpcProvider {
  const provider = new JsonRpcProvider(rpc, Network.from(31337), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
  });
  provider.pollingInterval = 50;
  return provider;
}

export interface System {
  deployment: Deployment;
  consortium: Consortium;
  catalog: DataCatalog;
  agreements: SharingAgreements;
  grants: Grants;
  consents: ConsentRegistry;
  ledger: AccessLedger;
}

function profileOf(d: DemoDepartment) {
  const parent = d.parentKey ? DEMO_DEPARTMENTS.find((p) => p.key === d.parentKey)!.id : ZeroHash;
  return {
    id: d.id,
    level: LEVELS.indexOf(d.level),
    regionCode: d.regionCode,
    parent,
    councilSeat: d.council,
    code: d.code,
    name: d.name,
  };
}

/** Deploys the system as ignition/modules/Kuajie.ts does; the data bureau founds it and admits the other demo departments. */
export async function deploySystem(provider: JsonRpcProvider): Promise<System> {
  const deployer = new NonceManager(devWallet(0).connect(provider));
  const consortium = await (await new Consortium__factory(deployer).deploy()).waitForDeployment();
  const first = await consortium.deploymentTransaction()!.wait();
  const c = await consortium.getAddress();
  const catalog = await (await new DataCatalog__factory(deployer).deploy(c)).waitForDeployment();
  const calendar = await (await new WorkingCalendar__factory(deployer).deploy(c)).waitForDeployment();
  const agreements = await (
    await new SharingAgreements__factory(deployer).deploy(c, await catalog.getAddress(), await calendar.getAddress())
  ).waitForDeployment();
  const grants = await (
    await new Grants__factory(deployer).deploy(c, await agreements.getAddress())
  ).waitForDeployment();
  const consents = await (await new ConsentRegistry__factory(deployer).deploy(c)).waitForDeployment();
  const ledger = await (await new AccessLedger__factory(deployer).deploy(c)).waitForDeployment();
  const quality = [c, await catalog.getAddress(), await calendar.getAddress()] as const;
  const demands = await (await new DemandRegistry__factory(deployer).deploy(...quality)).waitForDeployment();
  const objections = await (await new Objections__factory(deployer).deploy(...quality)).waitForDeployment();
  const founders = DEMO_DEPARTMENTS.filter((d) => d.council);
  await wait(
    consortium.found(
      founders.map(profileOf),
      founders.map((d) => devWallet(d.keyIndex).address),
      [
        await agreements.getAddress(),
        await grants.getAddress(),
        await consents.getAddress(),
        await calendar.getAddress(),
        await demands.getAddress(),
        await objections.getAddress(),
      ],
    ),
  );
  const bureau = consortium.connect(new NonceManager(devWallet(1).connect(provider)));
  for (const d of DEMO_DEPARTMENTS.filter((x) => !x.council)) {
    await wait(bureau.propose(ADMIT, admitPayload(profileOf(d), devWallet(d.keyIndex).address)));
  }
  // As `npm start`: the official calendar of this year and the next, where chinese-days carries it.
  const { carried } = currentOfficialYears((await provider.getBlock("latest"))!.timestamp);
  for (const { year, words } of carried) {
    await wait(bureau.propose(CALL, publishYearPayload(await calendar.getAddress(), year, words)));
  }
  const genesis = await provider.getBlock(0);
  const deployment: Deployment = {
    chainId: 31337,
    deploymentBlock: first!.blockNumber,
    genesisHash: genesis!.hash!,
    contracts: {
      Consortium: c,
      DataCatalog: await catalog.getAddress(),
      SharingAgreements: await agreements.getAddress(),
      Grants: await grants.getAddress(),
      ConsentRegistry: await consents.getAddress(),
      AccessLedger: await ledger.getAddress(),
      WorkingCalendar: await calendar.getAddress(),
      DemandRegistry: await demands.getAddress(),
      Objections: await objections.getAddress(),
    },
  };
  return { deployment, consortium, catalog, agreements, grants, consents, ledger };
}

/** The contracts of an existing deployment (one `npm start` made), for reads; `connect` a signer to write. */
export function attachSystem(deployment: Deployment, provider: JsonRpcProvider): System {
  const { contracts } = deployment;
  return {
    deployment,
    consortium: Consortium__factory.connect(contracts.Consortium, provider),
    catalog: DataCatalog__factory.connect(contracts.DataCatalog, provider),
    agreements: SharingAgreements__factory.connect(contracts.SharingAgreements, provider),
    grants: Grants__factory.connect(contracts.Grants, provider),
    consents: ConsentRegistry__factory.connect(contracts.ConsentRegistry, provider),
    ledger: AccessLedger__factory.connect(contracts.AccessLedger, provider),
  };
}

export function admitPayload(profile: ReturnType<typeof profileOf>, admin: string): string {
  return AbiCoder.defaultAbiCoder().encode(
    [
      "tuple(bytes32 id,uint8 level,uint32 regionCode,bytes32 parent,bool councilSeat,string code,string name)",
      "address",
    ],
    [
      [profile.id, profile.level, profile.regionCode, profile.parent, profile.councilSeat, profile.code, profile.name],
      admin,
    ],
  );
}

export async function wait(tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error("transaction failed");
}

/** A synthetic department for growth and audit runs, with its own admin key (never a gateway's key). */
export interface FillerDepartment {
  index: number;
  id: string;
  code: string;
  wallet: Wallet;
}

export function fillerDepartment(index: number): FillerDepartment {
  const orgCode = `BN${String(index).padStart(7, "0")}`;
  const code = makeOrganUscc("440100", orgCode);
  return { index, id: departmentIdOf(code), code, wallet: new Wallet(keccakText(`kuajie bench filler ${index}`)) };
}

export function fillerProfile(f: FillerDepartment) {
  return {
    id: f.id,
    level: LEVELS.indexOf("city"),
    regionCode: 440100,
    parent: ZeroHash,
    councilSeat: false,
    code: f.code,
    name: `Bench department ${f.index}`,
  };
}

/**
 * Sends many transactions with automine off and mines blocks until all are in, so that hundreds of setup
 * transactions cost a few blocks. Each entry is (signer, request); nonces are assigned here per signer, gas is fixed.
 */
export class BulkSender {
  private readonly nonces = new Map<string, number>();
  private readonly pending: Promise<unknown>[] = [];
  private readonly hashes: string[] = [];
  private readonly senders: string[] = [];

  constructor(private readonly provider: JsonRpcProvider) {}

  private gasLimit: string | undefined;

  /** Automine off and a large block gas limit, so that a flush is one block; `end` restores both. */
  async begin(): Promise<void> {
    const latest = (await rpc(this.provider, "eth_getBlockByNumber", ["latest", false])) as { gasLimit: string };
    this.gasLimit = latest.gasLimit;
    await rpc(this.provider, "evm_setAutomine", [false]);
    await rpc(this.provider, "evm_setBlockGasLimit", ["0x" + (2_000_000_000).toString(16)]);
  }

  async send(wallet: Wallet | HDNodeWallet, request: TransactionRequest, gasLimit = 3_000_000n): Promise<void> {
    const from = wallet.address;
    let nonce = this.nonces.get(from);
    if (nonce === undefined) nonce = Number(await rpc(this.provider, "eth_getTransactionCount", [from, "pending"]));
    this.nonces.set(from, nonce + 1);
    const signed = await wallet.signTransaction({
      ...request,
      from,
      nonce,
      gasLimit,
      chainId: 31337n,
      type: 2,
      maxFeePerGas: 50_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    });
    // Sent one after another (the node takes them in order); hashes in the order sent, with their senders.
    const previous = this.pending.at(-1) ?? Promise.resolve();
    const sent = previous.then(async () => {
      const hash = Transaction.from(signed).hash!;
      try {
        await rpc(this.provider, "eth_sendRawTransaction", [signed]);
      } catch (error) {
        // A retried send whose first attempt reached the node: the transaction is already there.
        if (!/already|nonce too low/i.test(String(error))) throw error;
      }
      this.hashes.push(hash);
      this.senders.push(from);
    });
    this.pending.push(sent);
  }

  /** Mines until every sent transaction is in a block; throws if any reverted. */
  async flush(): Promise<void> {
    await Promise.all(this.pending.splice(0));
    const hashes = this.hashes.splice(0);
    const senders = this.senders.splice(0);
    if (hashes.length === 0) return;
    for (let blocks = 0; ; blocks++) {
      await rpc(this.provider, "evm_mine", []);
      const last = await Promise.all(
        lastOfEach(hashes, senders).map((h) => rpc(this.provider, "eth_getTransactionReceipt", [h])),
      );
      if (last.every((r) => r !== null)) break;
      if (blocks > 10_000) throw new Error("bulk setup: transactions are not being mined");
    }
    for (let i = 0; i < hashes.length; i += 200) {
      const receipts = await Promise.all(
        hashes
          .slice(i, i + 200)
          .map((h) => rpc(this.provider, "eth_getTransactionReceipt", [h]) as Promise<{ status: string } | null>),
      );
      const failed = receipts.findIndex((r) => !r || r.status !== "0x1");
      if (failed >= 0) throw new Error(`bulk setup transaction ${hashes[i + failed]} failed or is missing`);
    }
  }

  async end(): Promise<void> {
    await this.flush();
    if (this.gasLimit) await rpc(this.provider, "evm_setBlockGasLimit", [this.gasLimit]);
    await rpc(this.provider, "evm_setAutomine", [true]);
  }
}

/**
 * A JSON-RPC call retried when the node closed an idle kept-alive connection just as it was reused ("socket hang
 * up", ECONNRESET): the setup phases leave the connection idle for seconds while they build large batches.
 */
async function rpc(provider: JsonRpcProvider, method: string, params: unknown[]): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await provider.send(method, params);
    } catch (error) {
      if (attempt >= 4 || !/socket hang up|ECONNRESET|EPIPE/i.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** The last transaction of each sender: every earlier one of that sender is mined when it is. */
function lastOfEach(hashes: readonly string[], senders: readonly string[]): string[] {
  return [...new Map(hashes.map((h, i) => [senders[i], h])).values()];
}

export const purposeBytes = (code: string) => encodeBytes32String(code);
