/**
 * How the auditor reads `eth_getLogs`: over its own HTTP request to the node, the answer's chunks joined once and
 * decoded by Node's UTF-8 decoder and `JSON.parse`, each log kept as its JSON fields. ethers' provider copies the
 * whole body so far at every 64 kB chunk (quadratic in the answer's size) and decodes it with a JavaScript UTF-8
 * decoder that builds an array of every character's code point: on a page of a province's consents (10^5 logs,
 * ~100 MB of JSON) the auditor spent minutes there and then failed ("invalid size error"); at 10^4 it took 12 s and
 * 650 MB (docs/BENCHMARKS.md, "The auditor at a province's volume").
 */
import http from "node:http";
import https from "node:https";
import type { Provider } from "ethers";

/** A log as the auditor reads it (the JSON-RPC fields it uses; numbers decoded). */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: number;
  index: number;
  transactionHash: string;
}

interface LogFilter {
  address: string;
  topics: (string | string[] | null)[];
  fromBlock: number;
  toBlock: number;
}

export type LogReader = (filter: LogFilter) => Promise<RawLog[]>;

/** A node that sends nothing for this long while answering one page fails the page (the page is then halved). */
const IDLE_TIMEOUT_MS = 120_000;

interface JsonLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  logIndex: string;
  transactionHash: string;
  removed?: boolean;
}

/** `eth_getLogs` at the node's JSON-RPC URL (http or https), as above. */
export function rpcLogReader(rpc: string): LogReader {
  const url = new URL(rpc);
  const client = url.protocol === "https:" ? https : http;
  return async (filter) => {
    const params = [{ ...filter, fromBlock: quantity(filter.fromBlock), toBlock: quantity(filter.toBlock) }];
    const body = await post(client, url, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getLogs", params }));
    let answer: { result?: JsonLog[]; error?: { code?: number; message?: string } };
    try {
      answer = JSON.parse(body.toString("utf8")) as typeof answer;
    } catch {
      throw new Error(`eth_getLogs: the node's answer is not JSON (${body.subarray(0, 80).toString("utf8")}…)`);
    }
    if (answer.error || !Array.isArray(answer.result)) {
      throw new Error(`eth_getLogs failed: ${answer.error?.message ?? "no result"} (code ${answer.error?.code})`);
    }
    const logs: RawLog[] = [];
    for (const log of answer.result) {
      if (log.removed === true) continue;
      logs.push({
        address: log.address,
        topics: log.topics,
        data: log.data,
        blockNumber: Number(log.blockNumber),
        index: Number(log.logIndex),
        transactionHash: log.transactionHash,
      });
    }
    return logs;
  };
}

/** `eth_getLogs` through an ethers provider (a test's in-process node, which has no URL). */
export function providerLogReader(provider: Provider): LogReader {
  return async (filter) =>
    (await provider.getLogs(filter)).map((log) => ({
      address: log.address,
      topics: [...log.topics],
      data: log.data,
      blockNumber: log.blockNumber,
      index: log.index,
      transactionHash: log.transactionHash,
    }));
}

function post(client: typeof http | typeof https, url: URL, body: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(new Error("eth_getLogs: the node stopped answering")));
    request.on("error", reject);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) reject(new Error(`eth_getLogs: the node answered HTTP ${status}`));
        else resolve(Buffer.concat(chunks));
      });
    });
    request.end(body);
  });
}

function quantity(n: number): string {
  return `0x${n.toString(16)}`;
}
