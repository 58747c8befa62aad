import { getAddress, isHexString, type Interface, type JsonRpcApiProvider, type Wallet } from "ethers";
import type Database from "better-sqlite3";
import pino, { type BaseLogger } from "pino";
import {
  ChainResetError,
  ChainUnavailableError,
  describeNodeError,
  isNetworkError,
  SenderStoppedError,
  UnknownOutboxRowError,
  UnknownSignerError,
} from "./errors";
import type { JsonObject } from "../common/indexed-event";
import {
  KeyWorker,
  publicRow,
  type FeeFields,
  type SenderFaults,
  type WorkerContext,
  type WorkerSettings,
} from "./key-worker";
import { OutboxStore, type OutboxRow } from "./outbox";
import { migrateChainSchema } from "./schema";

export type { OutboxRow } from "./outbox";
export interface TxRequest {
  to: string;
  data: string;
  /** Used as given; without it the gas is estimated and a margin added. */
  gasLimit?: bigint;
}

export interface SubmitOptions {
  /** A second submit with the same key returns the first row's id instead of queueing again. */
  dedupeKey?: string;
}

export interface TxSenderOptions {
  db: Database.Database;
  provider: JsonRpcApiProvider;
  /** Signed into every transaction (EIP-155); the node must report the same id. */
  chainId: number;
  /** One signing key per served department (see keys.ts). */
  signers: ReadonlyMap<string, Wallet>;
  /** The contracts' ABIs, to decode reverts into custom errors. */
  interfaces?: readonly Interface[];
  logger?: BaseLogger;
  gasMarginPercent?: number;
  /** Gas for a call that must be sent although its estimate failed (its nonce is needed). */
  fallbackGasLimit?: bigint;
  /** How often receipts are polled while transactions are in flight. */
  pollIntervalMs?: number;
  /** How often an idle key looks at the chain. */
  idleIntervalMs?: number;
  /** How often the chain's identity (genesis, a recorded block) is verified. */
  chainCheckIntervalMs?: number;
  /** A sent transaction the chain has not mined after this long is broadcast again (same bytes). */
  rebroadcastAfterMs?: number;
  maxBackoffMs?: number;
  faults?: SenderFaults;
}

type SenderState = "idle" | "running" | "unavailable" | "chain_reset" | "stopped";

export interface SenderStatus {
  state: SenderState;
  /** Genesis hash of the chain the outbox belongs to, once known. */
  genesis: string | null;
  pending: number;
  chainReset: ChainResetError | null;
  /** Last problem per key that is not making progress (`insufficient_funds: …`, `network: …`). */
  keyErrors: Record<string, string>;
}

interface Waiter {
  resolve(row: OutboxRow): void;
  reject(error: Error): void;
}

const FINAL_STATUSES = new Set(["mined", "reverted", "failed"]);

/**
 * Durable, serialised transaction sending for the gateway's department keys. `submit` persists an intent with its
 * nonce before returning; one worker per key signs and broadcasts in nonce order and records receipts; `waitFor`
 * resolves with the final row. State survives a crash at any point: `start` reconciles with the chain first.
 */
export class TxSender {
  private readonly store: OutboxStore;
  private readonly workers = new Map<string, KeyWorker>();
  private readonly waiters = new Map<number, Waiter[]>();
  private readonly logger: BaseLogger;
  private readonly context: WorkerContext;
  private genesis: string | null;
  private reset: ChainResetError | null = null;
  private lastChainCheck = 0;
  private chainCheck: Promise<string> | null = null;
  private unavailable = false;
  private running = false;
  private stopped = false;
  private feeCache: { at: number; fees: FeeFields } | null = null;
  /** The gas limit of the latest block seen (batches are sized by it), or null before the first fee lookup. */
  blockGasLimit: bigint | null = null;

