/**
 * The replay node as its own process (as a real node is), on 127.0.0.1:<port>. argv: <upstream rpc> <port> <spec
 * file> (a ReplayChainSpec as JSON, bigints as decimal strings). It checks its log layouts against the ABI first.
 */
import fs from "node:fs";
import { ReplayChain, type ReplayChainSpec } from "./replay-chain";
import { ReplayNode } from "./replay-node";

const [upstream, port, specFile] = process.argv.slice(2);
const raw = JSON.parse(fs.readFileSync(specFile, "utf8")) as Omit<ReplayChainSpec, "firstGrantId"> & {
  firstGrantId: string;
};
const chain = new ReplayChain({ ...raw, firstGrantId: BigInt(raw.firstGrantId) });
chain.verifyLayouts();
const node = new ReplayNode(chain, upstream);
const server = node.listen(Number(port), "127.0.0.1");
const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
