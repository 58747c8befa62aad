/**
 * Numbers, chains and stores receipts. Each requester department has its own sequence (1, 2, 3, ...) and hash chain
 * (`prevHash` = the leaf of its previous receipt); both are assigned in memory, in the order `record` is called, so
 * concurrent fetches never share a number. Receipts recorded in the same turn of the event loop (or up to
 * `maxGroup` of them) are committed in ONE SQLite transaction, and each `record` promise resolves only once that
 * commit is durable (its fsync done, off the event loop in the gateway: `DeferredWalSync`): a response waits for its
 * receipt to be durable, and neither a crash nor a power cut after the answer loses it.
 *
 * A failed commit rejects every receipt of its group and reloads the heads from the database, so the numbers
 * handed out next continue from what is really stored: no gap, no duplicate.
 *
 * Other writes that must be durable before the gateway goes on (an exchange's intent, before its request is sent)
 * join the same group through `write`: one transaction, one fsync, for everything a turn of the event loop wrote.
 */
import { ZeroHash } from "ethers";
import { receiptId, receiptLeaf, type Receipt } from "../../../../core/receipt";
import { syncedAtCommit, type CommitDurability } from "../../common/wal-sync";
import type { ReceiptEnvelope, ReceiptStore } from "../../store/receipts";

/** A receipt before it is numbered: everything but its id, sequence and previous hash. */
export type ReceiptDraft = Omit<Receipt, "id" | "sequence" | "prevHash">;

export interface RecordedReceipt {
  receipt: Receipt;
  leaf: string;
  createdMs: number;
  /** The exchange envelope a federated receipt was recorded with (null before federation). */
  envelope: ReceiptEnvelope | null;
}

interface QueuedChange {
  change: () => void;
  resolve(): void;
  reject(error: unknown): void;
}

interface Queued extends RecordedReceipt {
  alongside: (() => void) | null;
  resolve(value: RecordedReceipt): void;
  reject(error: unknown): void;
}

export interface RecorderOptions {
  /** Receipts per transaction at most (default 512). */
  maxGroup?: number;
  /** Told about every committed group (the anchorer tracks the oldest unanchored receipt with it). */
  onCommitted?: (receipts: readonly RecordedReceipt[]) => void;
  /**
   * How a group becomes durable (default: SQLite's fsync inside the commit). The gateway's is `DeferredWalSync`, which
   * does the fsync off the event loop; a group's promises resolve only once it is done either way.
   */
  durability?: CommitDurability;
  now?: () => number;
}

export class ReceiptRecorder {
  private readonly heads = new Map<string, { sequence: number; leaf: string }>();
  private queue: Queued[] = [];
  private changes: QueuedChange[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private readonly maxGroup: number;
  private readonly now: () => number;
  private readonly durability: CommitDurability;
  private readonly syncing = new Set<Promise<void>>();

  constructor(
    private readonly store: ReceiptStore,
    private readonly options: RecorderOptions = {},
  ) {
    this.maxGroup = options.maxGroup ?? 512;
    this.now = options.now ?? Date.now;
    this.durability = options.durability ?? syncedAtCommit;
  }

  /**
   * Numbers the receipt and resolves once it is committed (with its exchange envelope when it records one side of a
   * federated exchange). `alongside` is written in the receipt's own transaction (all or nothing; a failure there
   * rejects the whole group). Throws at once when the receipt is malformed.
   */
  record(
    draft: ReceiptDraft,
    envelope: ReceiptEnvelope | null = null,
    alongside: ((receipt: Receipt) => void) | null = null,
  ): Promise<RecordedReceipt> {
    const department = draft.department.toLowerCase();
    const head = this.head(department);
    const sequence = head.sequence + 1;
    const receipt: Receipt = {
      id: receiptId(department, sequence),
      sequence,
      ...draft,
      department,
      prevHash: head.leaf,
    };
    const leaf = receiptLeaf(receipt);
    this.heads.set(department, { sequence, leaf });
    const createdMs = this.now();
    const committed = new Promise<RecordedReceipt>((resolve, reject) => {
      this.queue.push({
        receipt,
        leaf,
        createdMs,
        envelope,
        alongside: alongside === null ? null : () => alongside(receipt),
        resolve,
        reject,
      });
    });
    this.schedule();
    return committed;
  }

  /**
   * Writes `change` in the next group's transaction and resolves once it is committed; rejects with its error when
   * it throws (undone alone: the receipts and other changes of the group still commit) or when the group cannot
   * commit.
   */
  write(change: () => void): Promise<void> {
    const committed = new Promise<void>((resolve, reject) => this.changes.push({ change, resolve, reject }));
    this.schedule();
    return committed;
  }

  private schedule(): void {
    if (this.queue.length + this.changes.length >= this.maxGroup) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  /**
   * Commits every queued receipt now, in one transaction; their promises resolve once that commit is durable (see
   * `durability`), in the order the groups were committed.
   */
  flush(): void {
    if (this.scheduled !== null) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    const group = this.queue;
    const changes = this.changes;
    if (group.length === 0 && changes.length === 0) return;
    this.queue = [];
    this.changes = [];
    let changeErrors: (unknown | null)[];
    try {
      changeErrors = this.durability.unsynced(() =>
        this.store.insertMany(
          group,
          changes.map((c) => c.change),
        ),
      );
    } catch (error) {
      this.heads.clear();
      for (const item of group) item.reject(error);
      for (const item of changes) item.reject(error);
      return;
    }
    // Committed: the numbers handed out are taken whatever the fsync says. An fsync that fails leaves the commit's
    // durability unknown, so nothing of the group is acknowledged (an answer is refused; its receipt may remain).
    const durable = this.durability.sync().then(
      () => this.settle(group, changes, changeErrors),
      (error: unknown) => {
        for (const item of group) item.reject(error);
        for (const item of changes) item.reject(error);
      },
    );
    this.syncing.add(durable);
    void durable.finally(() => this.syncing.delete(durable));
  }

  /** Resolves once every group committed so far is durable and settled (for a gateway that stops). */
  async drained(): Promise<void> {
    await Promise.all([...this.syncing]);
  }

  private settle(group: Queued[], changes: QueuedChange[], changeErrors: (unknown | null)[]): void {
    changes.forEach((item, i) => {
      const error = changeErrors[i];
      if (error === null) item.resolve();
      else item.reject(error);
    });
    if (group.length === 0) return;
    const recorded = group.map(({ receipt, leaf, createdMs, envelope }) => ({ receipt, leaf, createdMs, envelope }));
    try {
      this.options.onCommitted?.(recorded);
    } finally {
      group.forEach((item, i) => item.resolve(recorded[i]));
    }
  }

  private head(department: string): { sequence: number; leaf: string } {
    let head = this.heads.get(department);
    if (head === undefined) {
      head = this.store.head(department) ?? { sequence: 0, leaf: ZeroHash };
      this.heads.set(department, head);
    }
    // After a declared loss of anchored receipts, numbering goes on after the lost range with a new hash chain: the
    // leaf of the last lost receipt is not known here.
    const lost = this.store.loss(department);
    if (lost !== null && head.sequence < lost.lastSequence) {
      head = { sequence: lost.lastSequence, leaf: ZeroHash };
      this.heads.set(department, head);
    }
    return head;
  }
}
