/**
 * Reads contract events from the chain the way an auditor should on a long chain: filtered by topics (a subject
 * reference, an agreement id, a department id) rather than by scanning every log, in pages of block ranges so that
 * no single `eth_getLogs` call spans too much, and with each block's timestamp read at most once.
 *
 * Every read is bounded by the block range fixed when the auditor connected, so one report reflects one block.
 */
import type { Interface, Provider, Result } from "ethers";
import { providerLogReader, type LogReader, type RawLog } from "./log-reader";

export type { RawLog } from "./log-reader";

export interface ChainEvent {
  name: string;
  args: Result;
  address: string;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
  /** Timestamp of the event's block (unix seconds). */
  time: number;
}

/** One topic position: any value (null), one value, or any of several values. */
export type TopicFilter = (string | string[] | null)[];

/** Default number of blocks per `eth_getLogs` call. */
export const DEFAULT_PAGE_BLOCKS = 5_000;
/** Logs one `eth_getLogs` answer should hold at most by default: a larger answer halves the next page's blocks. */
const LOGS_A_PAGE = 10_000;
/** Blocks of the first `eth_getLogs` call of a read: the span then doubles while answers stay small. */
export const FIRST_PAGE_BLOCKS = 16;
/** Most values one topic position is given in a single call (an OR over many ids is split into several calls). */
const MAX_TOPIC_ALTERNATIVES = 100;
/** Most block headers requested at once. */
const BLOCK_FETCH_CONCURRENCY = 64;

export interface EventSourceStats {
  getLogsCalls: number;
  blocksRead: number;
}

export interface EventSourceOptions {
  /** Most blocks one `eth_getLogs` call spans (`DEFAULT_PAGE_BLOCKS`). */
  pageBlocks?: number;
  /** Logs an answer should hold at most before the next page is narrowed (`LOGS_A_PAGE`). */
  logsAPage?: number;
  /** How `eth_getLogs` is read: over the node's URL (log-reader.ts) or, without one, through the provider. */
  readLogs?: LogReader;
}

/** What a source and the sources made from it by `until` share: block times read once, and the counts of reads. */
interface Shared {
  blockTimes: Map<number, Promise<number>>;
  stats: EventSourceStats;
}

export class EventSource {
  readonly stats: EventSourceStats;
  private readonly pageBlocks: number;
  private readonly logsAPage: number;
  private readonly readLogs: LogReader;
  private readonly blockTimes: Map<number, Promise<number>>;

  constructor(
    private readonly provider: Provider,
    readonly fromBlock: number,
    readonly toBlock: number,
    private readonly options: EventSourceOptions = {},
    shared: Shared = { blockTimes: new Map(), stats: { getLogsCalls: 0, blocksRead: 0 } },
  ) {
    this.pageBlocks = options.pageBlocks ?? DEFAULT_PAGE_BLOCKS;
    this.logsAPage = options.logsAPage ?? LOGS_A_PAGE;
    this.readLogs = options.readLogs ?? providerLogReader(provider);
    this.blockTimes = shared.blockTimes;
    this.stats = shared.stats;
  }

  /** The same source ending at `toBlock` (sharing the block-time cache). */
  until(toBlock: number): EventSource {
    return new EventSource(this.provider, this.fromBlock, Math.min(toBlock, this.toBlock), this.options, {
      blockTimes: this.blockTimes,
      stats: this.stats,
    });
  }

  /**
   * The events of `iface` emitted by `address` that match `topics`, in chain order, each with its block's time.
   * `range` narrows the connection's block range. Everything in memory at once: for the few events of a subject, an
   * agreement or a department; `pages` for a contract's whole history.
   */
  async events(
    address: string,
    iface: Interface,
    topics: TopicFilter,
    range: { fromBlock?: number; toBlock?: number } = {},
  ): Promise<ChainEvent[]> {
    const events: ChainEvent[] = [];
    for await (const page of this.pages(address, iface, topics, range)) for (const event of page) events.push(event);
    return events;
  }

  /**
   * The same events a page at a time, pages in chain order, so that a caller folding a contract's whole history (a
   * province's millions of consents) holds one page. A page spans at most the source's `pageBlocks` (a node's cap on
   * one `eth_getLogs` range, Besu's 5,000 by default). It starts at `FIRST_PAGE_BLOCKS` and follows the answers:
   * halved after an answer of more than `logsAPage` logs (`LOGS_A_PAGE`), or when the node fails the call (a node
   * that refuses a large answer; the same blocks are asked again), doubled after an answer of less than a quarter of
   * that. A call that fails for a single block fails the read.
   */
  async *pages(
    address: string,
    iface: Interface,
    topics: TopicFilter,
    range: { fromBlock?: number; toBlock?: number } = {},
  ): AsyncGenerator<ChainEvent[]> {
    for await (const logs of this.logPages(address, topics, range)) yield await this.parsed(logs, iface);
  }

