/**
 * The environment a development `hardhat node` runs with, besides the caller's own.
 *
 * Hardhat's EVM (EDR, in Rust) records a trace of every EVM step of every transaction, for Solidity stack traces,
 * whether anyone asks for it or not: about 2 MB for each consent of a `recordBatch`, freed when the transaction is
 * mined. EDR allocates with mimalloc, which by default gives freed memory back to the operating system after 10 ms and
 * asks for it in 2 MiB huge pages: every batch then faulted its trace's memory in again, and the kernel zeroed it,
 * 2 MiB at a time (1.3–2.6 huge-page faults a consent; 40 % of the node's CPU under the consents benchmark was
 * `clear_page`). Keeping freed memory (`purge_delay` -1) and small pages lets each batch reuse the last one's: the node's
 * CPU a consent of `recordBatch` fell from 0.25–0.34 ms to 0.12–0.13 (docs/perf/consents-profile.md, "The chain
 * node's allocator"). The cost: the node keeps the memory of its largest trace resident instead of returning it.
 * That reuse holds only while the same threads build the traces: hardhat.config.ts hands the node's requests to EDR one
 * at a time for that (scripts/lib/one-request-at-a-time.ts).
 * mimalloc reads these variables when EDR's library loads (test/scripts/hardhat-node-env.test.ts checks that it does).
 */
export const HARDHAT_NODE_ENV: Readonly<Record<string, string>> = {
  MIMALLOC_PURGE_DELAY: "-1",
  MIMALLOC_ALLOW_LARGE_OS_PAGES: "0",
};
