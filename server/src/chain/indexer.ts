import {
  EventFragment,
  getAddress,
  JsonRpcProvider,
  toQuantity,
  type Interface,
  type JsonRpcApiProvider,
} from "ethers";
import type Database from "better-sqlite3";
import pino, { type BaseLogger } from "pino";
import { describeNodeError, IndexerBehindError } from "./errors";
import type { IndexedEvent, JsonObject } from "../common/indexed-event";
import { eventLayout, type EventLayout } from "../../../core/abi/event-layout";
import { abiArgsToJson } from "./json";
import { migrateChainSchema } from "./schema";

export interface IndexedContract {
  /** The name events are filed under (`Consortium`, `DataCatalog`, …). */
  name: string;
  address: string;
  iface: Interface;
}

export type IndexerResetReason = "genesis_changed" | "history_changed" | "deployment_missing" | "contracts_changed";

/** Called inside the SQLite transaction that stores the events, so a projection commits or rolls back with them. */
export type EventsHandler = (events: readonly IndexedEvent[]) => void;
/** Called inside the SQLite transaction that clears the index, so a projection can clear its own tables with it. */
export type ResetHandler = (reason: IndexerResetReason) => void;

export interface IndexerOptions {
  db: Database.Database;
  provider: JsonRpcApiProvider;
  contracts: readonly IndexedContract[];
  /** The deployment block: nothing of interest lies before it. */
  fromBlock: number;
  pollIntervalMs?: number;
  /**
   * The widest block range one eth_getLogs may ask for (Besu refuses wider ranges: its `--rpc-max-logs-range`,
   * default 1,000). Pages start at 10 blocks (or this, if less), halve on any failure and double after light pages
   * up to it.
   */
  maxBlockRange?: number;
  /** A page whose answer holds more logs than this makes the next page proportionally narrower. */
  maxLogsPerPage?: number;
  /** A page whose answer is larger than this (bytes of log data and topics) makes the next page narrower. */
  maxBytesPerPage?: number;
  /** A page not answered within this is abandoned and halved, like a failed one (default 30 s). */
  pageTimeoutMs?: number;
  /** Names the cursor, in case several indexers share a database. */
  name?: string;
  /**
   * Events (`Contract.Name`) a projection stores in full, typed: handed to the handlers but not copied into `events`,
   * so that each event's payload is stored once. `replay` cannot give them back.
   */
  storedByProjections?: ReadonlySet<string>;
  logger?: BaseLogger;
}

export interface IndexerStatus {
  indexedBlock: number;
  headBlock: number | null;
  /** A configured contract has no code on the chain (not deployed yet, or the chain was replaced). */
  deploymentMissing: boolean;
  /** Timestamp (seconds) of the last block indexed by this process, null until it indexes one. */
  indexedBlockTime: number | null;
  /** Wall-clock ms when this process last saw its index reach the chain's head; null before the first catch-up. */
  caughtUpMs: number | null;
  resets: number;
  lastError: string | null;
  /** Blocks the next eth_getLogs page will span (it adapts to what the node answers). */
  pageBlocks: number;
  /** Events stored by this process since it started. */
  eventsIndexed: number;
  /** Pages the node failed to answer (each one halved the page) since this process started. */
  pageFailures: number;
}

const DEFAULT_MAX_BLOCK_RANGE = 1_000;
// A page is decoded and stored in one synchronous step: its size bounds how long the event loop (and every HTTP
// request) waits. 10,000 logs held the loop for seconds on a busy machine; 2,000 keep it well under one.
const DEFAULT_MAX_LOGS_PER_PAGE = 2_000;
const DEFAULT_MAX_BYTES_PER_PAGE = 4 * 1024 * 1024;
const DEFAULT_PAGE_TIMEOUT_MS = 30_000;
/**
 * The first page's width: nothing is known of the chain's density yet, so start narrow and double after each light
 * page until the first page that is not (TCP's slow start). A chain of 577 logs a block made a first page of 100
 * blocks 57,700 logs, which a loaded node did not answer within the page deadline, four deadlines in a row.
 */
