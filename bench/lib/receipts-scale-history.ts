/**
 * The history the receipts-scale bench fills a gateway's receipt store with (bench/parts/receipts-scale.ts), shared
 * by the process that fills it and the fresh process that measures it (bench/lib/receipts-scale-measure.ts).
 */
import { ZeroHash, encodeBytes32String, id as keccakText } from "ethers";
import { exchangeDomain, requestDigest, type ExchangeRequest, type ExchangeResponse } from "../../core/exchange";
import type { FilledReceipt } from "./receipt-filler";

export const MAIN = { key: "main", id: keccakText("receipts-scale main department").toLowerCase() };
export const SMALL = { key: "small", id: keccakText("receipts-scale small department").toLowerCase() };
const PROVIDERS = [0, 1, 2].map((i) => keccakText(`receipts-scale provider ${i}`).toLowerCase());
export const SUBJECTS = Array.from({ length: 50 }, (_, i) => keccakText(`receipts-scale subject ${i}`));
const AGREEMENTS = 20;
const PURPOSE = encodeBytes32String("minimum-living-allowance");
const DOMAIN = exchangeDomain(31_337, "0x" + "22".repeat(20));
/**
 * Values that are as long as real ones but whose uniqueness the store never looks at, drawn from pools (hashing them
 * afresh for each of 10^7 receipts would be most of the filling's time): signatures, consents, parameters.
 */
const POOL = 4_096;
const poolOf = (label: string) => Array.from({ length: POOL }, (_, i) => keccakText(`${label} ${i}`));
const CONSENTS = poolOf("consent");
const PARAMS = poolOf("params");
const REQUEST_SIGNATURES = poolOf("request signature").map((r, i) => signatureLike(r, i));
const RESPONSE_SIGNATURES = poolOf("response signature").map((r, i) => signatureLike(r, i));
/** Receipts per second of the filled history (their `time`). */
const PER_SECOND = 50;
/** Receipts an anchoring batch holds, in the filling and in the gateway measured. */
export const BATCH = 1_024;

/**
 * Receipt number `n` of the filled history, as a consumer gateway writes it (docs/FEDERATION.md §1): the main
 * department's, or one in ten the small one's; six in seven delivered, the others refused by the provider. Its
 * `requestHash` is the EIP-712 digest of the request it carries in its envelope, with the provider's signed response.
 * The two signatures are 65 bytes that look like signatures but sign nothing: the store verifies none, and what is
 * measured is what it keeps and reads.
 */
export function receiptOf(n: number): FilledReceipt {
  const delivered = n % 7 !== 0;
  const department = n % 10 === 9 ? SMALL.id : MAIN.id;
  const time = 1_700_000_000 + Math.floor(n / PER_SECOND);
  const agreement = String(1 + (n % AGREEMENTS));
  const provider = PROVIDERS[n % PROVIDERS.length];
  const request: ExchangeRequest = {
    requestId: keccakText(`request id ${n}`),
    consumer: department,
    grantId: agreement,
    purpose: PURPOSE,
    subjectRef: SUBJECTS[n % SUBJECTS.length],
    fieldMask: "0x3",
    paramsHash: PARAMS[n % POOL],
    time,
  };
  const requestHash = requestDigest(DOMAIN, request);
  const responseHash = delivered ? keccakText(`response ${n}`) : ZeroHash;
  const reason = delivered ? "ok" : "consent_missing";
  const response: ExchangeResponse = {
    requestId: request.requestId,
    requestDigest: requestHash,
    provider,
    result: delivered ? "delivered" : "denied",
    reason: encodeBytes32String(reason),
    responseHash,
    time,
  };
  return {
    draft: {
      time,
      department,
      account: "0x" + "11".repeat(20),
      grantId: agreement,
      agreementId: agreement,
      consentId: delivered ? CONSENTS[n % POOL] : ZeroHash,
      provider,
      resourceId: keccakText("receipts-scale resource"),
      resourceVersion: 1,
      fieldMask: delivered ? "0x3" : "0x0",
      subjectRef: request.subjectRef,
      purpose: PURPOSE,
      result: response.result,
      reason,
      requestHash,
      responseHash,
    },
    envelope: {
      requestId: request.requestId,
      role: "consumer",
      exchange: {
        request,
        requestSignature: REQUEST_SIGNATURES[n % POOL],
        response,
        responseSignature: RESPONSE_SIGNATURES[n % POOL],
      },
    },
  };
}

/** 65 bytes shaped like an ECDSA signature (r, s, v = 27 or 28). */
function signatureLike(r: string, i: number): string {
  return r + keccakText(r).slice(2) + (i % 2 === 0 ? "1b" : "1c");
}
