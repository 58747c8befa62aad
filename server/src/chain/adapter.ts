import { digestSigner } from "../../../core/crypto/ecdsa";
import { typedDataDigest } from "../../../core/crypto/typed-data";
import type { TypedDataSigner } from "../../../core/exchange";
import type Database from "better-sqlite3";
import { Interface, type JsonRpcApiProvider, type Wallet } from "ethers";
import pino, { type BaseLogger } from "pino";
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
} from "../../../typechain-types";
import { ChainClock, nextBlockTime } from "./chain-clock";
import { CONTRACT_NAMES, type ContractName, type Deployment } from "./deployment";
import { TransactionFailedError, TransactionRevertedError, UnknownSignerError, WritePendingError } from "./errors";
import type { IndexedEvent, JsonObject } from "../common/indexed-event";
import { EventIndexer } from "./indexer";
import { abiArgsToJson } from "./json";
import type { ReceiptLog } from "./outbox";
import { TxSender, type OutboxRow } from "./tx-sender";

/** The ABI of each contract, from the generated types: the one place the gateway learns the contracts' shapes. */
export const CONTRACT_INTERFACES: Record<ContractName, Interface> = {
  Consortium: new Interface(Consortium__factory.abi),
  DataCatalog: new Interface(DataCatalog__factory.abi),
  SharingAgreements: new Interface(SharingAgreements__factory.abi),
  Grants: new Interface(Grants__factory.abi),
  ConsentRegistry: new Interface(ConsentRegistry__factory.abi),
  AccessLedger: new Interface(AccessLedger__factory.abi),
  WorkingCalendar: new Interface(WorkingCalendar__factory.abi),
  DemandRegistry: new Interface(DemandRegistry__factory.abi),
  Objections: new Interface(Objections__factory.abi),
};

/** An event of a Kuajie contract emitted by a write, decoded; arguments as JSON (integers as decimal strings). */
export interface WriteEvent {
  contract: ContractName;
  name: string;
  args: JsonObject;
  logIndex: number;
}

export interface WriteResult {
  outboxId: number;
  txHash: string;
  blockNumber: number;
  /** The receipt's events of Kuajie contracts, decoded (none with `decodeEvents: false`). */
  events: WriteEvent[];
  /** The receipt's logs as the node gave them. */
  logs: readonly ReceiptLog[];
}

interface WriteOptions {
  /** A second write with the same key returns the first row's outcome instead of queueing again. */
  dedupeKey?: string;
  /** Sent as given instead of the node's estimate plus a margin (a call whose gas is known in advance). */
  gasLimit?: bigint;
  /**
   * false: leave `events` empty (the caller reads the few topics it needs from `logs`): decoding hundreds of events
   * with ethers costs a batch's writer more than the batch's sending.
   */
  decodeEvents?: boolean;
  /**
   * Called once the transaction is mined without a revert, before the wait for the indexer: a caller that serialises
   * its writes (the consent batcher) queues the next one then, so that it is signed and mined while this one's block
   * is indexed and answered.
   */
  onMined?: () => void;
}

/** The contracts' errors that compare a time with `block.timestamp`: their problem detail names the chain's clock. */
const JUDGED_BY_BLOCK_TIME = new Set([
  "ConsentExpiredSignature",
  "ConsentValidityEnded",
  "SharingExpiredSignature",
  "SharingReplyDeadlineNotReached",
  "ConsortiumProposalExpired",
]);

/**
 * The ConsentRegistry events the consent store (store/consents.ts) keeps in full, in typed columns: the indexer does
 * not copy them into its `events` table too, since they are most of a province's events (issue 17, docs/SCALE.md).
 */
export const CONSENT_EVENTS_STORED_BY_PROJECTION: ReadonlySet<string> = new Set(
  ["ConsentRecorded", "ConsentSuperseded", "ConsentWithdrawn", "ConsentRevoked"].map(
    (name) => `ConsentRegistry.${name}`,
  ),
);

export interface KuajieChainOptions {
  db: Database.Database;
  provider: JsonRpcApiProvider;
  deployment: Deployment;
  /** The signing key of each department this gateway serves. */
  signers: ReadonlyMap<string, Wallet>;
  logger?: BaseLogger;
  /** How long a write waits to be mined before it is answered 202 (default 15 s). */
  writeWaitMs?: number;
  /** Indexer poll interval (default 250 ms). */
  pollIntervalMs?: number;
  /** The widest block range of one eth_getLogs (default 1,000, Besu's own cap). */
  maxBlockRange?: number;
}

