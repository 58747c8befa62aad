/**
 * The development `hardhat node` takes its JSON-RPC requests one at a time (hardhat.config.ts wraps the provider of
 * its server with this).
 *
 * Hardhat's EVM (EDR, in Rust) runs each request on a thread of its own tokio blocking pool and then waits for the one
 * lock over the chain, so requests never ran side by side anyway; but a burst of concurrent requests (five gateways
 * catching up at start, a benchmark's load) left one idle thread per request waiting in the pool, up to 160 of them,
 * and the next requests were handed round all of them. Each transaction's trace (about 2 MB a consent of a
 * `recordBatch`) was then built on a different thread, whose allocator heap (mimalloc, which keeps freed memory with
 * scripts/lib/hardhat-node-env.ts) did not yet hold that memory: the node faulted in fresh pages for most batches and
 * grew to 2.4–2.8 GB within 12,000 consents, and its CPU a consent doubled (0.51–0.54 ms against 0.24;
 * docs/perf/consents-profile.md, "One request at a time into the node"). Handed over one at a time, the requests
 * keep one or two pool threads, which reuse their memory.
 */
export interface RequestProvider {
  request(args: unknown): Promise<unknown>;
}

/**
 * Makes `provider.request` start each call only once the previous one has been answered (or has failed), in the order
 * they were made; a failure goes to its own caller only. Returns the same provider, changed in place (its events and
 * other methods are untouched).
 */
export function oneRequestAtATime<P extends RequestProvider>(provider: P): P {
  const request = provider.request.bind(provider);
  let previous: Promise<unknown> = Promise.resolve();
  provider.request = (args: unknown) => {
    const answer = previous.then(() => request(args));
    previous = answer.catch(() => undefined);
    return answer;
  };
  return provider;
}
