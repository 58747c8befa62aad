/**
 * One JSON POST to another system over node's own `http`/`https` with keep-alive agents: the client of the two hops
 * of a federated fetch (consumer's gateway → provider's gateway, provider's gateway → its backend). Node 20's global
 * `fetch` costs several times more CPU per request (WHATWG streams, headers and body objects); these hops carry a
 * small JSON body each way, so the plain client is enough.
 *
 * Fails closed: the deadline covers the whole exchange (connect, headers and body), a body over the cap is not read
 * (the caller gets `text: null`), a redirect is an answer like any other status (never followed), and every other
 * failure is `unreachable`. A request whose reused keep-alive connection the server had just closed is sent once
 * more on a fresh one (node's documented remedy for that race): both hops are safe to repeat (the provider answers
 * a repeated requestId with its first answer, a backend query only reads).
 */
import http from "node:http";
import https from "node:https";

export type HttpPostOutcome =
  /** `text` is null when the body was larger than `maxBytes` (reading stopped there). */
  { kind: "answered"; status: number; text: string | null } | { kind: "timeout" } | { kind: "unreachable" };

export interface HttpPostOptions {
  headers?: Record<string, string>;
  /** The deadline for the whole exchange, in ms. */
  timeoutMs: number;
  /** The largest body read, in bytes. */
  maxBytes: number;
}

/**
 * Connections are kept between requests (no TCP handshake per fetch) and reused most-recently-first, so that a burst
 * reuses warm sockets and the idle ones age out. Sockets idle for longer than the server is likely to keep them are
 * closed here first (node's default server keeps an idle connection 5 s).
 */
const AGENT_OPTIONS = { keepAlive: true, scheduling: "lifo", timeout: 4_000 } as const;
const httpAgent = new http.Agent(AGENT_OPTIONS);
const httpsAgent = new https.Agent(AGENT_OPTIONS);

class Deadline extends Error {}

/** POSTs `body` (JSON text) to `url` and reads the answer as text, within `timeoutMs` and `maxBytes`. */
export async function postJson(url: string, body: string, options: HttpPostOptions): Promise<HttpPostOutcome> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { kind: "unreachable" };
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") return { kind: "unreachable" };
  const deadline = Date.now() + options.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await postOnce(target, body, options, deadline);
    } catch (error) {
      if (error instanceof Deadline) return { kind: "timeout" };
      if (attempt === 0 && isStaleConnection(error) && Date.now() < deadline) continue;
      return { kind: "unreachable" };
    }
  }
}

/** The server closed a kept-alive connection as this request was written to it: nothing of it was answered. */
function isStaleConnection(error: unknown): boolean {
  const { code, reused } = error as { code?: string; reused?: boolean };
  return reused === true && (code === "ECONNRESET" || code === "EPIPE");
}

function postOnce(target: URL, body: string, options: HttpPostOptions, deadline: number): Promise<HttpPostOutcome> {
  const secure = target.protocol === "https:";
  const payload = Buffer.from(body, "utf8");
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (outcome: HttpPostOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const request = (secure ? https : http).request(target, {
      method: "POST",
      agent: secure ? httpsAgent : httpAgent,
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...options.headers,
        "content-length": String(payload.byteLength),
      },
    });
    const timer = setTimeout(
      () => {
        finish(new Deadline());
        request.destroy();
      },
      Math.max(0, deadline - Date.now()),
    );
    request.on("error", (error: NodeJS.ErrnoException) => {
      finish(Object.assign(error, { reused: request.reusedSocket }));
    });
    request.on("response", (response) => {
      const status = response.statusCode ?? 0;
      const declared = Number(response.headers["content-length"]);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        finish({ kind: "answered", status, text: null });
        request.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > options.maxBytes) {
          finish({ kind: "answered", status, text: null });
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on("end", () => finish({ kind: "answered", status, text: Buffer.concat(chunks).toString("utf8") }));
      // A connection cut in the middle of the body: no answer was received.
      response.on("close", () => {
        if (!response.complete) finish(new Error("the answer was cut off"));
      });
      response.on("error", (error) => finish(error));
    });
    request.end(payload);
  });
}
