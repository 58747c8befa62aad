/**
 * One federated receipt against its own signed messages (docs/FEDERATION.md §1, §2): the request digest recomputed
 * from `exchange.request` is the anchored `requestHash`, the envelope's `requestId` is the signed one, the request is
 * signed by an operator of the consumer and the response by an operator of the provider at the receipt's time, the
 * response answers this request, and the receipt says what its side and the signed messages say.
 */
import { ZeroHash, type TypedDataDomain } from "ethers";
import { z } from "zod";
import {
  ExchangeRequestSchema,
  ExchangeResponseSchema,
  plainExchangeRequest,
  plainExchangeResponse,
  recoverSigner,
  requestDigest,
  responseDigest,
  type ExchangeRequest,
  type ExchangeResponse,
} from "../../exchange";
import type { Receipt } from "../../receipt";
import type { Violation } from "../rules";
import { isBytes32Hex } from "../../crypto/hex";

/** What the exchange check reads of a receipt file's entry: its place in the file and the envelope, unparsed. */
interface ExchangeEntry {
  /** Where the entry is in its file (`entry 3`, `line 3`). */
  position: string;
  requestId?: unknown;
  role?: unknown;
  exchange?: unknown;
}

/** A receipt that parsed, with the entry it came in. */
export interface CheckedReceipt {
  entry: ExchangeEntry;
  receipt: Receipt;
}

/** Which accounts acted for which department when: the chain's OperatorAdded/OperatorRemoved, as each reader folds them. */
export interface OperatorTimeline {
  /** Whether `account` acted for `department` at `time` (unix seconds). */
  wasOperatorAt(department: string, account: string, time: number): boolean;
}

const EXCHANGE_ROLES = ["consumer", "provider"] as const;
type ExchangeRole = (typeof EXCHANGE_ROLES)[number];

/** The provider's refusal of a request whose signature it could not verify: the bad signature is what it records. */
const BAD_REQUEST_SIGNATURE_REASON = "exchange_bad_signature";

// Signatures are strings here: a malformed one is a bad signature (a violation), not an unreadable envelope.
const EnvelopeSchema = z.object({
  requestId: ExchangeRequestSchema.shape.requestId,
  role: z.enum(EXCHANGE_ROLES),
  exchange: z.object({
    request: ExchangeRequestSchema,
    requestSignature: z.string(),
    response: ExchangeResponseSchema.optional(),
    responseSignature: z.string().optional(),
  }),
});

export interface ExchangeReceipt {
  checked: CheckedReceipt;
  requestId: string;
  role: ExchangeRole;
  request: ExchangeRequest;
  requestSignature: string;
  response?: ExchangeResponse;
  responseSignature?: string;
  /** The EIP-712 digest of the request, recomputed. */
  digest: string;
  /** The EIP-712 digest of the response the receipt kept, recomputed. */
  responseDigest?: string;
}

export type ParsedEnvelope =
  { kind: "none" } | { kind: "malformed"; violation: Violation } | { kind: "exchange"; receipt: ExchangeReceipt };

/**
 * The digests and signers of one audit's exchange messages, each computed once: the consumer's and the provider's
 * receipts of an exchange keep the same signed request and response, and recovering a signer is the largest cost of
 * auditing federated receipts. A digest is taken from memory only for a message whose every field is the remembered
 * one's (and a signer only for the same digest and signature), so a forged copy is not mistaken for the genuine one.
 */
export class ExchangeCrypto {
  /** The last request and response seen under each requestId, with its digest. */
  private readonly requests = new Map<string, Remembered<ExchangeRequest>>();
  private readonly responses = new Map<string, Remembered<ExchangeResponse>>();
  /**
   * Signers by signature, with the digest each was recovered over: a signature read from JSON is looked up by itself
   * (its hash computed once), not by a key built of digest and signature at every look (a tenth of the check's time
   * under the profiler). The same signature over another digest is kept in `otherSigners`, by both.
   */
  private readonly signers = new Map<string, { digest: string; signer: string | null }>();
  private readonly otherSigners = new Map<string, string | null>();

  constructor(private readonly domain: TypedDataDomain) {}

  requestDigest(request: ExchangeRequest): string {
    return this.request(request).digest;
  }

  responseDigest(response: ExchangeResponse): string {
    return this.response(response).digest;
  }

  /**
   * The request with its digest: the one remembered under its requestId when every field is the same (the other
   * side's copy, which the audit then keeps once rather than twice), else this one.
   */
  request(request: ExchangeRequest): Remembered<ExchangeRequest> {
    return remembered(this.requests, request, () => requestDigest(this.domain, request));
  }

