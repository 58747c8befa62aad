/**
 * The client of the provider backend protocol, with which a provider gateway (its exchange) asks its own private
 * backends: `POST {upstream}/query` with `{resourceCode, subject?, fields, params?}`, answered
 * `200 {data: object | object[]}` or 404 when there is no record. Every call is bounded by a timeout covering the
 * whole exchange (connect, headers and body) and by a cap on the answer's size; anything else than those two answers
 * is a failure the caller records as such. Every query carries the gateway's credential (`X-Kuajie-Backend-Token`):
 * a backend answers only its own gateway.
 */
import { BACKEND_TOKEN_HEADER } from "../../../core/backend";
import { postJson } from "./http-client";
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

export async function queryUpstream(
  baseUrl: string,
  query: UpstreamQuery,
  timeoutMs: number,
  backendToken: string,
): Promise<UpstreamAnswer> {
  const outcome = await postJson(`${baseUrl.replace(/\/+$/, "")}/query`, JSON.stringify(query), {
    headers: { [BACKEND_TOKEN_HEADER]: backendToken },
    timeoutMs,
    maxBytes: MAX_UPSTREAM_BYTES,
  });
  if (outcome.kind === "timeout") {
    return { kind: "failed", reason: "upstream_timeout", detail: `no answer within ${timeoutMs} ms` };
  }
  if (outcome.kind === "unreachable") {
    return { kind: "failed", reason: "upstream_unreachable", detail: "the provider's system cannot be reached" };
  }
  const { status, text } = outcome;
  if (status === 404) return { kind: "not_found" };
  if (status >= 500) {
    return { kind: "failed", reason: "upstream_error", detail: `the provider's system answered ${status}` };
  }
  if (status === 401 || status === 403) {
    return {
      kind: "failed",
      reason: "upstream_rejected",
      detail: `the provider's system refused this gateway's credential (${status})`,
    };
  }
  if (status !== 200) {
    return {
      kind: "failed",
      reason: "upstream_rejected",
      detail: `the provider's system refused the query with ${status}`,
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
