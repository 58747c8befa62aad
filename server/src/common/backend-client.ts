/**
 * The client of the provider backend protocol, with which a provider gateway (its exchange) asks its own private
 * backends: `POST {upstream}/query` with `{resourceCode, subject?, fields, params?}`, answered
 * `200 {data: object | object[]}` or 404 when there is no record. Every call is bounded by a timeout covering the
 * whole exchange (connect, headers and body) and by a cap on the answer's size; anything else than those two answers
 * is a failure the caller records as such. Every query carries the gateway's credential (`X-Kuajie-Backend-Token`):
 * a backend answers only its own gateway.
 */
import { BACKEND_TOKEN_HEADER } from "../../../core/backend";
import type { SubjectIdentity } from "./subject-ref";

export interface UpstreamQuery {
  resourceCode: string;
  subject?: SubjectIdentity;
  fields: string[];
  params?: Record<string, unknown>;
}

export type DataRecord = Record<string, unknown>;

type UpstreamFailure =
  "upstream_timeout" | "upstream_unreachable" | "upstream_error" | "upstream_invalid" | "upstream_rejected";

export type UpstreamAnswer =
  | { kind: "data"; data: DataRecord | DataRecord[] }
  | { kind: "not_found" }
  | { kind: "failed"; reason: UpstreamFailure; detail: string };

/** Answers larger than this are refused as invalid (the gateway holds an answer in memory to filter it). */
const MAX_UPSTREAM_BYTES = 8 * 1024 * 1024;

function isRecord(value: unknown): value is DataRecord {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The body as text, or null when it is larger than `cap` bytes (reading stops there). */
export async function readCapped(body: ReadableStream<Uint8Array> | null, cap: number): Promise<string | null> {
  if (body === null) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

export async function queryUpstream(
  baseUrl: string,
  query: UpstreamQuery,
  timeoutMs: number,
  backendToken: string,
): Promise<UpstreamAnswer> {
  const url = `${baseUrl.replace(/\/+$/, "")}/query`;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", [BACKEND_TOKEN_HEADER]: backendToken },
      body: JSON.stringify(query),
      signal,
      redirect: "error",
    });
    const text = await readCapped(response.body, MAX_UPSTREAM_BYTES);
    if (response.status === 404) return { kind: "not_found" };
    if (response.status >= 500) {
      return { kind: "failed", reason: "upstream_error", detail: `the provider's system answered ${response.status}` };
    }
    if (response.status === 401 || response.status === 403) {
      return {
        kind: "failed",
        reason: "upstream_rejected",
        detail: `the provider's system refused this gateway's credential (${response.status})`,
      };
    }
    if (response.status !== 200) {
      return {
        kind: "failed",
        reason: "upstream_rejected",
        detail: `the provider's system refused the query with ${response.status}`,
      };
    }
    if (text === null) {
      return { kind: "failed", reason: "upstream_invalid", detail: "the provider's answer is too large" };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { kind: "failed", reason: "upstream_invalid", detail: "the provider's answer is not JSON" };
    }
    const data = isRecord(parsed) ? parsed.data : undefined;
    if (isRecord(data) || (Array.isArray(data) && data.every(isRecord))) {
      return { kind: "data", data: data as DataRecord | DataRecord[] };
    }
    return {
      kind: "failed",
      reason: "upstream_invalid",
      detail: "the provider's answer has no data object or array of objects",
    };
  } catch (error) {
    if (isTimeout(error) || signal.aborted) {
      return { kind: "failed", reason: "upstream_timeout", detail: `no answer within ${timeoutMs} ms` };
    }
    return { kind: "failed", reason: "upstream_unreachable", detail: "the provider's system cannot be reached" };
  }
}

/** Only the granted fields of each record, whatever else the provider sent. */
export function onlyGranted(data: DataRecord | DataRecord[], granted: readonly string[]): DataRecord | DataRecord[] {
  const pick = (record: DataRecord): DataRecord => {
    const out: DataRecord = {};
    for (const name of granted) if (Object.hasOwn(record, name)) out[name] = record[name];
    return out;
  };
  return Array.isArray(data) ? data.map(pick) : pick(data);
}
