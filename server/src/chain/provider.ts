import {
  FetchRequest,
  JsonRpcProvider,
  Network,
  type JsonRpcApiProvider,
  type JsonRpcPayload,
  type JsonRpcResult,
} from "ethers";
import { ChainUnavailableError, isNetworkError } from "./errors";
import { nodeGetUrl } from "./node-get-url";

export interface ProviderOptions {
  /** The chain id, when known from configuration; otherwise it is asked of the node once. */
  chainId?: number;
  /** Per-request timeout (ethers' default is 5 minutes, far too long to notice a hung node). */
  timeoutMs?: number;
}

export interface ChainInfo {
  chainId: number;
  blockNumber: number;
  genesisHash: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * ethers' JSON-RPC provider with the request and answer bodies converted by Node's UTF-8 codec instead of ethers' own
 * JavaScript one, which walks every character: a consent batch's signed transaction (about 100 kB of hex) and its
 * receipt (a log per consent, a few hundred kB) cost the gateway more CPU in that loop than in anything else it does
 * for the batch. The exchange is otherwise ethers' `_send` as is (same headers, connection, errors).
 */
class NodeCodecJsonRpcProvider extends JsonRpcProvider {
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const request = this._getConnection();
    request.body = Buffer.from(JSON.stringify(payload), "utf8");
    request.setHeader("content-type", "application/json");
    const response = await request.send();
    response.assertOk();
    let answer: JsonRpcResult | JsonRpcResult[];
    try {
      answer = JSON.parse(Buffer.from(response.body ?? new Uint8Array()).toString("utf8")) as typeof answer;
    } catch {
      answer = response.bodyJson as typeof answer; // throws ethers' own "response body is not valid JSON"
    }
    return Array.isArray(answer) ? answer : [answer];
  }
}

/**
 * A JSON-RPC provider for `url` bound to one network: no network detection loop, no event polling, no result cache
 * (the adapter polls explicitly and must see the newest block). Without `chainId` the node is asked once, so the
 * node must be up; a `ChainUnavailableError` says it is not.
 */
export async function createProvider(url: string, options: ProviderOptions = {}): Promise<JsonRpcProvider> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const chainId = options.chainId ?? (await fetchChainId(url, timeoutMs));
  const network = Network.from(chainId);
  return new NodeCodecJsonRpcProvider(connection(url, timeoutMs), network, {
    staticNetwork: network,
    polling: false,
    cacheTimeout: -1,
    // Requests issued together are still batched; waiting 10 ms for more (the default) only slows a serial sender.
    batchStallTime: 0,
  });
}

/** Asks the node at `url` for its chain id with a single request. */
export async function fetchChainId(url: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
  const request = connection(url, timeoutMs);
  request.body = { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] };
  try {
    const response = await request.send();
    response.assertOk();
    const body = response.bodyJson as { result?: string; error?: { message?: string } };
    if (typeof body.result !== "string") {
      throw new Error(body.error?.message ?? "eth_chainId returned no result");
    }
    return Number(BigInt(body.result));
  } catch (error) {
    throw isNetworkError(error) ? new ChainUnavailableError(`eth_chainId at ${url} failed`) : error;
  }
}

/** Chain id, latest block number and genesis block hash, read from the node now. */
export async function chainInfo(provider: JsonRpcApiProvider): Promise<ChainInfo> {
  const [chainId, blockNumber, genesis] = await Promise.all([
    provider.send("eth_chainId", []) as Promise<string>,
    provider.send("eth_blockNumber", []) as Promise<string>,
    provider.send("eth_getBlockByNumber", ["0x0", false]) as Promise<{ hash: string } | null>,
  ]);
  if (!genesis) {
    throw new ChainUnavailableError("the node returned no genesis block");
  }
  return { chainId: Number(BigInt(chainId)), blockNumber: Number(BigInt(blockNumber)), genesisHash: genesis.hash };
}

function connection(url: string, timeoutMs: number): FetchRequest {
  const request = new FetchRequest(url);
  request.timeout = timeoutMs;
  request.getUrlFunc = nodeGetUrl;
  return request;
}
