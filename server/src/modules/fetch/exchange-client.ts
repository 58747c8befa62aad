/**
 * The consumer side's call to a provider's gateway: `POST {endpoint}/exchange/v1/fetch` with
 * `{request, signature, subject?, params?}`, bounded by a timeout covering the whole exchange and a cap on the
 * answer's size. It only transports: whether the answer is signed by the provider and answers this request is
 * `verifyAnswer`'s job (answer.ts).
 */
import type { SubjectIdentity } from "../../common/subject-ref";
import type { ExchangeRequest } from "../../../../core/exchange";
import { readCapped } from "../../common/backend-client";

interface ExchangeCall {
  request: ExchangeRequest;
  signature: string;
  subject?: SubjectIdentity;
  params?: Record<string, unknown>;
  /** The block this gateway's view had reached when it decided (the provider waits, bounded, to reach it too). */
  atBlock?: number;
}

type ExchangeTransport =
  | { kind: "answered"; status: number; body: unknown }
  | { kind: "unreachable"; detail: string }
  | { kind: "timeout"; detail: string };

export type ExchangeClient = (endpoint: string, call: ExchangeCall, timeoutMs: number) => Promise<ExchangeTransport>;

/** Answers larger than this are not read (the gateway holds an answer in memory to check and filter it). */
const MAX_EXCHANGE_ANSWER_BYTES = 8 * 1024 * 1024;

const EXCHANGE_PATH = "/exchange/v1/fetch";

function exchangeUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}${EXCHANGE_PATH}`;
}

export const callProvider: ExchangeClient = async (endpoint, call, timeoutMs) => {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(exchangeUrl(endpoint), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(call),
      signal,
      redirect: "error",
    });
    const text = await readCapped(response.body, MAX_EXCHANGE_ANSWER_BYTES);
    if (text === null) return { kind: "answered", status: response.status, body: null };
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    return { kind: "answered", status: response.status, body };
  } catch (error) {
    if (signal.aborted || (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))) {
      return { kind: "timeout", detail: `the provider's gateway gave no answer within ${timeoutMs} ms` };
    }
    return { kind: "unreachable", detail: "the provider's gateway cannot be reached" };
  }
};
