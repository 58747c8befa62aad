/**
 * A JSON-RPC node for measuring a gateway at a province's volume (issue 17) that the Hardhat node cannot hold: the
 * real chain (deployment, departments, the measured resource, agreement, grant and consents, all made through the
 * gateways) up to its head at the time the replay starts, followed by synthetic blocks of ConsentRecorded and
 * GrantIssued logs in the deployed contracts' format (replay-chain.ts), as many as `replay_setConsents` asks.
 *
 * What it answers itself: eth_blockNumber (the last synthetic block), eth_getBlockByNumber of a synthetic block (or
 * "latest"), and eth_getLogs (the real part of the range from the real node, the synthetic part generated). What it
 * refuses: eth_sendRawTransaction and eth_sendTransaction (a write would be mined on the real chain at a block number
 * the replay has already used). Everything else goes to the real node as it is.
 */
import http from "node:http";
import { ReplayChain } from "./replay-chain";

interface RpcRequest {
  jsonrpc: "2.0";
  id: unknown;
  method: string;
  params?: unknown[];
}

const REFUSED = new Set(["eth_sendRawTransaction", "eth_sendTransaction"]);

export class ReplayNode {
  private syntheticBlocks = 0;
  /** Requests served, by method (the benchmark reports what the gateways asked of the node). */
  readonly served = new Map<string, number>();

  constructor(
    private readonly chain: ReplayChain,
    private readonly upstream: string,
  ) {}

  head(): number {
    return this.chain.spec.realHead + this.syntheticBlocks;
  }

  setConsents(consents: number): { head: number; consents: number; grants: number } {
    this.syntheticBlocks = this.chain.blocksFor(consents);
    return { head: this.head(), ...this.chain.contentOf(this.syntheticBlocks) };
  }

  listen(port: number, host: string): http.Server {
    return http
      .createServer((req, res) => {
        const chunks: Buffer[] = [];
        const closed = new AbortController();
        res.on("close", () => closed.abort());
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
          this.answer(Buffer.concat(chunks).toString("utf8"), closed.signal).then(
            (body) => {
              res.writeHead(200, { "content-type": "application/json" });
              res.end(body);
            },
            (error: unknown) => {
              if (closed.signal.aborted) return;
              res.writeHead(500, { "content-type": "text/plain" });
              res.end(String(error));
            },
          );
        });
      })
      .listen(port, host);
  }

  private async answer(body: string, closed: AbortSignal): Promise<string> {
    const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
    if (Array.isArray(parsed)) {
      const answers = await Promise.all(parsed.map((request) => this.one(request, closed)));
      return `[${answers.join(",")}]`;
    }
    return this.one(parsed, closed);
  }

  /** One request's answer, as JSON text (the logs of a page are joined as text, not built into one object). */
  private async one(request: RpcRequest, closed: AbortSignal): Promise<string> {
    this.served.set(request.method, (this.served.get(request.method) ?? 0) + 1);
    const result = (value: string) => `{"jsonrpc":"2.0","id":${JSON.stringify(request.id)},"result":${value}}`;
    const params = request.params ?? [];
    try {
      switch (request.method) {
        case "replay_setConsents":
          return result(JSON.stringify(this.setConsents(Number(params[0]))));
        case "eth_blockNumber":
          return result(JSON.stringify(`0x${this.head().toString(16)}`));
        case "eth_getBlockByNumber": {
          const tag = params[0] as string;
          const n = tag === "latest" || tag === "safe" || tag === "finalized" ? this.head() : Number(BigInt(tag));
          if (n > this.head()) return result("null");
          if (this.chain.isSynthetic(n)) return result(JSON.stringify(this.chain.block(n)));
          return result(await this.forwardResult(request.method, [`0x${n.toString(16)}`, ...params.slice(1)]));
        }
        case "eth_getLogs":
          return result(await this.logs(params[0] as { fromBlock?: string; toBlock?: string }, request, closed));
        default:
          if (REFUSED.has(request.method)) {
            return `{"jsonrpc":"2.0","id":${JSON.stringify(request.id)},"error":{"code":-32000,"message":"replay node: read only"}}`;
          }
          return result(await this.forwardResult(request.method, params));
      }
    } catch (error) {
      const message = JSON.stringify(`replay node: ${error instanceof Error ? error.message : String(error)}`);
      return `{"jsonrpc":"2.0","id":${JSON.stringify(request.id)},"error":{"code":-32603,"message":${message}}}`;
    }
  }

  private async logs(
    filter: { fromBlock?: string; toBlock?: string; topics?: unknown[] },
    request: RpcRequest,
    closed: AbortSignal,
  ): Promise<string> {
    const number = (tag: string | undefined, fallback: number) =>
      tag === undefined || tag === "latest" ? fallback : Number(BigInt(tag));
    const from = number(filter.fromBlock, this.head());
    const to = Math.min(number(filter.toBlock, this.head()), this.head());
    const parts: string[] = [];
    const realHead = this.chain.spec.realHead;
    if (from <= realHead) {
      const real = await this.forwardResult("eth_getLogs", [
        { ...filter, fromBlock: `0x${from.toString(16)}`, toBlock: `0x${Math.min(to, realHead).toString(16)}` },
      ]);
      const inner = real.trim().slice(1, -1).trim();
      if (inner) parts.push(inner);
    }
    const wanted = addressesOf(request);
    for (let b = Math.max(from, realHead + 1); b <= to; b++) {
      // A block at a time, letting other requests in between; a request its client gave up is not finished.
      if (closed.aborted) throw new Error("the client closed the connection");
      const logs = this.chain.logsJson(b, wanted, filter.topics);
      if (logs) parts.push(logs);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return `[${parts.join(",")}]`;
  }

  private async forwardResult(method: string, params: unknown[]): Promise<string> {
    const response = await fetch(this.upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const answer = (await response.json()) as { result?: unknown; error?: { message?: string } };
    if (answer.error) throw new Error(answer.error.message ?? "upstream error");
    return JSON.stringify(answer.result ?? null);
  }
}

function addressesOf(request: RpcRequest): Set<string> | null {
  const address = (request.params?.[0] as { address?: string | string[] } | undefined)?.address;
  if (address === undefined) return null;
  return new Set((Array.isArray(address) ? address : [address]).map((a) => a.toLowerCase()));
}
