/**
 * Reads contract events from the chain the way an auditor should on a long chain: filtered by topics (a subject
 * reference, an agreement id, a department id) rather than by scanning every log, in pages of block ranges so that
 * no single `eth_getLogs` call spans too much, and with each block's timestamp read at most once.
 *
 * Every read is bounded by the block range fixed when the auditor connected, so one report reflects one block.
 */
import type { Interface, Provider, Result } from "ethers";

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
/** Most values one topic position is given in a single call (an OR over many ids is split into several calls). */
const MAX_TOPIC_ALTERNATIVES = 100;
/** Most block headers requested at once. */
const BLOCK_FETCH_CONCURRENCY = 64;

export interface EventSourceStats {
  getLogsCalls: number;
  blocksRead: number;
}

export class EventSource {
  constructor(
    private readonly provider: Provider,
    readonly fromBlock: number,
    readonly toBlock: number,
    private readonly pageBlocks: number = DEFAULT_PAGE_BLOCKS,
    private readonly blockTimes = new Map<number, Promise<number>>(),
    readonly stats: EventSourceStats = { getLogsCalls: 0, blocksRead: 0 },
  ) {}

  /** The same source ending at `toBlock` (sharing the block-time cache). */
  until(toBlock: number): EventSource {
    return new EventSource(
      this.provider,
      this.fromBlock,
      Math.min(toBlock, this.toBlock),
      this.pageBlocks,
      this.blockTimes,
      this.stats,
    );
  }

  /**
   * The events of `iface` emitted by `address` that match `topics`, in chain order, each with its block's time.
   * `range` narrows the connection's block range.
   */
  async events(
    address: string,
    iface: Interface,
    topics: TopicFilter,
    range: { fromBlock?: number; toBlock?: number } = {},
  ): Promise<ChainEvent[]> {
    const fromBlock = Math.max(range.fromBlock ?? this.fromBlock, this.fromBlock);
    const toBlock = Math.min(range.toBlock ?? this.toBlock, this.toBlock);
    const logs = [];
    for (const part of splitAlternatives(topics)) {
      if (part.some((position) => Array.isArray(position) && position.length === 0)) continue;
      for (let from = fromBlock; from <= toBlock; from += this.pageBlocks) {
        const to = Math.min(from + this.pageBlocks - 1, toBlock);
        this.stats.getLogsCalls++;
        logs.push(...(await this.provider.getLogs({ address, topics: part, fromBlock: from, toBlock: to })));
      }
    }
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    await this.readBlockTimes(logs.map((log) => log.blockNumber));
    const events: ChainEvent[] = [];
    for (const log of logs) {
      const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
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
