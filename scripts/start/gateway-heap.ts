/**
 * The V8 heap a gateway process runs with: the one place that sizes it, for every launch of the compiled gateway
 * (`npm start`'s supervisor, the benchmark's stack, the fault tests' own gateways). See docs/perf/gateway-memory.md.
 */
export const GATEWAY_HEAP_FLAGS: readonly string[] = ["--max-semi-space-size=8", "--max-old-space-size=512"];