/**
 * The gateway's one door to the chain: writes go through the durable outbox of the department's key and come back
 * with their decoded events once the indexer has seen their block (so a read right after a write reflects it);
 * reads are served by feature projections fed by the indexer, never by per-request calls.
 */
export class KuajieChain {
  readonly sender: TxSender;
  readonly indexer: EventIndexer;
  /** A lower bound of the chain's own clock (the anchorer waits for it to reach a receipt's time). */
  readonly clock: ChainClock;
  readonly deployment: Deployment;
  private readonly byAddress = new Map<string, ContractName>();
  private readonly writeWaitMs: number;
  private readonly typedDataSigners = new Map<string, TypedDataSigner>();

  constructor(private readonly options: KuajieChainOptions) {
    this.deployment = options.deployment;
    this.writeWaitMs = options.writeWaitMs ?? 15_000;
    const logger = options.logger ?? pino({ level: "silent" });
    for (const name of CONTRACT_NAMES) this.byAddress.set(options.deployment.contracts[name].toLowerCase(), name);
    this.sender = new TxSender({
      db: options.db,
      provider: options.provider,
      chainId: options.deployment.chainId,
      signers: options.signers,
      interfaces: Object.values(CONTRACT_INTERFACES),
      logger,
    });
    this.indexer = new EventIndexer({
      db: options.db,
      provider: options.provider,
      contracts: CONTRACT_NAMES.map((name) => ({
        name,
        address: options.deployment.contracts[name],
        iface: CONTRACT_INTERFACES[name],
      })),
      fromBlock: options.deployment.deploymentBlock,
      pollIntervalMs: options.pollIntervalMs,
      storedByProjections: CONSENT_EVENTS_STORED_BY_PROJECTION,
      maxBlockRange: options.maxBlockRange,
      logger,
    });
    this.clock = new ChainClock({ readBlockTime: () => nextBlockTime(options.provider) });
  }

  /**
   * Recovers the outbox and starts following the chain. With `awaitCatchUp` (the default) it resolves once the index
   * has first reached the head (or failed to); without, at once, the indexer catching up in the background.
   */
  async start(options: { awaitCatchUp?: boolean } = {}): Promise<void> {
    await this.sender.start();
    if (options.awaitCatchUp ?? true) await this.indexer.catchUp().catch(() => 0);
    this.indexer.start();
  }

  async stop(): Promise<void> {
    await this.indexer.stop();
    await this.sender.stop();
  }

  /** The account that signs for `departmentKey`, or null when this gateway does not serve it. */
  accountOf(departmentKey: string): string | null {
    return this.options.signers.get(departmentKey)?.address ?? null;
  }

  /**
   * "Now" for time-dependent views (expiry, reply deadlines), in unix seconds: the later of the wall clock and the
   * timestamp of the last indexed block, so that a chain whose clock runs ahead (a test's time travel, a node's
   * drift) is not judged by a clock that lags it. The contracts remain the judges at write time.
   */
  now(): number {
    return Math.max(Math.floor(Date.now() / 1000), this.indexer.status().indexedBlockTime ?? 0);
  }

  /**
   * What signs EIP-712 messages for `departmentKey` (its operator key: the exchange's requests and answers), or null
   * when this gateway does not serve it. Only typed data: transactions go through the outbox.
   */
  /**
   * The department's key as an EIP-712 signer: ethers' digest, computed with the encoder and domain separator cached,
   * signed on libsecp256k1 (core/crypto/ecdsa.ts): the same bytes as `wallet.signTypedData`, without its
   * milliseconds of pure-JavaScript curve arithmetic on every exchange.
   */
  typedDataSigner(departmentKey: string): TypedDataSigner | null {
    let signer = this.typedDataSigners.get(departmentKey);
    if (signer === undefined) {
      const wallet = this.options.signers.get(departmentKey);
      if (!wallet) return null;
      const key = digestSigner(wallet.privateKey);
      signer = {
        signTypedData: async (domain, types, value) => key.sign(typedDataDigest(domain, types, value)),
        signDigest: async (digest) => key.sign(digest),
      };
      this.typedDataSigners.set(departmentKey, signer);
    }
    return signer;
  }

  servedDepartments(): string[] {
    return [...this.options.signers.keys()];
  }