  constructor(private readonly options: TxSenderOptions) {
    migrateChainSchema(options.db);
    this.store = new OutboxStore(options.db);
    this.logger = options.logger ?? pino({ level: "silent" });
    this.genesis = this.store.getMeta("genesis_hash");
    const settings: WorkerSettings = {
      gasMarginPercent: options.gasMarginPercent ?? 20,
      fallbackGasLimit: options.fallbackGasLimit ?? 1_000_000n,
      pollIntervalMs: options.pollIntervalMs ?? 100,
      idleIntervalMs: options.idleIntervalMs ?? 1_000,
      chainCheckIntervalMs: options.chainCheckIntervalMs ?? 2_000,
      rebroadcastAfterMs: options.rebroadcastAfterMs ?? 15_000,
      maxBackoffMs: options.maxBackoffMs ?? 5_000,
    };
    this.context = {
      store: this.store,
      provider: options.provider,
      chainId: options.chainId,
      interfaces: options.interfaces ?? [],
      settings,
      logger: this.logger,
      faults: options.faults ?? {},
      checkChain: (force) => this.checkChain(force),
      fees: () => this.fees(),
      rowFinished: (id) => this.rowFinished(id),
      recordCheckpoint: (blockNumber, blockHash) => this.recordCheckpoint(blockNumber, blockHash),
    };
    const owners = new Map<string, string>();
    for (const [key, wallet] of options.signers) {
      const other = owners.get(wallet.address);
      if (other !== undefined) {
        throw new Error(`departments "${other}" and "${key}" share a signing account; each needs its own nonce`);
      }
      owners.set(wallet.address, key);
      this.workers.set(key, new KeyWorker(key, wallet, this.context));
    }
  }

  /**
   * Reconciles every key's pending rows with the chain (crash recovery): mined ones are finalised from their
   * receipts, signed ones the chain has not seen are broadcast again with the same bytes, nonces are synchronised.
   * Throws ChainUnavailableError if the node is down, ChainResetError if it serves another chain.
   */
  async recover(): Promise<void> {
    if (this.running) {
      throw new Error("recover() runs before start(); a running sender reconciles by itself");
    }
    try {
      for (const worker of this.workers.values()) {
        await worker.recover();
      }
    } catch (error) {
      throw isNetworkError(error) ? new ChainUnavailableError(describeNodeError(error).message) : error;
    }
  }

  /**
   * Recovers and starts the workers. A node that is down or reset does not stop the start: the workers keep
   * retrying, and `status()` says what is wrong.
   */
  async start(): Promise<void> {
    try {
      await this.recover();
    } catch (error) {
      if (!(error instanceof ChainUnavailableError || error instanceof ChainResetError)) {
        throw error;
      }
      this.logger.warn({ err: error.message }, "transaction sender starts without a usable chain");
    }
    this.running = true;
    this.stopped = false;
    for (const worker of this.workers.values()) {
      worker.start();
    }
  }

  /** Stops the workers after their current step; rows not final stay in the outbox and their waiters are rejected. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
    this.running = false;
    for (const [id, waiters] of this.waiters) {
      this.waiters.delete(id);
      waiters.forEach((w) => w.reject(new SenderStoppedError()));
    }
  }

  /**
   * Persists a transaction for department `key` and returns its outbox id. The row and its nonce are committed
   * before this returns, so an acknowledged write survives a crash. Throws UnknownSignerError, ChainResetError, or
   * ChainUnavailableError when this key's nonce has never been synchronised with the chain.
   */
  submit(key: string, tx: TxRequest, meta: JsonObject = {}, options: SubmitOptions = {}): number {
    const worker = this.workers.get(key);
    if (!worker) {
      throw new UnknownSignerError(key);
    }
    if (this.reset) {
      throw this.reset;
    }
    if (!isHexString(tx.data)) {
      throw new TypeError("transaction data must be 0x-prefixed hex");
    }
    if (tx.gasLimit !== undefined && tx.gasLimit <= 0n) {
      throw new RangeError("gasLimit must be positive");
    }
    if (options.dedupeKey !== undefined) {
      const existing = this.store.findByDedupeKey(options.dedupeKey);
      if (existing) {
        return existing.id;
      }
    }
    const genesis = this.genesis;
    const id =
      genesis === null
        ? null
        : this.store.insert(
            {
              genesis,
              key,
              sender: worker.address,
              to: getAddress(tx.to),
              data: tx.data.toLowerCase(),
              gasLimit: tx.gasLimit ?? null,
              dedupeKey: options.dedupeKey ?? null,
              meta,
            },
            Date.now(),
          );
    if (id === null) {
      throw new ChainUnavailableError(`the nonce of "${key}" has not been synchronised with the chain yet`);
    }
    worker.poke();
    return id;
  }

