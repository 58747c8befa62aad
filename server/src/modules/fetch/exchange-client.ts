/**
 * The consumer side's call to a provider's gateway: `POST {endpoint}/exchange/v1/fetch` with
 * `{request, signature, subject?, params?}`, bounded by a timeout covering the whole exchange and a cap on the
 * answer's size. It only transports: whether the answer is signed by the provider and answers this request is
 * `verifyAnswer`'s job (answer.ts).
 */
import type { SubjectIdentity } from "../../common/subject-ref";
import type { ExchangeRequest } from "../../../../core/exchange";
import { postJson } from "../../common/http-client";

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
  const outcome = await postJson(exchangeUrl(endpoint), JSON.stringify(call), {
    timeoutMs,
    maxBytes: MAX_EXCHANGE_ANSWER_BYTES,
  });
  if (outcome.kind === "timeout") {
    return { kind: "timeout", detail: `the provider's gateway gave no answer within ${timeoutMs} ms` };
  }
  if (outcome.kind === "unreachable")
    return { kind: "unreachable", detail: "the provider's gateway cannot be reached" };
  if (outcome.text === null) return { kind: "answered", status: outcome.status, body: null };
  try {
    return { kind: "answered", status: outcome.status, body: JSON.parse(outcome.text) as unknown };
  } catch {
    return { kind: "answered", status: outcome.status, body: null };
  }
};