  /**
   * Sends `contract.method(args)` signed by the department's key and waits until it is mined and indexed.
   * Throws TransactionRevertedError (the custom error's name and arguments) when the contract refuses it,
   * WritePendingError when it is safely queued but not mined in time, and UnknownSignerError, ChainResetError,
   * ChainUnavailableError, SenderStoppedError or TransactionFailedError when the chain cannot take it at all (the
   * problem middleware answers them 422, 202 and 503).
   */
  async write(
    departmentKey: string,
    contract: ContractName,
    method: string,
    args: readonly unknown[],
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    if (!this.options.signers.has(departmentKey)) {
      throw new UnknownSignerError(departmentKey);
    }
    return this.writeCalldata(
      departmentKey,
      contract,
      method,
      CONTRACT_INTERFACES[contract].encodeFunctionData(method, args),
      options,
    );
  }

  /**
   * `write` with calldata the caller encoded itself (a large batch encoded without ethers' ABI coder); `method` names
   * the call in the outbox and in errors. The data must be a call of `method` on `contract`.
   */
  async writeCalldata(
    departmentKey: string,
    contract: ContractName,
    method: string,
    data: string,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    if (!this.options.signers.has(departmentKey)) {
      throw new UnknownSignerError(departmentKey);
    }
    const outboxId = this.sender.submit(
      departmentKey,
      { to: this.deployment.contracts[contract], data, gasLimit: options.gasLimit },
      { contract, method },
      { dedupeKey: options.dedupeKey },
    );
    const row = await this.waitMined(outboxId);
    if (row.revert) {
      const clock = JUDGED_BY_BLOCK_TIME.has(row.revert.errorName) ? await this.chainClock() : "";
      throw new TransactionRevertedError(contract, method, row.revert.errorName, row.revert.args, clock);
    }
    if (row.status !== "mined" || row.blockNumber === null || row.txHash === null) {
      throw new TransactionFailedError(outboxId, row.error ?? row.status);
    }
    options.onMined?.();
    await this.indexer.waitForBlock(row.blockNumber, this.writeWaitMs).catch(() => undefined);
    return {
      outboxId,
      txHash: row.txHash,
      blockNumber: row.blockNumber,
      events: options.decodeEvents === false ? [] : this.decodeLogs(row),
      logs: row.logs,
    };
  }

  /**
   * Which clock a deadline or an expiry was judged by, for the error's detail: the chain's (its latest block's
   * timestamp), which a development chain's time travel may have moved away from the wall clock a client signed by.
   */
  private async chainClock(): Promise<string> {
    try {
      const block = await this.options.provider.getBlock("latest");
      if (!block) return "";
      const wall = Math.floor(Date.now() / 1000);
      return (
        `; judged by the chain's clock (block ${block.number} at ${new Date(block.timestamp * 1000).toISOString()}, ` +
        `unix ${block.timestamp}), not this gateway's wall clock (${new Date(wall * 1000).toISOString()})`
      );
    } catch {
      return "";
    }
  }

  /** The gas limit of the chain's latest block as last seen when signing, or null before the first transaction. */
  blockGasLimit(): bigint | null {
    return this.sender.blockGasLimit;
  }

  /** The outbox row of an earlier write (for `GET /v1/outbox/:id`). */
  outboxRow(id: number): OutboxRow | null {
    return this.sender.get(id) ?? null;
  }

  /** The events of the decoded receipt of a mined row. */
  decodeLogs(row: OutboxRow): WriteEvent[] {
    const events: WriteEvent[] = [];
    for (const log of row.logs) {
      const contract = this.byAddress.get(log.address.toLowerCase());
      if (!contract) continue;
      const parsed = CONTRACT_INTERFACES[contract].parseLog({ topics: log.topics, data: log.data });
      if (!parsed) continue;
      events.push({
        contract,
        name: parsed.name,
        args: abiArgsToJson(parsed.args, parsed.fragment.inputs),
        logIndex: log.logIndex,
      });
    }
    return events;
  }

  /** Subscribes a projection to indexed events; see EventIndexer.onEvents. */
  onEvents(handler: (events: readonly IndexedEvent[]) => void): () => void {
    return this.indexer.onEvents(handler);
  }

  private async waitMined(outboxId: number): Promise<OutboxRow> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.writeWaitMs);
    });
    try {
      const row = await Promise.race([this.sender.waitFor(outboxId), timeout]);
      if (row === null) throw new WritePendingError(outboxId);
      return row;
    } finally {
      clearTimeout(timer);
    }
  }
}