const FIRST_PAGE_BLOCKS = 10;
/** Light pages in a row before the page doubles: after a failure, growth is slow, so failures stay rare. */
const GROW_AFTER_LIGHT_PAGES = 4;
/** Bytes of a log's answer besides its data and topics (addresses, hashes, numbers, JSON keys). */
const LOG_OVERHEAD_BYTES = 400;

interface StateRecord {
  genesis_hash: string | null;
  contracts: string;
  next_block: number;
  indexed_block: number;
  indexed_block_hash: string | null;
  resets: number;
}

interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

interface LogDecoder {
  address: string;
  contract: IndexedContract | undefined;
  event: EventFragment | null;
  /** Reads the event's one-word arguments without ethers' decoder; null for events with other arguments. */
  layout: EventLayout | null;
}

interface FetchedPage {
  events: IndexedEvent[];
  last: RawBlock;
  bytes: number;
}

/** A page asked of the node; its outcome holds the page or the failure, never a rejection. */
interface PageFetch {
  from: number;
  to: number;
  outcome: Promise<{ page: FetchedPage } | { error: unknown }>;
}

interface RawBlock {
  hash: string;
  timestamp: string;
}

/** A row of the `events` table. */
export interface EventRecord {
  block_number: number;
  log_index: number;
  tx_hash: string;
  address: string;
  contract: string;
  name: string;
  args_json: string;
  block_time: number;
}

/**
 * Follows the contracts' logs from their deployment block into the `events` table, with a persisted cursor. It
 * notices a replaced chain (different genesis, a block it indexed that is gone or different, a contract without
 * code) and then indexes again from scratch, telling subscribers through `onReset`.
 */
export class EventIndexer {
  private readonly name: string;
  private readonly contractsKey: string;
  private readonly byAddress = new Map<string, IndexedContract>();
  private readonly decoders = new Map<string, LogDecoder>();
  private readonly eventHandlers = new Set<EventsHandler>();
  private readonly resetHandlers = new Set<ResetHandler>();
  private readonly logger: BaseLogger;
  private readonly pollIntervalMs: number;
  private readonly maxBlockRange: number;
  private readonly maxLogsPerPage: number;
  private readonly maxBytesPerPage: number;
  private pageSize: number;
  private lightPages = 0;
  /** Until the first page that is not light (or fails), each light page doubles the next. */
  private rampingUp = true;
  private eventsIndexed = 0;
  private pageFailures = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** The catch-up queued and not started yet, which a new call joins. */
  private nextCatchUp: Promise<number> | null = null;
  private deploymentVerified = false;
  private deploymentMissing = false;
  private head: number | null = null;
  /**
   * The highest block a caller of `waitForBlock` knows the chain has (its transaction's, from a receipt): the next
   * catch-up asks for the page up to it together with the head and the chain checks, and stores it only once they
   * pass. -1: none (forgotten on a reset, whose block numbers start again).
   */
  private knownBlock = -1;
  private indexedTime: number | null = null;
  private caughtUpMs: number | null = null;
  private lastError: string | null = null;
  private loop: Promise<void> | null = null;
  private stopped = true;
  private closing = false;
  private wake: (() => void) | null = null;
  /** The cursor's row, read on every fetch (the block its decision was made on): prepared once. */
  private readonly stateQuery: Database.Statement<[string], StateRecord>;
  /**
   * The committed cursor's indexed block, read on every fetch on both sides of an exchange: kept from one read of the
   * row to the next write of it (a page, a reset), so a fetch reads memory instead of SQLite.
   */
  private committedIndexedBlock: number | null = null;