  /** The response with its digest, as `request`. */
  response(response: ExchangeResponse): Remembered<ExchangeResponse> {
    return remembered(this.responses, response, () => responseDigest(this.domain, response));
  }

  signer(digest: string, signature: string): string | null {
    const known = this.signers.get(signature);
    if (known !== undefined && known.digest === digest) return known.signer;
    const other = known === undefined ? undefined : this.otherSigners.get(`${digest}${signature}`);
    if (other !== undefined) return other;
    const signer = recoverSigner(digest, signature);
    this.remember(digest, signature, signer);
    return signer;
  }

  /** A signer recovered elsewhere (the auditor's child process), exactly as `recoverSigner` would have answered. */
  knowSigner(digest: string, signature: string, signer: string | null): void {
    this.remember(digest, signature, signer);
  }

  private remember(digest: string, signature: string, signer: string | null): void {
    const known = this.signers.get(signature);
    if (known === undefined) this.signers.set(signature, { digest, signer });
    else if (known.digest === digest) known.signer = signer;
    else this.otherSigners.set(`${digest}${signature}`, signer);
  }
}

export interface Remembered<T> {
  message: T;
  digest: string;
}

/**
 * `message` and its digest: the remembered ones when the message under its requestId has the same fields, else
 * `message` with its digest computed (and remembered). Looked up by requestId and compared field by field rather than keyed by the whole message: a key
 * of every field cost more to build and hash than the digest it saved (docs/perf/audit-profile.md).
 */
function remembered<T extends ExchangeRequest | ExchangeResponse>(
  cache: Map<string, Remembered<T>>,
  message: T,
  compute: () => string,
): Remembered<T> {
  const known = cache.get(message.requestId);
  if (known !== undefined && sameFields(known.message, message)) return known;
  const fresh = { message, digest: compute() };
  cache.set(message.requestId, fresh);
  return fresh;
}

/** Whether two messages hold the same fields, each a string or a number (anything else is never taken as the same). */
function sameFields(a: object, b: object): boolean {
  const fields = Object.keys(a);
  if (fields.length !== Object.keys(b).length) return false;
  for (const field of fields) {
    const value: unknown = (a as Record<string, unknown>)[field];
    if ((typeof value !== "string" && typeof value !== "number") || value !== (b as Record<string, unknown>)[field])
      return false;
  }
  return true;
}

type Envelope = z.infer<typeof EnvelopeSchema>;
const EXCHANGE_KEYS: ReadonlySet<string> = new Set(Object.keys(EnvelopeSchema.shape.exchange.shape));

/**
 * The envelope as `EnvelopeSchema` returns it, when it is plainly well-formed (the request and response each as the
 * gateway writes them, nothing in `exchange` the schema would strip); undefined otherwise, for the schema to judge.
 */
function plainEnvelope(entry: ExchangeEntry): Envelope | undefined {
  const { requestId, role, exchange } = entry;
  if (!isBytes32Hex(requestId)) return undefined; // ExchangeRequestSchema's requestId, without zod's call
  if ((role !== "consumer" && role !== "provider") || typeof exchange !== "object" || exchange === null)
    return undefined;
  if (Object.getPrototypeOf(exchange) !== Object.prototype || !Object.keys(exchange).every((k) => EXCHANGE_KEYS.has(k)))
    return undefined;
  const e = exchange as Record<string, unknown>;
  const request = plainExchangeRequest(e.request);
  const response = e.response === undefined ? undefined : plainExchangeResponse(e.response);
  if (!request || typeof e.requestSignature !== "string" || (e.response !== undefined && !response)) return undefined;
  if (e.responseSignature !== undefined && typeof e.responseSignature !== "string") return undefined;
  return {
    requestId,
    role,
    exchange: {
      request,
      requestSignature: e.requestSignature,
      ...(response ? { response } : {}),
      ...(e.responseSignature !== undefined ? { responseSignature: e.responseSignature } : {}),
    },
  };
}

