/**
 * A small HTTP client of the gateway API for scripts (the demo): bearer token, Idempotency-Key on every POST, bounded
 * time per request, and answers checked with zod so that a wrong shape fails with a message naming the field.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";

export interface Answer {
  status: number;
  body: unknown;
}

/** An answer that is not what the step needed: says the request, the status and the problem's details. */
export class UnexpectedAnswer extends Error {
  constructor(
    readonly request: string,
    readonly answer: Answer,
    expected: string,
  ) {
    super(`${request}: expected ${expected}, got ${answer.status} ${describeBody(answer.body)}`);
  }
}

function describeBody(body: unknown): string {
  if (body === null || typeof body !== "object") return JSON.stringify(body)?.slice(0, 300) ?? "";
  const problem = body as Record<string, unknown>;
  const parts = ["title", "detail", "reason", "errorName"]
    .filter((key) => problem[key] !== undefined)
    .map((key) => `${key}: ${String(problem[key])}`);
  if (Array.isArray(problem.errors)) parts.push(`errors: ${JSON.stringify(problem.errors).slice(0, 300)}`);
  if (problem.args !== undefined) parts.push(`args: ${JSON.stringify(problem.args).slice(0, 200)}`);
  return parts.length > 0 ? `(${parts.join("; ")})` : JSON.stringify(body).slice(0, 300);
}

export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 60_000,
  ) {}

  async request(method: "GET" | "POST", path: string, token: string | null, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    if (method === "POST") {
      headers["content-type"] = "application/json";
      headers["idempotency-key"] = randomUUID();
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: method === "POST" ? JSON.stringify(body ?? {}) : undefined,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text for the message
    }
    return { status: response.status, body: parsed };
  }

  /** The answer's body parsed with `schema` when its status is `status`; otherwise an UnexpectedAnswer. */
  async expect<T extends z.ZodType>(
    status: number,
    schema: T,
    method: "GET" | "POST",
    path: string,
    token: string | null,
    body?: unknown,
  ): Promise<z.output<T>> {
    const answer = await this.request(method, path, token, body);
    const request = `${method} ${path}`;
    if (answer.status !== status) throw new UnexpectedAnswer(request, answer, String(status));
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UnexpectedAnswer(request, answer, `a body with ${issue.path.join(".") || "(root)"} (${issue.message})`);
    }
    return parsed.data;
  }

  get<T extends z.ZodType>(path: string, token: string | null, schema: T): Promise<z.output<T>> {
    return this.expect(200, schema, "GET", path, token);
  }

  post<T extends z.ZodType>(path: string, token: string, body: unknown, status: number, schema: T) {
    return this.expect(status, schema, "POST", path, token, body);
  }
}

/** Ids of agreements, grants, proposals and receipts may be numbers or decimal strings: used as strings. */
export const idSchema = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);