  constructor(private readonly options: IndexerOptions) {
    migrateChainSchema(options.db);
    this.stateQuery = options.db.prepare(
      "SELECT genesis_hash, contracts, next_block, indexed_block, indexed_block_hash, resets FROM indexer_state WHERE name = ?",
    );
    this.name = options.name ?? "main";
    this.logger = options.logger ?? pino({ level: "silent" });
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.maxBlockRange = Math.max(1, options.maxBlockRange ?? DEFAULT_MAX_BLOCK_RANGE);
    this.maxLogsPerPage = Math.max(1, options.maxLogsPerPage ?? DEFAULT_MAX_LOGS_PER_PAGE);
    this.maxBytesPerPage = Math.max(1, options.maxBytesPerPage ?? DEFAULT_MAX_BYTES_PER_PAGE);
    this.pageSize = Math.min(FIRST_PAGE_BLOCKS, this.maxBlockRange);
    for (const contract of options.contracts) {
      this.byAddress.set(getAddress(contract.address), contract);
    }
    this.contractsKey = [...this.byAddress.entries()]
      .map(([address, contract]) => `${contract.name}@${address}`)
      .sort()
      .join(",");
    options.db
      .prepare(
        `INSERT INTO indexer_state (name, genesis_hash, contracts, next_block, indexed_block, indexed_block_hash)
         VALUES (?, NULL, ?, ?, ?, NULL) ON CONFLICT (name) DO NOTHING`,
      )
      .run(this.name, this.contractsKey, options.fromBlock, options.fromBlock - 1);
  }

  /** The last block whose events are all in the table (reads reflect this block). */
  indexedBlock(): number {
    // Inside a transaction (a page being applied, its handlers) the row may hold what is not committed yet.
    if (this.options.db.inTransaction) return this.state().indexed_block;
    return (this.committedIndexedBlock ??= this.state().indexed_block);
  }

  /**
   * When the index last reached the chain's head (wall-clock ms), null while it is still catching up: every fetch reads
   * it (how stale the view is) and needs nothing else of `status()`, which reads the cursor row from the database.
   */
  lastCaughtUpMs(): number | null {
    return this.caughtUpMs;
  }

  status(): IndexerStatus {
    const state = this.state();
    return {
      indexedBlock: state.indexed_block,
      headBlock: this.head,
      indexedBlockTime: this.indexedTime,
      caughtUpMs: this.caughtUpMs,
      deploymentMissing: this.deploymentMissing,
      resets: state.resets,
      lastError: this.lastError,
      pageBlocks: this.pageSize,
      eventsIndexed: this.eventsIndexed,
      pageFailures: this.pageFailures,
    };
  }

  onEvents(handler: EventsHandler): () => void {
    this.eventHandlers.add(handler);
    return () => this.eventHandlers.delete(handler);
  }

  onReset(handler: ResetHandler): () => void {
    this.resetHandlers.add(handler);
    return () => this.resetHandlers.delete(handler);
  }

  /** Hands every stored event to `handler` in chain order, in batches (to rebuild an in-memory projection). */
  replay(handler: EventsHandler, batchSize = 1_000): void {
    const page = this.options.db.prepare(
      `SELECT * FROM events WHERE (block_number, log_index) > (?, ?) ORDER BY block_number, log_index LIMIT ?`,
    );
    let after: [number, number] = [-1, -1];
    for (;;) {
      const records = page.all(after[0], after[1], batchSize) as EventRecord[];
      if (records.length === 0) {
        return;
      }
      handler(records.map(toEvent));
      const last = records[records.length - 1];
      after = [last.block_number, last.log_index];
    }
  }

