import { toQuantity, type Interface, type JsonRpcApiProvider, type Wallet } from "ethers";
import type { BaseLogger } from "pino";
import {
  ChainResetError,
  describeNodeError,
  InsufficientFundsError,
  TransactionRejectedError,
  type NodeErrorDescription,
} from "./errors";
import type { OutboxRow, OutboxStore, ReceiptLog, RowHead, StoredRow } from "./outbox";
import { decodeRevert } from "./revert";
import { transactionSigner, type TransactionSigner } from "./tx-signing";

/** Fault-injection points (tests): a hook that throws halts this key's worker right there, as a killed process would. */
export interface SenderFaults {
  /** After the signed transaction and its hash are stored, before it is broadcast. */
  afterSign?(row: OutboxRow): void;
  /** After the node accepted the transaction, before the sender records that it did. */
  afterBroadcast?(row: OutboxRow): void;
}

export interface WorkerSettings {
  gasMarginPercent: number;
  fallbackGasLimit: bigint;
  pollIntervalMs: number;
  idleIntervalMs: number;
  chainCheckIntervalMs: number;
  rebroadcastAfterMs: number;
  maxBackoffMs: number;
}

/** What a key's worker needs from the sender that owns it. */
export interface WorkerContext {
  readonly store: OutboxStore;
  readonly provider: JsonRpcApiProvider;
  readonly chainId: number;
  readonly interfaces: readonly Interface[];
  readonly settings: WorkerSettings;
  readonly logger: BaseLogger;
  readonly faults: SenderFaults;
  /** The genesis hash of the chain being served; throws ChainResetError when the node serves another chain. */
  checkChain(force: boolean): Promise<string>;
  fees(): Promise<FeeFields>;
  rowFinished(id: number): void;
  recordCheckpoint(blockNumber: number, blockHash: string): void;
}

