/**
 * Checks a provider gateway's answer to an exchange: it must carry an `ExchangeResponse` signed by an account that
 * acts for the provider department (on this gateway's view), answer THIS request (its `requestId` and request
 * digest), name the provider, and, when it delivers, carry data whose keccak256(canonicalJson({data})) is the signed
 * `responseHash`. Pure: the view is asked through `actsFor`.
 */
import { ZeroHash, type TypedDataDomain } from "ethers";
import { z } from "zod";
import {
  ExchangeResponseSchema,
  SignatureSchema,
  recoverSigner,
  responseDigest,
  type ExchangeResponse,
} from "../../../../core/exchange";
import { canonicalJsonHash } from "../../../../core/json/canonical-json";
import { decodeReason } from "../../../../core/receipt";
import type { DataRecord } from "../../common/backend-client";

const dataSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]);

const answerSchema = z.looseObject({
  data: dataSchema.optional(),
  response: ExchangeResponseSchema,
  signature: SignatureSchema,
});

export type VerifiedAnswer =
  | { ok: true; response: ExchangeResponse; signature: string; reason: string; data: DataRecord | DataRecord[] | null }
  | { ok: false; detail: string; response?: ExchangeResponse; signature?: string };

export interface AnswerExpectation {
  domain: TypedDataDomain;
  requestId: string;
  requestDigest: string;
  provider: string;
  actsFor(account: string, department: string): boolean;
}

/** Longest unsigned explanation of a provider's passed on to the caller: it is the provider's word, not evidence. */
const MAX_PROVIDER_DETAIL = 300;

/**
 * The provider's unsigned `detail` (why it refused: for `exchange_stale`, the skew in seconds), made safe to show:
 * printable characters only, bounded; null when there is none.
 */
export function providerDetail(body: unknown): string | null {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail !== "string") return null;
  // eslint-disable-next-line no-control-regex
  const printable = detail.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  if (printable === "") return null;
  return printable.length > MAX_PROVIDER_DETAIL ? `${printable.slice(0, MAX_PROVIDER_DETAIL)}…` : printable;
}

export function verifyAnswer(body: unknown, expected: AnswerExpectation): VerifiedAnswer {
  const parsed = answerSchema.safeParse(body);
  if (!parsed.success) return { ok: false, detail: "the provider's gateway sent no signed answer" };
  const { response, signature } = parsed.data;
  const keep = { response, signature };
  const signer = recoverSigner(responseDigest(expected.domain, response), signature);
  if (signer === null || !expected.actsFor(signer, expected.provider)) {
    return { ok: false, detail: "the answer is not signed by an account of the provider department", ...keep };
  }
  if (response.provider.toLowerCase() !== expected.provider.toLowerCase()) {
    return { ok: false, detail: "the answer names another provider department", ...keep };
  }
  if (
    response.requestId.toLowerCase() !== expected.requestId.toLowerCase() ||
    response.requestDigest.toLowerCase() !== expected.requestDigest.toLowerCase()
  ) {
    return { ok: false, detail: "the answer is not for this request", ...keep };
  }
  let reason: string;
  try {
    reason = decodeReason(response.reason);
  } catch {
    return { ok: false, detail: "the answer's reason is not a reason code", ...keep };
  }
  if (response.result !== "delivered") return { ok: true, response, signature, reason, data: null };
  const data = parsed.data.data;
  if (data === undefined || canonicalJsonHash({ data }) !== response.responseHash.toLowerCase()) {
    return { ok: false, detail: "the data does not match the signed response hash", ...keep };
  }
  if (response.responseHash === ZeroHash) return { ok: false, detail: "a delivery without a response hash", ...keep };
  return { ok: true, response, signature, reason, data };
}