  /**
   * Indexes up to the chain's latest block now; resolves with the indexed block. Calls made while a catch-up waits
   * its turn share it (it reads the head when it starts, after all of them): under the fetch load many requests wait
   * for the same block at once, and each queueing a catch-up of its own made the last wait for all the others.
   */
  catchUp(): Promise<number> {
    if (this.nextCatchUp !== null) return this.nextCatchUp;
    const run = this.queue.then(() => {
      this.nextCatchUp = null;
      return this.indexToHead();
    });
    this.nextCatchUp = run;
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves once the index has reached `blockNumber` (e.g. the block of a transaction just mined). */
  async waitForBlock(blockNumber: number, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    this.knownBlock = Math.max(this.knownBlock, blockNumber);
    for (;;) {
      const indexed = this.indexedBlock();
      if (indexed >= blockNumber) {
        return indexed;
      }
      if (Date.now() > deadline) {
        throw new IndexerBehindError(blockNumber, indexed);
      }
      try {
        await this.catchUp();
      } catch {
        // The polling loop reports the error; keep trying until the deadline.
      }
      if (this.indexedBlock() < blockNumber) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.pollIntervalMs, 100)));
      }
    }
  }

  start(): void {
    if (this.loop) {
      return;
    }
    this.stopped = false;
    this.closing = false;
    this.loop = this.run().finally(() => {
      this.loop = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    this.wake?.();
    await this.loop;
    await this.queue;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.catchUp();
        failures = 0;
        this.lastError = null;
      } catch (error) {
        failures += 1;
        const description = describeNodeError(error);
        this.lastError = `${description.kind}: ${description.message}`;
        if (failures === 1) {
          this.logger.warn({ err: this.lastError }, "event indexer cannot progress; retrying");
        }
      }
      const delay = failures === 0 ? this.pollIntervalMs : Math.min(5_000, this.pollIntervalMs * 2 ** failures);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private async indexToHead(): Promise<number> {
    // The head and the chain's identity are asked together: one round trip instead of three on the way to the page
    // (this catch-up is on the path of every write's answer, which waits for its block to be indexed).
    const state0 = this.state();
    const lastIndexed = state0.contracts === this.contractsKey ? state0.indexed_block_hash : null;
    // A write waiting for its block knows the block exists: its page is asked for now, beside the head and the chain
    // checks, instead of one round trip after them (each waits for this gateway's event loop, busy with requests under
    // load). It is stored only if the checks pass and nothing moved the cursor meanwhile, as any page.
    const known =
      this.knownBlock >= state0.next_block && state0.contracts === this.contractsKey
        ? this.fetchAhead(state0.next_block, Math.min(state0.next_block + this.pageSize - 1, this.knownBlock))
        : null;
    const [headHex, genesisBlock, lastIndexedBlock] = await Promise.all([
      this.send("eth_blockNumber", []) as Promise<string>,
      this.send("eth_getBlockByNumber", ["0x0", false]) as Promise<RawBlock>,
      lastIndexed === null
        ? null
        : (this.send("eth_getBlockByNumber", [toQuantity(state0.indexed_block), false]) as Promise<RawBlock | null>),
    ]);
    const head = Number(BigInt(headHex));
    this.head = head;
    await this.verifyChain(
      genesisBlock.hash,
      lastIndexed === null ? null : { height: state0.indexed_block, block: lastIndexedBlock },
    );
    if (this.deploymentMissing) {
      return this.indexedBlock();
    }
    let state = this.state();
    // The next page is asked for before the current one is stored: the node prepares its answer (on its own cores)
    // while this process decodes and writes, instead of each waiting for the other.
    let ahead: PageFetch | null = known !== null && known.to <= head ? known : null;
    while (state.next_block <= head && !this.closing) {
      const from = state.next_block;
      const current = ahead?.from === from ? ahead : this.fetchAhead(from, Math.min(from + this.pageSize - 1, head));
      ahead = null;
      const outcome = await current.outcome;
      if ("error" in outcome && current === known) {
        // Asked for before the checks: fetched again as an ordinary page, whose failure counts.
        state = this.state();
        continue;
      }
      if ("error" in outcome) {
        this.pageFailed(current.from, current.to, outcome.error);
      } else {
        const { page } = outcome;
        this.adaptPage(current.to - current.from + 1, page.events.length, page.bytes);
        const nextFrom = current.to + 1;
        if (nextFrom <= head && !this.closing) {
          ahead = this.fetchAhead(nextFrom, Math.min(nextFrom + this.pageSize - 1, head));
        }
        this.store(current.from, current.to, page.last.hash, page.events);
        this.eventsIndexed += page.events.length;
        this.indexedTime = quantity(page.last.timestamp);
      }
      state = this.state();
    }
    // A page fetched ahead and not stored (a stop, a reset, a subscriber's failure) is dropped: its outcome never
    // rejects, so nothing is left unhandled.
    if (state.indexed_block >= head) this.caughtUpMs = Date.now();
    return state.indexed_block;
  }

  private fetchAhead(from: number, to: number): PageFetch {
    const outcome = this.fetchPage(from, to).then(
      (page) => ({ page }),
      (error: unknown) => ({ error }),
    );
    return { from, to, outcome };
  }

  /**
   * Detects a replaced chain or changed configuration and starts again from scratch when it finds one. `genesis` is
   * the node's genesis hash and `read` its block at a height, both read with the head; the block at the index's
   * height is read here unless that is the one already read.
   */
  private async verifyChain(genesis: string, read: { height: number; block: RawBlock | null } | null): Promise<void> {
    const state = this.state();
    if (state.contracts !== this.contractsKey) {
      this.reset("contracts_changed", genesis, this.options.fromBlock);
    } else if (state.genesis_hash !== null && state.genesis_hash !== genesis) {
      this.reset("genesis_changed", genesis, 0);
    } else if (state.indexed_block_hash !== null) {
      const block =
        read !== null && read.height === state.indexed_block
          ? read.block
          : ((await this.send("eth_getBlockByNumber", [toQuantity(state.indexed_block), false])) as RawBlock | null);
      if (block === null || block.hash !== state.indexed_block_hash) {
        this.reset("history_changed", genesis, 0);
      }
    }
    if (this.state().genesis_hash === null) {
      this.options.db.prepare("UPDATE indexer_state SET genesis_hash = ? WHERE name = ?").run(genesis, this.name);
    }
    if (!this.deploymentVerified) {
      const codes = await Promise.all(
        [...this.byAddress.keys()].map((address) => this.send("eth_getCode", [address, "latest"]) as Promise<string>),
      );
      this.deploymentMissing = codes.some((code) => code === "0x" || code === "");
      if (this.deploymentMissing && this.state().indexed_block_hash !== null) {
        this.reset("deployment_missing", genesis, 0);
      }
      this.deploymentVerified = !this.deploymentMissing;
    }
  }

  private reset(reason: IndexerResetReason, genesis: string, startBlock: number): void {
    const { db } = this.options;
    this.committedIndexedBlock = null;
    this.knownBlock = -1;
    db.transaction(() => {
      db.prepare("DELETE FROM events").run();
      db.prepare(
        `UPDATE indexer_state SET genesis_hash = ?, contracts = ?, next_block = ?, indexed_block = ?,
           indexed_block_hash = NULL, resets = resets + 1 WHERE name = ?`,
      ).run(genesis, this.contractsKey, startBlock, startBlock - 1, this.name);
      this.resetHandlers.forEach((handler) => handler(reason));
    })();
    this.deploymentVerified = false;
    this.logger.warn({ reason, genesis }, "event index cleared; indexing again from scratch");
  }

  /**
   * Any failure of the node to answer a page (an error, a refused range, a timeout, a socket hung up on a huge answer)
   * halves the page, so the indexer always finds a width the node can serve; only a single block the node cannot
   * answer is reported as a failure (and retried with back-off).
   */
  private pageFailed(from: number, to: number, error: unknown): void {
    if (to === from) throw error;
    this.rampingUp = false;
    this.pageFailures += 1;
    this.lightPages = 0;
    this.pageSize = Math.max(1, Math.floor((to - from + 1) / 2));
    const description = describeNodeError(error);
    this.lastError = `${description.kind}: ${description.message}`;
    this.logger.warn(
      { from, to, pageBlocks: this.pageSize, err: this.lastError },
      "eth_getLogs page failed; trying a narrower page",
    );
  }

  /**
   * Narrows the next page in proportion to an answer over the limits; doubles it after a few light full pages in a
   * row (half the limits or less), or after each one while ramping up, up to the configured range.
   */
  private adaptPage(blocks: number, logs: number, bytes: number): void {
    const load = Math.max(logs / this.maxLogsPerPage, bytes / this.maxBytesPerPage);
    if (load > 0.5) this.rampingUp = false;
    if (load > 1) {
      this.pageSize = Math.max(1, Math.floor(blocks / load));
      this.lightPages = 0;
    } else if (load <= 0.5 && blocks >= this.pageSize && this.pageSize < this.maxBlockRange) {
      this.lightPages += 1;
      if (this.rampingUp) this.lightPages = GROW_AFTER_LIGHT_PAGES;
      if (this.lightPages >= GROW_AFTER_LIGHT_PAGES) {
        this.pageSize = Math.min(this.maxBlockRange, this.pageSize * 2);
        this.lightPages = 0;
      }
    }
  }

  private async fetchPage(from: number, to: number): Promise<FetchedPage> {
    // The page's last block is asked for beside its logs (its hash and time are always needed; for a page of one
    // block, as a write waiting for its own block reads, it is the only one), the other blocks with logs after them.
    const [logs, last] = await Promise.all([
      this.getLogs({
        address: [...this.byAddress.keys()],
        fromBlock: toQuantity(from),
        toBlock: toQuantity(to),
      }) as Promise<RawLog[]>,
      this.send("eth_getBlockByNumber", [toQuantity(to), false]) as Promise<RawBlock | null>,
    ]);
    if (last === null) {
      throw new Error(`block ${to} is not available; the chain may have been replaced`);
    }
    const live = logs.filter((log) => !log.removed);
    const blockNumbers = new Set(live.map((log) => quantity(log.blockNumber)));
    blockNumbers.delete(to);
    const blocks = new Map<number, RawBlock>([[to, last]]);
    const numbers = [...blockNumbers];
    for (let i = 0; i < numbers.length; i += 50) {
      const chunk = numbers.slice(i, i + 50);
      const fetched = await Promise.all(
        chunk.map((n) => this.send("eth_getBlockByNumber", [toQuantity(n), false]) as Promise<RawBlock | null>),
      );
      fetched.forEach((block, j) => {
        if (block === null) {
          throw new Error(`block ${chunk[j]} is not available; the chain may have been replaced`);
        }
        blocks.set(chunk[j], block);
      });
    }
    let bytes = 0;
    const events = live
      .map((log) => {
        bytes += LOG_OVERHEAD_BYTES + log.data.length + log.topics.length * 68;
        return this.decode(log, quantity((blocks.get(quantity(log.blockNumber)) as RawBlock).timestamp));
      })
      .sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    return { events, last: blocks.get(to) as RawBlock, bytes };
  }

  private store(from: number, to: number, toHash: string, events: IndexedEvent[]): void {
    const { db } = this.options;
    const insert = eventWriter(db);
    this.committedIndexedBlock = null;
    db.transaction(() => {
      if (this.state().next_block !== from) {
        return; // A reset happened meanwhile: this page belongs to the old index.
      }
      for (const e of events) {
        if (this.options.storedByProjections?.has(`${e.contract}.${e.name}`)) continue;
        insert(e);
      }
      db.prepare(
        "UPDATE indexer_state SET next_block = ?, indexed_block = ?, indexed_block_hash = ? WHERE name = ?",
      ).run(to + 1, to, toHash, this.name);
      if (events.length > 0) {
        this.eventHandlers.forEach((handler) => handler(events));
      }
    })();
  }

  private decode(log: RawLog, blockTime: number): IndexedEvent {
    const decoder = this.decoderOf(log);
    let name = "unknown";
    let args: JsonObject = { topics: log.topics, data: log.data };
    const laidOut = decoder.layout?.(log.topics, log.data) ?? null;
    if (laidOut !== null && decoder.event) {
      args = laidOut;
      name = decoder.event.name;
    } else if (decoder.event) {
      try {
        const values = decoder.contract?.iface.decodeEventLog(decoder.event, log.data, log.topics.slice(1));
        if (values) {
          args = abiArgsToJson(values, decoder.event.inputs);
          name = decoder.event.name;
        }
      } catch {
        // A log that does not decode with the ABI stays as raw topics and data.
      }
    }
    return {
      blockNumber: quantity(log.blockNumber),
      logIndex: quantity(log.logIndex),
      txHash: log.transactionHash,
      address: decoder.address,
      contract: decoder.contract?.name ?? "unknown",
      name,
      args,
      blockTime,
    };
  }

  /**
   * The contract and event of a log's address and first topic, looked up once per pair: checksumming an address and
   * matching a topic each hash with keccak, which per log was most of the indexer's time. The event is kept as an
   * anonymous copy, so that decoding does not hash its signature again to compare it with a topic already matched.
   */
  private decoderOf(log: RawLog): LogDecoder {
    const key = `${log.address.toLowerCase()}:${log.topics[0] ?? ""}`;
    let decoder = this.decoders.get(key);
    if (!decoder) {
      const address = getAddress(log.address);
      const contract = this.byAddress.get(address);
      let event: EventFragment | null = null;
      try {
        const fragment = log.topics[0] ? contract?.iface.getEvent(log.topics[0]) : null;
        if (fragment && !fragment.anonymous) {
          event = EventFragment.from({ ...(JSON.parse(fragment.format("json")) as object), anonymous: true });
        }
      } catch {
        // Not an event of this ABI: stored raw.
      }
      decoder = { address, contract, event, layout: event ? eventLayout(event) : null };
      this.decoders.set(key, decoder);
    }
    return decoder;
  }

  private state(): StateRecord {
    return this.stateQuery.get(this.name)!;
  }

  /**
   * eth_getLogs over the provider's own connection (its URL, headers and timeout), with the answer decoded by Node's
   * UTF-8 decoder and JSON.parse: ethers decodes bodies with a JavaScript UTF-8 decoder, which on pages of
   * megabytes took more time than everything else the indexer does. Through `send` when the provider has no
   * single connection.
   */
  private async getLogs(filter: object): Promise<unknown> {
    const provider = this.options.provider;
    if (!(provider instanceof JsonRpcProvider)) return this.send("eth_getLogs", [filter]);
    const request = provider._getConnection();
    request.body = { jsonrpc: "2.0", id: 1, method: "eth_getLogs", params: [filter] };
    // The connection's timeout is per idle socket: a node trickling a huge answer, or stalled on it, never trips it.
    const deadline = setTimeout(() => request.cancel(), this.options.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS);
    const response = await request.send().finally(() => clearTimeout(deadline));
    response.assertOk();
    const answer = JSON.parse(Buffer.from(response.body ?? new Uint8Array()).toString("utf8")) as {
      result?: unknown;
      error?: { code?: number; message?: string };
    };
    if (answer.error || answer.result === undefined) {
      throw new Error(`eth_getLogs failed: ${answer.error?.message ?? "no result"} (code ${answer.error?.code})`);
    }
    return answer.result;
  }

  private send(method: string, params: unknown[]): Promise<unknown> {
    return this.options.provider.send(method, params);
  }
}

/** A JSON-RPC quantity (0x-hex) as a number: block numbers and log indexes stay far below 2^53. */
function quantity(hex: string): number {
  const value = parseInt(hex, 16);
  if (!Number.isSafeInteger(value)) throw new Error(`not a JSON-RPC quantity: ${hex}`);
  return value;
}

/** Writes an event into the `events` table (replacing the row of the same block and log index): `toEvent`'s inverse. */
export function eventWriter(db: Database.Database): (e: IndexedEvent) => void {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO events (block_number, log_index, tx_hash, address, contract, name, args_json, block_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return (e) => {
    insert.run(e.blockNumber, e.logIndex, e.txHash, e.address, e.contract, e.name, JSON.stringify(e.args), e.blockTime);
  };
}

/** An `events` row as the event it indexes. */
export function toEvent(record: EventRecord): IndexedEvent {
  return {
    blockNumber: record.block_number,
    logIndex: record.log_index,
    txHash: record.tx_hash,
    address: record.address,
    contract: record.contract,
    name: record.name,
    args: JSON.parse(record.args_json) as JsonObject,
    blockTime: record.block_time,
  };
}
