/**
 * Every gateway keeps its own index of the chain: what one department just did at its gateway (a resource
 * registered, an agreement approved) reaches another department's gateway when that one has indexed the block.
 */
import { jsonRpc } from "./json-rpc";
import { sleep } from "./wait";

/**
 * Until the gateway at `gatewayUrl` has indexed the chain's latest block (as of this call), judged by the `block` of
 * its `GET /v1/departments` list; throws after `boundMs`.
 */
export async function waitForIndexed(
  gatewayUrl: string,
  token: string,
  rpcUrl: string,
  boundMs = 30_000,
): Promise<void> {
  const head = Number(await jsonRpc(rpcUrl, "eth_blockNumber"));
  const deadline = Date.now() + boundMs;
  let block: number | null = null;
  for (;;) {
    try {
      const response = await fetch(`${gatewayUrl}/v1/departments`, {
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        signal: AbortSignal.timeout(5_000),
      });
      if (response.ok) {
        block = ((await response.json()) as { block: number }).block;
        if (block >= head) return;
      } else {
        await response.arrayBuffer();
      }
    } catch {
      // not answering yet (a restart): try again until the bound
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the gateway at ${gatewayUrl} has not indexed block ${head} after ${boundMs / 1000} s (at ${block ?? "no answer"})`,
      );
    }
    await sleep(200);
  }
}
