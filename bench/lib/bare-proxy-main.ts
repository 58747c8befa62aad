/**
 * The baseline as its own process on 127.0.0.1:<port>. argv: <targetUrl> <port> [query|fetch]: `query` (default)
 * forwards to a backend (presenting KUAJIE_BACKEND_TOKEN when set), `fetch` to the next bare proxy.
 */
import { createBareProxy } from "./bare-proxy";

const [targetUrl, port, hop] = process.argv.slice(2);
const server = createBareProxy(targetUrl, {
  path: hop === "fetch" ? "fetch" : "query",
  backendToken: process.env.KUAJIE_BACKEND_TOKEN || undefined,
}).listen(Number(port), "127.0.0.1");
const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
