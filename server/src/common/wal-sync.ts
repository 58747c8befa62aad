import fs from "node:fs";
import type { Db } from "./db";

/**
 * How a group commit becomes durable. `unsynced` runs one transaction; `sync` resolves once everything committed
 * before it was called is on the disk. Nothing written through it may be acknowledged before `sync` resolves.
 */
export interface CommitDurability {
  unsynced<T>(write: () => T): T;
  sync(): Promise<void>;
}

/** SQLite's own: the commit's fsync happens inside the transaction, on the calling thread. */
export const syncedAtCommit: CommitDurability = {
  unsynced: (write) => write(),
  sync: () => Promise.resolve(),
};

/**
 * The same durability as `synchronous = FULL` without holding the event loop for the disk. In WAL mode SQLite's
 * FULL differs from NORMAL only by an fsync of the WAL file at each commit (NORMAL still syncs the WAL before every
 * checkpoint, so the database file never gets frames the WAL could lose). So the transaction commits under NORMAL
 * (its frames are in the WAL, safe from a crash of the process) and the fsync of the WAL is then done on libuv's
 * thread pool; a write is acknowledged only once an fsync that began after its commit has completed. Commits that
 * arrive while an fsync runs share the next one. The connection is back to FULL after each such transaction, so every
 * other write of the gateway keeps SQLite's own fsync.
 *
 * An in-memory database (tests) has no WAL: there, `unsynced` simply runs the write.
 */
export class DeferredWalSync implements CommitDurability {
  private readonly walFile: string | null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  private readonly fsync: (file: string) => Promise<void>;
  private readonly walHandle: WalHandle | null = null;

  /** `fsync` replaces the fsync of the WAL file (tests); by default one handle on it is kept open and synced. */
  constructor(
    private readonly db: Db,
    fsync?: (file: string) => Promise<void>,
  ) {
    const walMode = !db.memory && String(db.pragma("journal_mode", { simple: true })).toLowerCase() === "wal";
    this.walFile = walMode ? `${db.name}-wal` : null;
    if (fsync === undefined) {
      const handle = new WalHandle();
      this.walHandle = handle;
      this.fsync = (file) => handle.sync(file);
    } else {
      this.fsync = fsync;
    }
  }

  /** Closes the handle on the WAL file, once the last `sync` is done. */
  async close(): Promise<void> {
    await Promise.allSettled([this.running, this.next]);
    await this.walHandle?.close();
  }

  unsynced<T>(write: () => T): T {
    // A pragma cannot change the durability of a transaction already open; inside one, SQLite's own fsync applies.
    if (this.walFile === null || this.db.inTransaction) return write();
    this.db.pragma("synchronous = NORMAL");
    try {
      return write();
    } finally {
      this.db.pragma("synchronous = FULL");
    }
  }

  sync(): Promise<void> {
    const walFile = this.walFile;
    if (walFile === null) return Promise.resolve();
    // An fsync already running may have begun before this commit: a caller waits for the next one, which all
    // callers arriving meanwhile share.
    if (this.next !== null) return this.next;
    const start = (): Promise<void> => {
      this.next = null;
      const run = this.fsync(walFile).finally(() => {
        if (this.running === run) this.running = null;
      });
      this.running = run;
      return run;
    };
    if (this.running === null) return start();
    this.next = this.running.then(start, start);
    return this.next;
  }
}

/**
 * One handle on the WAL file, opened at its first fsync and kept: SQLite keeps the same file while any connection to
 * the database is open (it is reused from its start after a checkpoint, truncated at most), and removes it only when
 * the last connection closes, after checkpointing it into the database file and syncing that. So a WAL that does not
 * exist when it is first synced holds nothing left to sync.
 */
class WalHandle {
  private handle: fs.promises.FileHandle | null = null;

  async sync(file: string): Promise<void> {
    if (this.handle === null) {
      const opened = await openIfPresent(file);
      if (opened === null) return;
      if (this.handle === null) this.handle = opened;
      else await opened.close();
    }
    await this.handle.sync();
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }
}

async function openIfPresent(file: string): Promise<fs.promises.FileHandle | null> {
  try {
    return await fs.promises.open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** fsync of a file by its name (opened and closed for it); a file that does not exist has nothing to sync. */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await openIfPresent(file);
  if (handle === null) return;
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
