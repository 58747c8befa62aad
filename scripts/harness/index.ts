/**
 * The process harness: free ports, bounded waits, JSON-RPC calls, process groups, and a whole stack spawned as
 * `npm start` runs it. Used by `npm start` itself, the demo, the e2e and fault tests and the benchmarks; never by the
 * gateway (server/), which runs inside it.
 */
export { HOST, freePort, freePorts, portIsFree } from "./ports";
export { sleep, waitFor } from "./wait";
export { JsonRpcError, chainTime, jsonRpc } from "./json-rpc";
export { waitForIndexed } from "./indexed";
export { hasExited, isAlive, signalGroup } from "./processes";
export { ROOT, START_BOUND_MS, STOP_BOUND_MS, StackSite, StartProcess, TS_NODE } from "./stack";
