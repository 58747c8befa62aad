/** The baseline as its own process: `createBareProxy(backendUrl)` on 127.0.0.1:<port>. argv: <backendUrl> <port>. */
import { createBareProxy } from "./bare-proxy";

const [backendUrl, port] = process.argv.slice(2);
const server = createBareProxy(backendUrl).listen(Number(port), "127.0.0.1");
const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
