import type { JsonRpcProvider } from "ethers";
import { createProvider } from "../../../../server/src/chain/provider";
import { startHardhatNode, type HardhatNode } from "./hardhat-node";

/** A hardhat node of the suite's own, which its tests may restart to get a fresh chain, and a provider on it. */
export interface FreshChain {
  readonly node: HardhatNode;
  readonly provider: JsonRpcProvider;
}

/** Starts the node before the enclosing `describe` block's tests and stops it after them. */
export function useFreshChain(): FreshChain {
  let node: HardhatNode | undefined;
  let provider: JsonRpcProvider | undefined;

  before(async function () {
    node = await startHardhatNode();
    provider = await createProvider(node.url, { chainId: 31337, timeoutMs: 2_000 });
  });

  after(async function () {
    provider?.destroy();
    await node?.stop();
  });

  return {
    get node() {
      if (node === undefined) throw new Error("the fresh chain starts in the suite's before hook");
      return node;
    },
    get provider() {
      if (provider === undefined) throw new Error("the fresh chain starts in the suite's before hook");
      return provider;
    },
  };
}