  /** Resolves with the row once it is mined, reverted or failed; rejects on a chain reset or when stopped. */
  waitFor(outboxId: number): Promise<OutboxRow> {
    const row = this.store.get(outboxId);
    if (!row) {
      return Promise.reject(new UnknownOutboxRowError(outboxId));
    }
    if (FINAL_STATUSES.has(row.status)) {
      return Promise.resolve(publicRow(row));
    }
    if (this.reset) {
      return Promise.reject(this.reset);
    }
    if (this.stopped) {
      return Promise.reject(new SenderStoppedError());
    }
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(outboxId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(outboxId, list);
    });
  }

  get(outboxId: number): OutboxRow | undefined {
    const row = this.store.get(outboxId);
    return row && publicRow(row);
  }

  /** Rows not final yet (queued, signed or sent), for one key or all: the outbox depth of health and metrics. */
  pendingCount(key?: string): number {
    return this.store.pendingCount(key);
  }

  status(): SenderStatus {
    const keyErrors: Record<string, string> = {};
    for (const [key, worker] of this.workers) {
      if (worker.lastError !== null) {
        keyErrors[key] = worker.lastError;
      }
    }
    let state: SenderState = this.running ? "running" : "idle";
    if (this.stopped) {
      state = "stopped";
    } else if (this.reset) {
      state = "chain_reset";
    } else if (this.unavailable) {
      state = "unavailable";
    }
    return { state, genesis: this.genesis, pending: this.store.pendingCount(), chainReset: this.reset, keyErrors };
  }

  /**
   * After a reported chain reset, an operator's decision: the pending rows of the old chain fail with
   * `chain_reset`, and the sender serves the node's current chain from its current nonces. Returns how many rows
   * were abandoned.
   */
  async adoptNewChain(): Promise<number> {
    const reset = this.reset;
    if (!reset) {
      throw new Error("there is no chain reset to adopt");
    }
    const abandoned = this.store.abandonChain(reset.storedGenesis, `chain_reset: ${reset.reason}`, Date.now());
    this.store.setMeta("genesis_hash", reset.currentGenesis);
    this.store.setMeta("checkpoint", null);
    this.genesis = reset.currentGenesis;
    this.reset = null;
    this.lastChainCheck = 0;
    this.logger.warn({ abandoned: abandoned.length, genesis: reset.currentGenesis }, "adopted a new chain");
    for (const worker of this.workers.values()) {
      worker.desync();
      worker.poke();
    }
    return abandoned.length;
  }

  private async checkChain(force: boolean): Promise<string> {
    const fresh = Date.now() - this.lastChainCheck < this.context.settings.chainCheckIntervalMs;
    if (!force && fresh && this.genesis !== null && this.reset === null) {
      return this.genesis;
    }
    this.chainCheck ??= this.verifyChain().finally(() => {
      this.chainCheck = null;
    });
    return this.chainCheck;
  }

  /** The node's genesis and chain id must match the stored ones, and the newest block we recorded must still exist. */
  private async verifyChain(): Promise<string> {
    const { provider } = this.options;
    let chainIdHex: string;
    let genesisBlock: { hash: string } | null;
    let checkpointBlock: { hash: string } | null;
    // One round trip (the provider batches requests sent together): this check runs before every send and after
    // every receipt, on the path of each consent batch.
    const checkpoint = this.store.getMeta("checkpoint");
    try {
      [chainIdHex, genesisBlock, checkpointBlock] = await Promise.all([
        provider.send("eth_chainId", []) as Promise<string>,
        provider.send("eth_getBlockByNumber", ["0x0", false]) as Promise<{ hash: string } | null>,
        checkpoint === null
          ? null
          : (provider.send("eth_getBlockByNumber", [
              `0x${Number(checkpoint.split(":")[0]).toString(16)}`,
              false,
            ]) as Promise<{ hash: string } | null>),
      ]);
    } catch (error) {
      this.unavailable = isNetworkError(error);
      throw error;
    }
    this.unavailable = false;
    if (!genesisBlock) {
      throw new ChainUnavailableError("the node returned no genesis block");
    }
    const current = genesisBlock.hash;
    const stored = this.store.getMeta("genesis_hash");
    let problem: ChainResetError["reason"] | null = null;
    if (Number(BigInt(chainIdHex)) !== this.options.chainId) {
      problem = "chain_id_changed";
    } else if (stored !== null && stored !== current) {
      problem = "genesis_changed";
    } else if (stored !== null && checkpoint !== null && checkpointBlock?.hash !== checkpoint.split(":")[1]) {
      problem = "history_changed";
    }
    if (problem) {
      this.declareReset(new ChainResetError(problem, stored ?? current, current));
      throw this.reset;
    }
    if (stored === null) {
      this.store.setMeta("genesis_hash", current);
      this.genesis = current;
    }
    if (this.reset) {
      this.logger.warn({ genesis: current }, "the node serves the stored chain again");
      this.reset = null;
    }
    this.lastChainCheck = Date.now();
    return current;
  }

  private declareReset(reset: ChainResetError): void {
    if (!this.reset) {
      this.logger.error(
        { reason: reset.reason, storedGenesis: reset.storedGenesis, currentGenesis: reset.currentGenesis },
        "the chain was reset; sending stops until the new chain is adopted",
      );
    }
    this.reset = reset;
    for (const [id, waiters] of this.waiters) {
      this.waiters.delete(id);
      waiters.forEach((w) => w.reject(reset));
    }
  }

  private recordCheckpoint(blockNumber: number, blockHash: string): void {
    const current = this.store.getMeta("checkpoint");
    if (current === null || Number(current.split(":")[0]) < blockNumber) {
      this.store.setMeta("checkpoint", `${blockNumber}:${blockHash}`);
    }
  }

  private rowFinished(id: number): void {
    const waiters = this.waiters.get(id);
    if (!waiters) {
      return;
    }
    const row = this.store.get(id);
    if (row && FINAL_STATUSES.has(row.status)) {
      this.waiters.delete(id);
      const result = publicRow(row);
      waiters.forEach((w) => w.resolve(result));
    }
  }

  /** Gas price or EIP-1559 fees as the node suggests them, cached for a second. */
  private async fees(): Promise<FeeFields> {
    if (this.feeCache && Date.now() - this.feeCache.at < 1_000) {
      return this.feeCache.fees;
    }
    const { provider } = this.options;
    // Asked together (one round trip): a node without EIP-1559 may refuse the priority fee, which is then not needed.
    const [block, gasPriceHex, priorityHex] = await Promise.all([
      provider.send("eth_getBlockByNumber", ["latest", false]) as Promise<{
        baseFeePerGas?: string;
        gasLimit?: string;
      } | null>,
      provider.send("eth_gasPrice", []) as Promise<string>,
      (provider.send("eth_maxPriorityFeePerGas", []) as Promise<string>).catch((error: unknown) => {
        if (isNetworkError(error)) throw error;
        return null;
      }),
    ]);
    const gasPrice = BigInt(gasPriceHex);
    if (block?.gasLimit !== undefined) this.blockGasLimit = BigInt(block.gasLimit);
    let fees: FeeFields;
    if (!block || block.baseFeePerGas === undefined) {
      fees = { type: 0, gasPrice };
    } else {
      const baseFee = BigInt(block.baseFeePerGas);
      const priority = priorityHex !== null ? BigInt(priorityHex) : gasPrice > baseFee ? gasPrice - baseFee : 0n;
      fees = { type: 2, maxFeePerGas: baseFee * 2n + priority, maxPriorityFeePerGas: priority };
    }
    this.feeCache = { at: Date.now(), fees };
    return fees;
  }
}
