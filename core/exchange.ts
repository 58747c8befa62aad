/**
 * The gateway-to-gateway exchange protocol's two signed messages (docs/FEDERATION.md): the consumer department signs
 * an `ExchangeRequest`, the provider department signs an `ExchangeResponse`. Both are EIP-712 typed data under one
 * domain bound to the chain id and the Consortium's address, so anyone with the chain can check who signed what.
 *
 * The request digest is what a federated receipt stores as its `requestHash`: both receipts of one exchange carry it,
 * anchored, and it commits to the `requestId`, the consumer, the grant, the purpose, the subject reference, the field
 * mask, the parameters and the time. Pure: no I/O.
 */
import type { TypedDataDomain, TypedDataField } from "ethers";
import { z } from "zod";
import { recoverDigestSigner } from "./crypto/ecdsa";
import { typedDataDigest } from "./crypto/typed-data";
import { isBytes32Hex } from "./crypto/hex";

/** The domain name and version of the exchange messages. @public */
export const EXCHANGE_DOMAIN_NAME = "Kuajie Exchange";
/** @public */
export const EXCHANGE_DOMAIN_VERSION = "1";

/** The EIP-712 domain of every exchange message on one chain and consortium. */
export function exchangeDomain(chainId: bigint | number, consortium: string): TypedDataDomain {
  // Frozen: its separator is computed once per domain object (crypto/typed-data.ts).
  return Object.freeze({
    name: EXCHANGE_DOMAIN_NAME,
    version: EXCHANGE_DOMAIN_VERSION,
    chainId,
    verifyingContract: consortium,
  });
}

export const EXCHANGE_REQUEST_TYPES: Readonly<Record<string, TypedDataField[]>> = Object.freeze({
  ExchangeRequest: [
    { name: "requestId", type: "bytes32" },
    { name: "consumer", type: "bytes32" },
    { name: "grantId", type: "uint256" },
    { name: "purpose", type: "bytes32" },
    { name: "subjectRef", type: "bytes32" },
    { name: "fieldMask", type: "uint256" },
    { name: "paramsHash", type: "bytes32" },
    { name: "time", type: "uint64" },
  ],
});

/** @public */
export const EXCHANGE_RESPONSE_TYPES: Readonly<Record<string, TypedDataField[]>> = Object.freeze({
  ExchangeResponse: [
    { name: "requestId", type: "bytes32" },
    { name: "requestDigest", type: "bytes32" },
    { name: "provider", type: "bytes32" },
    { name: "result", type: "uint8" },
    { name: "reason", type: "bytes32" },
    { name: "responseHash", type: "bytes32" },
    { name: "time", type: "uint64" },
  ],
});

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x and 64 hex digits");
const uintDecimal = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "expected a decimal integer");
const uintHex = z.string().regex(/^0x[0-9a-fA-F]{1,64}$/, "expected 0x and 1 to 64 hex digits");
const seconds = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const signature = z.string().regex(/^0x[0-9a-fA-F]{130}$/, "expected a 65-byte signature");

/** The signed fields of a request, as JSON (uint256 as decimal or hex strings so that nothing loses precision). */
export const ExchangeRequestSchema = z.strictObject({
  requestId: bytes32,
  consumer: bytes32,
  grantId: uintDecimal,
  purpose: bytes32,
  subjectRef: bytes32,
  fieldMask: uintHex,
  paramsHash: bytes32,
  time: seconds,
});
export type ExchangeRequest = z.infer<typeof ExchangeRequestSchema>;

/** Outcomes as in a receipt's `result` (uint8 index). @public */
export const EXCHANGE_RESULTS = ["delivered", "denied", "failed"] as const;

export const ExchangeResponseSchema = z.strictObject({
  requestId: bytes32,
  requestDigest: bytes32,
  provider: bytes32,
  result: z.enum(EXCHANGE_RESULTS),
  reason: bytes32,
  responseHash: bytes32,
  time: seconds,
});
export type ExchangeResponse = z.infer<typeof ExchangeResponseSchema>;