/** The receipt's exchange envelope; `none` for a receipt written before federation (no envelope fields at all). */
export function parseEnvelope(checked: CheckedReceipt, crypto: ExchangeCrypto): ParsedEnvelope {
  const { entry } = checked;
  if (entry.requestId === undefined && entry.role === undefined && entry.exchange === undefined)
    return { kind: "none" };
  const plain = plainEnvelope(entry);
  const parsed = plain ? { success: true as const, data: plain } : EnvelopeSchema.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: "malformed",
      violation: {
        rule: "exchange_malformed",
        receiptId: checked.receipt.id,
        subject: entry.position,
        detail: `${entry.position}: ${issue.path.join(".") || "envelope"}: ${issue.message}`,
      },
    };
  }
  const { requestId, role, exchange } = parsed.data;
  // The messages as first read when this copy's fields are the same (both sides' receipts keep them): the audit holds
  // every exchange receipt until the pairs are judged, and one copy of each message is half of that to keep.
  const request = crypto.request(exchange.request);
  const response = exchange.response && crypto.response(exchange.response);
  return {
    kind: "exchange",
    receipt: {
      // The receipt and its place only: the rest of the entry (its proof, the envelope as read) may go once checked.
      checked: { entry: { position: entry.position }, receipt: checked.receipt },
      requestId,
      role,
      ...exchange,
      request: request.message,
      ...(response ? { response: response.message } : {}),
      digest: request.digest,
      responseDigest: response?.digest,
    },
  };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The violations of one receipt against its own envelope; `name` says which receipt, in words. */
export function checkEnvelope(
  x: ExchangeReceipt,
  operators: OperatorTimeline,
  name: string,
  crypto: ExchangeCrypto,
): Violation[] {
  const r = x.checked.receipt;
  const out: Violation[] = [];
  const flag = (rule: Violation["rule"], detail: string) =>
    out.push({ rule, receiptId: r.id, detail: `${name}: ${detail}` });
  const request = x.request;

  if (!same(x.requestId, request.requestId))
    flag("exchange_mismatch", `envelope requestId ${x.requestId} is not the signed request's ${request.requestId}`);
  if (!same(x.digest, r.requestHash))
    flag(
      "exchange_bad_signature",
      `the signed request's digest ${x.digest} is not the anchored requestHash ${r.requestHash}`,
    );
  if (x.role === "consumer" && (!same(r.department, request.consumer) || same(r.department, r.provider)))
    flag(
      "exchange_mismatch",
      `a consumer receipt held by ${r.department}, which is not the request's consumer or is the provider`,
    );
  if (x.role === "provider" && !same(r.department, r.provider))
    flag(
      "exchange_mismatch",
      `a provider receipt held by ${r.department}, which is not the receipt's provider ${r.provider}`,
    );
  if (
    r.grantId !== BigInt(request.grantId).toString() ||
    !same(r.purpose, request.purpose) ||
    !same(r.subjectRef, request.subjectRef)
  )
    flag("exchange_mismatch", "the receipt's grant, purpose or subject reference is not the signed request's");

  const recordsForgery = x.role === "provider" && r.result !== "delivered" && r.reason === BAD_REQUEST_SIGNATURE_REASON;
  const requester = crypto.signer(x.digest, x.requestSignature);
  if (!recordsForgery) {
    if (!requester || !operators.wasOperatorAt(request.consumer, requester, r.time))
      flag(
        "exchange_bad_signature",
        `the request signature recovers to ${requester ?? "nothing"}, not an operator of the consumer ${request.consumer} at the receipt's time`,
      );
    else if (x.role === "provider" && !same(r.account, requester))
      flag("exchange_mismatch", `the provider receipt's account ${r.account} is not the request's signer ${requester}`);
  }

  const mustHaveResponse = x.role === "provider" || r.result === "delivered";
  if (!x.response || x.responseSignature === undefined) {
    if (mustHaveResponse)
      flag("exchange_bad_signature", `a ${x.role} receipt (${r.result}) without the provider's signed response`);
    return out;
  }
  const response = x.response;
  const responder = crypto.signer(x.responseDigest!, x.responseSignature);
  if (!responder || !same(response.provider, r.provider) || !operators.wasOperatorAt(r.provider, responder, r.time))
    flag(
      "exchange_bad_signature",
      `the response signature recovers to ${responder ?? "nothing"}, not an operator of the provider ${r.provider} at the receipt's time`,
    );
  if (!same(response.requestId, request.requestId) || !same(response.requestDigest, x.digest))
    flag("exchange_bad_signature", "the signed response answers another request (requestId or requestDigest)");
  const answered = response.result === r.result && same(response.responseHash, r.responseHash);
  const keptUndelivered = x.role === "consumer" && r.result !== "delivered";
  if (
    !answered &&
    !(keptUndelivered && (same(r.responseHash, ZeroHash) || same(r.responseHash, response.responseHash)))
  )
    flag(
      "exchange_mismatch",
      `the receipt says ${r.result} with response hash ${r.responseHash}, the signed response ${response.result} with ${response.responseHash}`,
    );
  return out;
}
