import http from "node:http";
import type { AddressInfo } from "node:net";
import { Interface, toBeHex, toQuantity } from "ethers";

/** The one event the fake node's contract emits: enough to index, decode and count. */
export const FAKE_EVENT_ABI = ["event Recorded(uint256 indexed serial, bytes payload)"];
export const FAKE_CONTRACT = "0x00000000000000000000000000000000000000cc";
const iface = new Interface(FAKE_EVENT_ABI);

export interface FakeNodeOptions {
  /** Blocks 1..head exist (block 0 is genesis and holds no log). */
  head: number;
  /** Logs emitted in each block. */
  logsPerBlock: number;
  /** Bytes of each log's `payload`: big payloads make big answers. */
  payloadBytes?: number;
  /** Refuse an eth_getLogs wider than this with a JSON-RPC error, as Besu does beyond `--rpc-max-logs-range`. */
  maxRange?: number;
  /** Hang up the socket, without answering, instead of sending an eth_getLogs answer with more logs than this. */
  hangUpAboveLogs?: number;
  /** Hang up the socket, without answering, instead of sending an eth_getLogs answer larger than this many bytes. */
  hangUpAboveBytes?: number;
  /** Hang up on the first this many eth_getLogs requests, whatever their size (a node that restarts, a flaky link). */
  hangUpFirst?: number;
  /** Never answer an eth_getLogs answer with more logs than this (a node stalled on it, the socket left open). */
  stallAboveLogs?: number;
}

interface RpcRequest {
  id: number;
  method: string;
  params: unknown[];
}

/**
 * A JSON-RPC node serving a synthetic chain of `head` blocks, each with `logsPerBlock` logs of one contract, and
 * misbehaving the ways real nodes do with large log queries: ranges refused above a cap, sockets hung up on large
 * answers (the Hardhat node with an 88 MB page), failures of the first requests.
 */
export class FakeRpcNode {
  /** Every eth_getLogs range asked for, answered or not. */
  readonly getLogsRanges: Array<[number, number]> = [];
  /** How many times the head was asked for (one per catch-up). */
  headReads = 0;
  /** The methods of each HTTP request received, in order (a batch is one request). */
  readonly httpRequests: string[][] = [];
  private hangUps = 0;

  private constructor(
    private readonly server: http.Server,
    private readonly options: FakeNodeOptions,
  ) {}

  static async start(options: FakeNodeOptions): Promise<FakeRpcNode> {
    let node: FakeRpcNode | null = null;
    const server = http.createServer((req, res) => node?.handle(req, res));
    node = new FakeRpcNode(server, options);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The chain grows to `head` blocks. */
  growTo(head: number): void {
    this.options.head = head;
  }

  get socketsHungUp(): number {
    return this.hangUps;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcRequest | RpcRequest[];
      const requests = Array.isArray(body) ? body : [body];
      this.httpRequests.push(requests.map((r) => r.method));
      const answers: unknown[] = [];
      for (const request of requests) {
        const answer = this.answer(request);
        if (answer === "stall") return;
        if (answer === "hang up") {
          this.hangUps += 1;
          req.socket.destroy();
          return;
        }
        answers.push({ jsonrpc: "2.0", id: request.id, ...answer });
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(Array.isArray(body) ? answers : answers[0]));
    });
  }

  private answer(
    request: RpcRequest,
  ): { result: unknown } | { error: { code: number; message: string } } | "hang up" | "stall" {
    const { head } = this.options;
    switch (request.method) {
      case "eth_chainId":
        return { result: toQuantity(31337) };
      case "eth_blockNumber":
        this.headReads += 1;
        return { result: toQuantity(head) };
      case "eth_getCode":
        return { result: "0x6001" };
      case "eth_getBlockByNumber": {
        const n = Number(BigInt(request.params[0] as string));
        return {
          result: n > head ? null : { number: toQuantity(n), hash: blockHash(n), timestamp: toQuantity(1e9 + n) },
        };
      }
      case "eth_getLogs":
        return this.getLogs(request.params[0] as { fromBlock: string; toBlock: string });
      default:
        return { error: { code: -32601, message: `method ${request.method} not supported` } };
    }
  }

  private log(template: { topics: string[]; data: string }, block: number, index: number, serial: number) {
    return {
      address: FAKE_CONTRACT,
      topics: [template.topics[0], toBeHex(serial, 32)],
      data: template.data,
      blockNumber: toQuantity(block),
      blockHash: blockHash(block),
      transactionHash: blockHash(1_000_000_000 + serial),
      transactionIndex: "0x0",
      logIndex: toQuantity(index),
      removed: false,
    };
  }

  private getLogs(filter: { fromBlock: string; toBlock: string }) {
    const from = Number(BigInt(filter.fromBlock));
    const to = Math.min(Number(BigInt(filter.toBlock)), this.options.head);
    this.getLogsRanges.push([from, to]);
    const { maxRange, hangUpAboveLogs, hangUpAboveBytes, hangUpFirst, logsPerBlock } = this.options;
    if (hangUpFirst !== undefined && this.getLogsRanges.length <= hangUpFirst) return "hang up" as const;
    if (maxRange !== undefined && to - from + 1 > maxRange) {
      return { error: { code: -32005, message: `exceeds max block range of ${maxRange}` } };
    }
    const count = Math.max(0, to - from + 1) * logsPerBlock;
    if (hangUpAboveLogs !== undefined && count > hangUpAboveLogs) return "hang up" as const;
    if (this.options.stallAboveLogs !== undefined && count > this.options.stallAboveLogs) return "stall" as const;
    // One encoding serves every log (only the serial topic differs): the node stays cheap next to the indexer.
    const template = iface.encodeEventLog("Recorded", [0, `0x${"ab".repeat(this.options.payloadBytes ?? 0)}`]);
    const logBytes = JSON.stringify(this.log(template, 1, 0, 0)).length + 1;
    if (hangUpAboveBytes !== undefined && count * logBytes > hangUpAboveBytes) return "hang up" as const;
    const logs = [];
    for (let block = Math.max(1, from); block <= to; block += 1) {
      for (let i = 0; i < logsPerBlock; i += 1) logs.push(this.log(template, block, i, (block - 1) * logsPerBlock + i));
    }
    return { result: logs };
  }
}

/** Distinct per block and cheap (no keccak per log): the fake node must stay fast beside the indexer it tests. */
function blockHash(n: number): string {
  return toBeHex(0xb10c000000000000n + BigInt(n), 32);
}