export type FeeFields = { type: 0; gasPrice: bigint } | { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

interface RawReceipt {
  status: string;
  blockNumber: string;
  blockHash: string;
  gasUsed: string;
  logs: { address: string; topics: string[]; data: string; logIndex: string }[];
  /** Besu (with --revert-reason-enabled) puts the revert data in the receipt. */
  revertReason?: string;
}

class FaultHalt extends Error {}

/**
 * Receipts asked for in one batched JSON-RPC request: with the nonce count and the chain check's three calls, within
 * the 100 calls ethers puts in one HTTP request (its `batchMaxCount`), so that all of them are one request.
 */
const RECEIPTS_PER_ROUND_TRIP = 96;

/**
 * The single serialised sender of one signing key. It signs and broadcasts the key's outbox rows strictly in nonce
 * order (one eth_sendRawTransaction after the other), then collects receipts; on any doubt it reconciles the rows
 * with the chain by nonce and hash. Every state change is written to SQLite before the next network step.
 */
export class KeyWorker {
  private synced = false;
  private stopped = false;
  private failures = 0;
  private wake: (() => void) | null = null;
  /** A poke that came while the worker was busy: its next sleep is skipped, so that the new row is not left idle. */
  private poked = false;
  private loop: Promise<void> | null = null;
  /** The key as a native transaction signer (tx-signing.ts): the wallet's bytes, without its milliseconds. */
  private readonly signer: TransactionSigner;
  lastError: string | null = null;

  constructor(
    readonly key: string,
    private readonly wallet: Wallet,
    private readonly ctx: WorkerContext,
  ) {
    this.signer = transactionSigner(wallet.privateKey);
  }

  get address(): string {
    return this.wallet.address;
  }

  start(): void {
    this.stopped = false;
    this.loop ??= this.run().finally(() => {
      this.loop = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.poke();
    await this.loop;
  }

  /** Wakes the worker now (new row, chain adopted). */
  poke(): void {
    if (this.wake) this.wake();
    else this.poked = true;
  }

  /** Forces a reconciliation with the chain before the next send. */
  desync(): void {
    this.synced = false;
  }

  /** Reconciles with the chain now; only while the loop is not running. */
  async recover(): Promise<void> {
    const genesis = await this.ctx.checkChain(true);
    await this.reconcile(genesis, true);
    this.synced = true;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let delay: number;
      this.poked = false;
      try {
        delay = await this.iterate();
        this.failures = 0;
        this.lastError = null;
        // A row queued during the step, perhaps after it looked for one, is sent at once, not after the idle sleep.
        if (this.poked) delay = 0;
      } catch (error) {
        if (error instanceof FaultHalt) {
          return;
        }
        delay = this.onError(error);
      }
      if (!this.stopped && delay > 0) {
        await this.sleep(delay);
      }
    }
  }

  private async iterate(): Promise<number> {
    // Before anything is sent the chain's identity is checked afresh, so that a node replaced by a fresh chain since
    // the last check does not receive this chain's transactions.
    const genesis = await this.ctx.checkChain(!this.synced || this.ctx.store.hasUnsent(this.address));
    if (!this.synced) {
      await this.reconcile(genesis, true);
      this.synced = true;
    }
    await this.sendQueued(genesis);
    const waiting = await this.collectReceipts(genesis);
    return waiting ? this.ctx.settings.pollIntervalMs : this.ctx.settings.idleIntervalMs;
  }

  private onError(error: unknown): number {
    const { settings, logger } = this.ctx;
    if (error instanceof ChainResetError) {
      this.lastError = error.code;
      return settings.chainCheckIntervalMs;
    }
    const description = describeNodeError(error);
    this.failures += 1;
    this.lastError =
      error instanceof InsufficientFundsError || error instanceof TransactionRejectedError
        ? `${error.code}: ${error.message}`
        : `${description.kind}: ${description.message}`;
    if (description.kind === "network") {
      // After an outage the node may have mined or dropped what we sent: look again before sending more.
      this.synced = false;
      if (this.failures === 1) {
        logger.warn({ key: this.key, err: description.message }, "chain node unreachable; outbox rows stay pending");
      }
    } else {
      logger.error({ key: this.key, err: this.lastError }, "transaction sender step failed; retrying");
    }
    return Math.min(settings.maxBackoffMs, 100 * 2 ** Math.min(this.failures, 16));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  /**
   * Compares the key's pending rows with the chain. A signed or sent row whose nonce the chain has passed is mined
   * (its receipt is found by hash) or was displaced by another transaction (queued again for a fresh nonce). On
   * `restart`, sent rows the chain has not mined are broadcast again with their stored bytes. Queued rows then get
   * consecutive nonces after everything the node has or may have.
   */
  private async reconcile(genesis: string, restart: boolean): Promise<void> {
    const { store, logger } = this.ctx;
    // Nonces that disagree with ours may mean another chain: make sure before re-numbering anything.
    await this.ctx.checkChain(true);
    const [latest, pending] = await Promise.all([this.transactionCount("latest"), this.transactionCount("pending")]);
    for (const row of store.pendingRows(genesis, this.address, ["signed", "sent"])) {
      const nonce = row.nonce as number;
      if (nonce < latest) {
        const receipt = await this.receipt(row.txHash as string);
        if (receipt) {
          await this.finalize(row, receipt, null);
        } else {
          logger.warn(
            { key: this.key, outboxId: row.id, nonce },
            "nonce used by another transaction; row queued again",
          );
          store.requeue(row.id, `replaced: nonce ${nonce} was used by another transaction`, Date.now());
        }
      } else if (restart && row.status === "sent") {
        store.markForRebroadcast([row.id], Date.now());
      }
    }
    const accepted = store.pendingRows(genesis, this.address, ["signed", "sent"]);
    const highestAccepted = accepted.reduce((max, row) => Math.max(max, row.nonce as number), -1);
    store.renumberQueued(genesis, this.address, Math.max(latest, pending, highestAccepted + 1), Date.now());
  }

  private async sendQueued(genesis: string): Promise<void> {
    const { store } = this.ctx;
    let previous: { id: number; status: string } | null = null;
    while (!this.stopped) {
      const row = store.nextToSend(genesis, this.address);
      if (!row) {
        return;
      }
      if (previous && previous.id === row.id && previous.status === row.status && row.status === "signed") {
        // The last broadcast neither succeeded nor changed anything: let the backoff pace the retries.
        throw new TransactionRejectedError(row.error ?? "the node keeps refusing the transaction");
      }
      previous = { id: row.id, status: row.status };
      let signed: StoredRow | null = row;
      if (row.status === "queued") {
        signed = await this.sign(genesis, row);
        if (signed === null) {
          continue;
        }
        if (signed.status !== "signed") {
          return;
        }
      }
      this.fault("afterSign", signed);
      await this.broadcast(genesis, signed);
    }
  }

  /** Estimates gas, signs and stores the signed bytes; null when the row was settled without sending. */
  private async sign(genesis: string, row: StoredRow): Promise<StoredRow | null> {
    const { store, settings } = this.ctx;
    const nonce = row.nonce as number;
    let gasLimit = row.gasLimit;
    if (gasLimit === null) {
      try {
        const estimate = BigInt(
          (await this.ctx.provider.send("eth_estimateGas", [
            { from: this.address, to: row.to, data: row.data },
          ])) as string,
        );
        gasLimit = (estimate * BigInt(100 + settings.gasMarginPercent)) / 100n;
      } catch (error) {
        const description = describeNodeError(error);
        if (description.kind === "network") {
          throw error;
        }
        if (store.pendingRows(genesis, this.address, ["sent"]).length > 0) {
          // The call may depend on this key's transactions still in flight: estimate again once they are mined.
          store.noteError(row.id, `estimate_deferred: ${description.message}`, Date.now());
          return store.get(row.id) ?? null;
        }
        if (!store.hasAcceptedAtOrAbove(genesis, this.address, nonce, row.id)) {
          this.settleUnsent(row, description);
          return null;
        }
        // Rows above may already be in the node's pool: the nonce must be used, so send the failing call anyway.
        gasLimit = settings.fallbackGasLimit;
      }
    }
    const fees = await this.ctx.fees();
    const signed = this.signer.sign({
      ...fees,
      chainId: this.ctx.chainId,
      nonce,
      to: row.to,
      data: row.data,
      gasLimit,
      value: 0n,
    });
    store.markSigned(row.id, signed.rawTx, signed.hash, Date.now());
    return store.get(row.id) ?? null;
  }

  private async broadcast(genesis: string, row: StoredRow): Promise<void> {
    const { store, provider } = this.ctx;
    try {
      await provider.send("eth_sendRawTransaction", [row.rawTx]);
    } catch (error) {
      await this.onBroadcastError(genesis, row, describeNodeError(error), error);
      return;
    }
    this.fault("afterBroadcast", row);
    store.markSent(row.id, Date.now());
  }

  private async onBroadcastError(
    genesis: string,
    row: StoredRow,
    description: NodeErrorDescription,
    error: unknown,
  ): Promise<void> {
    const { store } = this.ctx;
    const hash = row.txHash as string;
    switch (description.kind) {
      case "network":
        throw error;
      case "already_known":
        store.markSent(row.id, Date.now());
        return;
      case "nonce_too_low":
      case "reverted": {
        // Hardhat's automine executes on send and reports a revert of a transaction it did mine; a nonce that is
        // too low may be our own transaction, mined before a crash. The receipt settles both.
        const receipt = await this.receipt(hash);
        if (receipt) {
          await this.finalize(row, receipt, description.revertData);
          return;
        }
        if (description.kind === "nonce_too_low") {
          await this.reconcile(genesis, false);
          return;
        }
        break;
      }
      case "nonce_too_high": {
        // The node lacks an earlier nonce of ours (it restarted or dropped it): broadcast again from there.
        const latest = await this.transactionCount("latest");
        const lost = store.pendingRows(genesis, this.address, ["sent"]).filter((r) => (r.nonce as number) >= latest);
        store.markForRebroadcast(
          lost.map((r) => r.id),
          Date.now(),
        );
        if (lost.length === 0) {
          await this.reconcile(genesis, false);
        }
        return;
      }
      default:
        break;
    }
    if (!store.hasAcceptedAtOrAbove(genesis, this.address, row.nonce as number, row.id)) {
      this.settleUnsent(row, description);
      return;
    }
    const detail = `${description.kind}: ${description.message}`;
    store.noteError(row.id, detail, Date.now());
    throw description.kind === "insufficient_funds"
      ? new InsufficientFundsError(this.address)
      : new TransactionRejectedError(detail);
  }

  /** Ends a row the node refused before it used its nonce, handing the nonce to the rows behind it. */
  private settleUnsent(row: StoredRow, description: NodeErrorDescription): void {
    const reverted = description.kind === "reverted";
    const revert = reverted ? decodeRevert(description.revertData, this.ctx.interfaces) : null;
    const code = reverted ? "reverted" : description.kind === "insufficient_funds" ? "insufficient_funds" : "rejected";
    this.ctx.store.releaseNonce(
      row.id,
      {
        status: reverted ? "reverted" : "failed",
        revertData: description.revertData,
        revert,
        error: `${code}: ${description.message}`,
      },
      Date.now(),
    );
    this.ctx.logger.info(
      { key: this.key, outboxId: row.id, code, error: revert?.errorName },
      "transaction refused before sending",
    );
    this.ctx.rowFinished(row.id);
  }

  /** Finalises sent rows the chain has mined; returns whether rows are still waiting for a receipt. */
  private async collectReceipts(genesis: string): Promise<boolean> {
    const { store, settings } = this.ctx;
    const sent = store.pendingRows(genesis, this.address, ["sent"]);
    if (sent.length === 0) {
      return false;
    }
    // The nonce count, the receipts of the first rows and the chain's identity are asked together, in one round trip
    // on the path of every consent batch (the node may have mined them already: Hardhat's automine does so before it
    // answers the send). Receipts are only trusted from the stored chain: the check is in the same JSON-RPC batch, one
    // HTTP request that one node process answers, so a node replaced by a fresh chain cannot have answered the
    // receipts and not the check. Each round trip here waits for the gateway's event loop, busy with the requests
    // the batch's answers bring back: a second one, after the receipts, cost a batch 60 ms or more under load.
    const early = sent.slice(0, RECEIPTS_PER_ROUND_TRIP);
    const [latest, earlyReceipts] = await Promise.all([
      this.transactionCount("latest"),
      Promise.all(early.map((row) => this.receipt(row.txHash as string))),
      this.ctx.checkChain(true),
    ]);
    const asked = new Map(early.map((row, i) => [row.id, earlyReceipts[i]]));
    const mined = sent.filter((row) => (row.nonce as number) < latest);
    let displaced = false;
    for (let i = 0; i < mined.length; i += RECEIPTS_PER_ROUND_TRIP) {
      const chunk = mined.slice(i, i + RECEIPTS_PER_ROUND_TRIP);
      // A receipt asked with the count may have been read just before the count saw its nonce: asked again then.
      const fresh = chunk.filter((row) => !asked.get(row.id));
      const receipts = await Promise.all(chunk.map((row) => asked.get(row.id) ?? this.receipt(row.txHash as string)));
      if (fresh.length > 0 && receipts.some((receipt) => receipt !== null)) {
        // Receipts read in a round trip of their own: check the chain after fetching them.
        await this.ctx.checkChain(true);
      }
      for (const [j, receipt] of receipts.entries()) {
        if (receipt) {
          await this.finalize(chunk[j], receipt, null);
        } else {
          displaced = true;
        }
      }
    }
    if (displaced) {
      await this.reconcile(genesis, false);
    }
    const now = Date.now();
    const stale = sent.filter(
      (row) => (row.nonce as number) >= latest && now - (row.sentAt ?? now) > settings.rebroadcastAfterMs,
    );
    store.markForRebroadcast(
      stale.map((row) => row.id),
      now,
    );
    return store.pendingRows(genesis, this.address, ["sent", "signed"]).length > 0;
  }

  private async finalize(row: RowHead, receipt: RawReceipt, revertHint: string | null): Promise<void> {
    const mined = BigInt(receipt.status) === 1n;
    const blockNumber = Number(BigInt(receipt.blockNumber));
    let revertData: string | null = null;
    if (!mined) {
      revertData = receipt.revertReason ?? revertHint ?? (await this.replayRevert(row, blockNumber));
    }
    const logs: ReceiptLog[] = receipt.logs.map((log) => ({
      address: log.address,
      topics: log.topics,
      data: log.data,
      logIndex: Number(BigInt(log.logIndex)),
    }));
    this.ctx.store.finalize(
      row.id,
      {
        status: mined ? "mined" : "reverted",
        blockNumber,
        blockHash: receipt.blockHash,
        gasUsed: BigInt(receipt.gasUsed),
        logs,
        revertData,
        revert: decodeRevert(revertData, this.ctx.interfaces),
      },
      Date.now(),
    );
    this.ctx.recordCheckpoint(blockNumber, receipt.blockHash);
    this.ctx.rowFinished(row.id);
  }

  /** Re-executes a reverted transaction on the state before its block to learn the revert data. */
  private async replayRevert(row: RowHead, blockNumber: number): Promise<string | null> {
    try {
      await this.ctx.provider.send("eth_call", [
        { from: this.address, to: row.to, data: this.ctx.store.calldata(row.id) },
        toQuantity(Math.max(blockNumber - 1, 0)),
      ]);
      return null;
    } catch (error) {
      return describeNodeError(error).revertData;
    }
  }

  private async receipt(hash: string): Promise<RawReceipt | null> {
    return (await this.ctx.provider.send("eth_getTransactionReceipt", [hash])) as RawReceipt | null;
  }

  private async transactionCount(tag: "latest" | "pending"): Promise<number> {
    return Number(BigInt((await this.ctx.provider.send("eth_getTransactionCount", [this.address, tag])) as string));
  }

  private fault(point: keyof SenderFaults, row: StoredRow): void {
    const hook = this.ctx.faults[point];
    if (!hook) {
      return;
    }
    try {
      hook(publicRow(row));
    } catch {
      this.stopped = true;
      throw new FaultHalt(`halted at ${point}`);
    }
  }
}

/** The row as callers see it: without the signed bytes. */
export function publicRow(row: StoredRow): OutboxRow {
  const { rawTx: _rawTx, ...rest } = row;
  return rest;
}