  /**
   * The logs themselves, paged as `pages` pages them, each page's block times read (`blockTime` answers them at
   * once): for a caller that decodes a contract's whole history faster than ethers does (report's scorecard).
   */
  async *logPages(
    address: string,
    topics: TopicFilter,
    range: { fromBlock?: number; toBlock?: number } = {},
  ): AsyncGenerator<RawLog[]> {
    const fromBlock = Math.max(range.fromBlock ?? this.fromBlock, this.fromBlock);
    const toBlock = Math.min(range.toBlock ?? this.toBlock, this.toBlock);
    const parts = splitAlternatives(topics).filter(
      (part) => !part.some((position) => Array.isArray(position) && position.length === 0),
    );
    if (parts.length === 0) return;
    // Small at first (a province's blocks may hold hundreds of consents each), widened while answers stay small.
    let span = Math.min(this.pageBlocks, FIRST_PAGE_BLOCKS);
    for (let from = fromBlock; from <= toBlock;) {
      const to = Math.min(from + span - 1, toBlock);
      let logs: RawLog[];
      try {
        logs = await this.logs(address, parts, from, to);
      } catch (error) {
        if (to === from) throw error;
        span = Math.max(1, Math.floor((to - from + 1) / 2));
        continue;
      }
      from = to + 1;
      if (logs.length > this.logsAPage) span = Math.max(1, Math.floor(span / 2));
      else if (logs.length < this.logsAPage / 4) span = Math.min(this.pageBlocks, span * 2);
      if (logs.length === 0) continue;
      await this.readBlockTimes(logs.map((log) => log.blockNumber));
      yield logs;
    }
  }

  /** The logs of blocks `from` to `to` matching any of `parts`, in chain order. */
  private async logs(address: string, parts: TopicFilter[], from: number, to: number): Promise<RawLog[]> {
    const logs: RawLog[] = [];
    for (const part of parts) {
      this.stats.getLogsCalls++;
      for (const log of await this.readLogs({ address, topics: part, fromBlock: from, toBlock: to })) logs.push(log);
    }
    if (parts.length > 1) logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    return logs;
  }

  private async parsed(logs: readonly RawLog[], iface: Interface): Promise<ChainEvent[]> {
    const events: ChainEvent[] = [];
    for (const log of logs) {
      const parsed = iface.parseLog(log);
      if (!parsed) continue; // an event of another interface at the same address
      events.push({
        name: parsed.name,
        args: parsed.args,
        address: log.address,
        blockNumber: log.blockNumber,
        logIndex: log.index,
        transactionHash: log.transactionHash,
        time: await this.blockTime(log.blockNumber),
      });
    }
    return events;
  }

  /** The timestamp of block `number`, read from the chain once. */
  blockTime(number: number): Promise<number> {
    let time = this.blockTimes.get(number);
    if (!time) {
      this.stats.blocksRead++;
      time = this.provider.getBlock(number).then((block) => {
        if (!block) throw new Error(`block ${number} is not on the chain`);
        return block.timestamp;
      });
      this.blockTimes.set(number, time);
    }
    return time;
  }

  /** The first block in the connection's range whose timestamp is at or after `time` (toBlock + 1 if none). */
  async firstBlockAtOrAfter(time: number): Promise<number> {
    let low = this.fromBlock;
    let high = this.toBlock + 1;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if ((await this.blockTime(mid)) < time) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private async readBlockTimes(numbers: number[]): Promise<void> {
    const missing = [...new Set(numbers)].filter((n) => !this.blockTimes.has(n));
    for (let i = 0; i < missing.length; i += BLOCK_FETCH_CONCURRENCY) {
      await Promise.all(missing.slice(i, i + BLOCK_FETCH_CONCURRENCY).map((n) => this.blockTime(n)));
    }
  }
}

/** Splits a filter whose positions list more than MAX_TOPIC_ALTERNATIVES values into several filters. */
function splitAlternatives(topics: TopicFilter): TopicFilter[] {
  const wide = topics.findIndex((t) => Array.isArray(t) && t.length > MAX_TOPIC_ALTERNATIVES);
  if (wide < 0) return [topics];
  const values = topics[wide] as string[];
  const parts: TopicFilter[] = [];
  for (let i = 0; i < values.length; i += MAX_TOPIC_ALTERNATIVES) {
    const part = [...topics];
    part[wide] = values.slice(i, i + MAX_TOPIC_ALTERNATIVES);
    parts.push(...splitAlternatives(part));
  }
  return parts;
}

/** A uint256 (an agreement or grant id) as a topic. */
export function uintTopic(value: bigint | number | string): string {
  return "0x" + BigInt(value).toString(16).padStart(64, "0");
}

/** An event as a reference in JSON output. */
export function eventRef(event: ChainEvent) {
  return { event: event.name, block: event.blockNumber, time: event.time, tx: event.transactionHash };
}
