/** Gateway requests for the fault tests: an answer is always returned, a request without one has status 0. */
import { randomUUID } from "node:crypto";

export interface Answer {
  /** 0 when no answer came (connection refused or reset, or the client's timeout). */
  status: number;
  body: unknown;
}

/** One HTTP request to the gateway; never throws: a request without an answer has status 0. */
export async function call(
  baseUrl: string,
  method: "GET" | "POST",
  urlPath: string,
  token: string | null,
  body?: unknown,
  idempotencyKey: string = randomUUID(),
  timeoutMs = 30_000,
): Promise<Answer> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (method === "POST") {
    headers["content-type"] = "application/json";
    headers["idempotency-key"] = idempotencyKey;
  }
  try {
    const response = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers,
      body: method === "POST" ? JSON.stringify(body ?? {}) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body: parsed };
  } catch {
    return { status: 0, body: null };
  }
}

/** `call`, but the status must be `expected`; the body is returned. */
export async function must<T = Record<string, unknown>>(
  expected: number,
  baseUrl: string,
  method: "GET" | "POST",
  urlPath: string,
  token: string | null,
  body?: unknown,
): Promise<T> {
  const answer = await call(baseUrl, method, urlPath, token, body);
  if (answer.status !== expected) {
    throw new Error(`${method} ${urlPath}: expected ${expected}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body as T;
}
