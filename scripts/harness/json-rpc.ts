/** One JSON-RPC call to a node (the Hardhat node of `npm start`), without a provider's caching or retries. */

export class JsonRpcError extends Error {}

export async function jsonRpc(
  url: string,
  method: string,
  params: readonly unknown[] = [],
  timeoutMs = 10_000,
): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new JsonRpcError(`${method}: ${body.error.message}`);
  return body.result;
}

/** The timestamp of the node's latest block, in seconds: the clock the contracts judge by. */
export async function chainTime(url: string): Promise<number> {
  const block = (await jsonRpc(url, "eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  return Number(BigInt(block.timestamp));
}
