/**
 * A TCP proxy in front of a provider's gateway that can make it stall mid-answer: while stalling, every response
 * that begins is cut after its status line, its headers and half its body; the rest is held until `release()`, and
 * then written to the consumer's connection if it is still open (the "late rest"). Everything else passes through
 * unchanged, byte for byte. The provider's answers are framed by Content-Length (express's `res.json`); a response
 * without one is passed through and never stalled.
 */
import fs from "node:fs";
import net from "node:net";
import { HOST, sleep } from "../../../scripts/harness";

/** A response the proxy cut: what the provider had sent in full, and what reached the consumer. */
export interface StalledAnswer {
  status: number;
  /** The provider's signed answer's `response.requestId`, read from the whole body the proxy held. */
  requestId: string | null;
  /** Bytes of the response forwarded before the stall (status line, headers, part of the body). */
  forwardedBytes: number;
  totalBytes: number;
  /** Whether the consumer's connection was still open when the held rest was released (null: not released yet). */
  consumerOpenAtRelease: boolean | null;
}

const HEAD_END = Buffer.from("\r\n\r\n");
const LISTEN_RETRY_MS = 20_000;

/** Linux's TCP states, by the hex code /proc/net/tcp shows. */
const TCP_STATES: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

/** The sockets bound to a local port (state, and the process owning each, from /proc): for a failure's message. */
function holdersOf(port: number): string {
  try {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
    const sockets = fs
      .readFileSync("/proc/net/tcp", "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(hex));
    const owners = new Map<string, string>();
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
          const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
          if (target.startsWith("socket:[")) owners.set(target.slice(8, -1), pid);
        }
      } catch {
        // gone, or not ours to read
      }
    }
    const describe = (f: string[]) => {
      const pid = owners.get(f[9]);
      const command = pid ? fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").slice(0, 160) : "";
      return `${f[1]} → ${f[2]} ${TCP_STATES[f[3]] ?? f[3]}${pid ? ` pid ${pid} (${command})` : " (no process)"}`;
    };
    return sockets.length ? sockets.map(describe).join("; ") : "no socket on it in /proc/net/tcp";
  } catch (error) {
    return `(could not read /proc: ${(error as Error).message})`;
  }
}

export class StallProxy {
  readonly stalled: StalledAnswer[] = [];
  private stalling = false;
  private readonly connections = new Set<ProxiedConnection>();
  private server: net.Server | null = null;

  constructor(
    private readonly listenPort: number,
    private readonly upstreamPort: number,
  ) {}