const UINT_DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
const UINT_HEX = /^0x[0-9a-fA-F]{1,64}$/;
const isBytes32 = isBytes32Hex;
const isSeconds = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** A plain JSON object (what `JSON.parse` makes) with exactly `count` keys, or undefined. */
function plainObject(value: unknown, count: number): Record<string, unknown> | undefined {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype)
    return undefined;
  return Object.keys(value).length === count ? (value as Record<string, unknown>) : undefined;
}

/**
 * The request as `ExchangeRequestSchema` returns it, when it is plainly well-formed (every field present, of its
 * form, nothing else); undefined for anything else, which the schema judges. An auditor reads thousands of these:
 * zod's walk cost more than the digest. Held to the schema by a property test (test/core/exchange.test.ts).
 */
export function plainExchangeRequest(value: unknown): ExchangeRequest | undefined {
  const r = plainObject(value, 8);
  if (r === undefined) return undefined;
  const { requestId, consumer, grantId, purpose, subjectRef, fieldMask, paramsHash, time } = r;
  const wellFormed =
    isBytes32(requestId) &&
    isBytes32(consumer) &&
    typeof grantId === "string" &&
    UINT_DECIMAL.test(grantId) &&
    isBytes32(purpose) &&
    isBytes32(subjectRef) &&
    typeof fieldMask === "string" &&
    UINT_HEX.test(fieldMask) &&
    isBytes32(paramsHash) &&
    isSeconds(time);
  return wellFormed ? { requestId, consumer, grantId, purpose, subjectRef, fieldMask, paramsHash, time } : undefined;
}

/** The response as `ExchangeResponseSchema` returns it, when it is plainly well-formed; undefined otherwise. */
export function plainExchangeResponse(value: unknown): ExchangeResponse | undefined {
  const r = plainObject(value, 7);
  if (r === undefined) return undefined;
  const { requestId, requestDigest, provider, result, reason, responseHash, time } = r;
  const wellFormed =
    isBytes32(requestId) &&
    isBytes32(requestDigest) &&
    isBytes32(provider) &&
    (result === "delivered" || result === "denied" || result === "failed") &&
    isBytes32(reason) &&
    isBytes32(responseHash) &&
    isSeconds(time);
  return wellFormed ? { requestId, requestDigest, provider, result, reason, responseHash, time } : undefined;
}

/** A 65-byte signature. @public */
export const SignatureSchema = signature;

function requestValues(request: ExchangeRequest) {
  return { ...request, grantId: BigInt(request.grantId), fieldMask: BigInt(request.fieldMask) };
}

function responseValues(response: ExchangeResponse) {
  return { ...response, result: EXCHANGE_RESULTS.indexOf(response.result) };
}

/** The EIP-712 digest of a request: the `requestHash` of both receipts of the exchange. */
export function requestDigest(domain: TypedDataDomain, request: ExchangeRequest): string {
  return typedDataDigest(domain, EXCHANGE_REQUEST_TYPES, requestValues(request));
}

export function responseDigest(domain: TypedDataDomain, response: ExchangeResponse): string {
  return typedDataDigest(domain, EXCHANGE_RESPONSE_TYPES, responseValues(response));
}

/** Anything that signs EIP-712 typed data (an ethers Wallet, a keystore signer, a hardware key). */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
  /** Signs an EIP-712 digest its caller has already computed: the same bytes as `signTypedData` of the message. */
  signDigest?(digest: string): Promise<string>;
}

/** Signs a request; `digest`, when the caller has computed `requestDigest(domain, request)`, is not computed again. */
export function signRequest(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  request: ExchangeRequest,
  digest?: string,
): Promise<string> {
  if (digest !== undefined && signer.signDigest) return signer.signDigest(digest);
  return signer.signTypedData(domain, EXCHANGE_REQUEST_TYPES, requestValues(request));
}

/** Signs a response; a signer that signs digests is given the digest from the cached encoder (crypto/typed-data). */
export function signResponse(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  response: ExchangeResponse,
): Promise<string> {
  if (signer.signDigest) return signer.signDigest(responseDigest(domain, response));
  return signer.signTypedData(domain, EXCHANGE_RESPONSE_TYPES, responseValues(response));
}

/** The account that signed `digest`, or null when the signature is malformed. */
export function recoverSigner(digest: string, sig: string): string | null {
  if (!signature.safeParse(sig).success) return null;
  try {
    return recoverDigestSigner(digest, sig);
  } catch {
    return null;
  }
}