  async listen(): Promise<void> {
    // The gateway whose endpoint the proxy takes was killed just before: its port is normally free at once, but CI
    // saw it held now and then. Try again for a while, and if it stays held, say what holds it.
    const deadline = Date.now() + LISTEN_RETRY_MS;
    let server: net.Server;
    for (;;) {
      server = net.createServer((client) => {
        const connection = new ProxiedConnection(this, client, this.upstreamPort);
        this.connections.add(connection);
        client.once("close", () => this.connections.delete(connection));
      });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(this.listenPort, HOST, () => resolve());
        });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
        if (Date.now() > deadline)
          throw new Error(
            `port ${this.listenPort} still in use after ${LISTEN_RETRY_MS} ms: ${holdersOf(this.listenPort)}`,
            { cause: error },
          );
        await sleep(200);
      }
    }
    this.server = server;
  }

  get isStalling(): boolean {
    return this.stalling;
  }

  stall(): void {
    this.stalling = true;
  }

  /** Stops stalling and sends each held rest to its consumer connection, if that is still open. */
  release(): void {
    this.stalling = false;
    for (const connection of this.connections) connection.release();
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A response being stalled: what the proxy holds of it, how much it forwarded, up to where it may. */
interface Cut {
  captured: Buffer;
  sent: number;
  limit: number | null;
  answer: StalledAnswer | null;
}

/** One consumer connection and its upstream connection to the provider's gateway. */
class ProxiedConnection {
  private readonly upstream: net.Socket;
  /** Bytes of the current response's head seen so far (passing), and how much of its body is still to come. */
  private head = Buffer.alloc(0);
  private bodyLeft = 0;
  /** Framing lost (no Content-Length, or after a stall): pass everything through, never stall. */
  private unframed = false;
  private cut: Cut | null = null;

  constructor(
    private readonly proxy: StallProxy,
    private readonly client: net.Socket,
    upstreamPort: number,
  ) {
    this.upstream = net.connect(upstreamPort, HOST);
    client.on("data", (chunk: Buffer) => this.upstream.write(chunk));
    this.upstream.on("data", (chunk: Buffer) => this.fromProvider(chunk));
    client.on("error", () => this.upstream.destroy());
    this.upstream.on("error", () => client.destroy());
    // The consumer gone: the provider's connection goes too, once the proxy holds a stalled answer whole.
    client.on("close", () => {
      if (this.cut?.answer) this.cut.answer.consumerOpenAtRelease = false;
      if (this.cut === null || this.whole(this.cut)) this.upstream.destroy();
    });
    this.upstream.on("close", () => {
      if (this.cut === null) client.end();
    });
  }

  private toClient(bytes: Buffer): void {
    if (bytes.length > 0 && !this.client.destroyed) this.client.write(bytes);
  }

  private fromProvider(chunk: Buffer): void {
    if (this.cut !== null) return this.capture(chunk);
    let rest = chunk;
    while (rest.length > 0) {
      if (this.unframed) return this.toClient(rest);
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, rest.length);
        this.toClient(rest.subarray(0, n));
        this.bodyLeft -= n;
        rest = rest.subarray(n);
        continue;
      }
      if (this.head.length === 0 && this.proxy.isStalling) {
        this.cut = { captured: Buffer.alloc(0), sent: 0, limit: null, answer: null };
        return this.capture(rest);
      }
      const before = this.head.length;
      this.head = Buffer.concat([this.head, rest]);
      const end = this.head.indexOf(HEAD_END);
      if (end < 0) {
        this.toClient(rest);
        return;
      }
      const headLength = end + HEAD_END.length;
      this.toClient(rest.subarray(0, headLength - before));
      rest = rest.subarray(headLength - before);
      const length = contentLength(this.head.subarray(0, headLength));
      this.head = Buffer.alloc(0);
      if (length === null) this.unframed = true;
      else this.bodyLeft = length;
    }
  }

  /** A stalled response: forwards its head and half its body as they come, holds the rest. */
  private capture(chunk: Buffer): void {
    const cut = this.cut!;
    cut.captured = Buffer.concat([cut.captured, chunk]);
    const end = cut.captured.indexOf(HEAD_END);
    if (cut.limit === null && end >= 0) {
      const head = cut.captured.subarray(0, end + HEAD_END.length);
      const length = contentLength(head);
      cut.limit = end + HEAD_END.length + Math.floor((length ?? 0) / 2);
      cut.answer = {
        status: Number(head.toString("latin1").split(" ")[1]),
        requestId: null,
        forwardedBytes: 0,
        totalBytes: end + HEAD_END.length + (length ?? 0),
        consumerOpenAtRelease: null,
      };
      this.proxy.stalled.push(cut.answer);
    }
    if (cut.limit !== null && cut.sent < cut.limit) {
      const upTo = Math.min(cut.limit, cut.captured.length);
      this.toClient(cut.captured.subarray(cut.sent, upTo));
      cut.sent = upTo;
      cut.answer!.forwardedBytes = upTo;
    }
    if (cut.answer && cut.answer.requestId === null && this.whole(cut)) {
      cut.answer.requestId = requestIdOf(cut.captured.subarray(end + HEAD_END.length, cut.answer.totalBytes));
      if (this.client.destroyed) this.upstream.destroy();
    }
  }

  private whole(cut: Cut): boolean {
    return cut.answer !== null && cut.captured.length >= cut.answer.totalBytes;
  }

  release(): void {
    const cut = this.cut;
    if (cut === null) return;
    this.cut = null;
    this.unframed = true;
    if (cut.answer) cut.answer.consumerOpenAtRelease = !this.client.destroyed;
    this.toClient(cut.captured.subarray(cut.sent));
    if (this.upstream.destroyed) this.client.end();
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }
}

function contentLength(head: Buffer): number | null {
  const match = /\r\ncontent-length:\s*(\d+)\r\n/i.exec(head.toString("latin1"));
  return match ? Number(match[1]) : null;
}

function requestIdOf(body: Buffer): string | null {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { response?: { requestId?: unknown } };
    return typeof parsed.response?.requestId === "string" ? parsed.response.requestId.toLowerCase() : null;
  } catch {
    return null;
  }
}
