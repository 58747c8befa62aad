/**
 * Federated exchanges in the auditor's test world: the Guangzhou civil-affairs bureau (consumer) asks public
 * security (provider) for household registration data. Each exchange is a request signed with the consumer's
 * operator key and a response signed with the provider's (core/exchange.ts); the consumer's and the provider's
 * receipts carry them in their envelopes, and each side anchors its own receipts.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { TypedDataDomain } from "ethers";
import {
  exchangeDomain,
  requestDigest,
  signRequest,
  signResponse,
  type ExchangeRequest,
  type ExchangeResponse,
} from "../../../core/exchange";
import { canonicalJson } from "../../../core/json/canonical-json";
import type { Receipt } from "../../../core/receipt";
import { anchor, loadWorld, PURPOSE, ReceiptWriter, SUBJECT, type ReceiptEntry, type World } from "./world";

interface Envelope {
  requestId: string;
  role: "consumer" | "provider";
  exchange: {
    request: ExchangeRequest;
    requestSignature: string;
    response?: ExchangeResponse;
    responseSignature?: string;
  };
}

export type ExchangeEntry = ReceiptEntry & Partial<Envelope>;

export interface ExchangeWorld extends World {
  security: HardhatEthersSigner;
  securityId: string;
  /** The provider's receipt writer (public security's ledger). */
  providerReceipts: ReceiptWriter;
  domain: TypedDataDomain;
}

export async function loadExchangeWorld(): Promise<ExchangeWorld> {
  const w = await loadWorld();
  const security = w.s.operators["public-security"];
  const securityId = w.s.departments["public-security"].id;
  const providerReceipts = new ReceiptWriter(
    { department: securityId, account: w.civil.address, provider: securityId, resourceId: w.household },
    { grantId: String(w.grantId), agreementId: String(w.agreementId), consentId: w.consentId },
  );
  const domain = exchangeDomain((await ethers.provider.getNetwork()).chainId, w.s.deployment.contracts.Consortium);
  return { ...w, security, securityId, providerReceipts, domain };
}

/** One side's receipt of an exchange, before anchoring. */
export interface SideReceipt {
  receipt: Receipt;
  envelope: Envelope;
}

export interface ExchangeSpec {
  /** The provider's outcome; delivered by default. */
  provider?: { result: "delivered" } | { result: "denied" | "failed"; reason: string } | null;
  /** The consumer's outcome; the provider's by default. `null`: no consumer receipt. */
  consumer?: { result: "delivered" } | { result: "denied" | "failed"; reason: string } | null;
  /** Whether the consumer's receipt keeps the provider's signed answer (default: yes). */
  keepResponse?: boolean;
  requestSigner?: HardhatEthersSigner;
  responseSigner?: HardhatEthersSigner;
}

/** Builds the two receipts of exchange number `n` (either may be left out by the spec). */
export async function exchange(
  x: ExchangeWorld,
  n: number,
  spec: ExchangeSpec = {},
): Promise<{ consumer?: SideReceipt; provider?: SideReceipt }> {
  const providerOutcome = spec.provider === undefined ? { result: "delivered" as const } : spec.provider;
  const consumerOutcome = spec.consumer === undefined ? providerOutcome : spec.consumer;
  const request: ExchangeRequest = {
    requestId: ethers.id(`exchange ${n}`),
    consumer: x.civilId,
    grantId: String(x.grantId),
    purpose: PURPOSE,
    subjectRef: SUBJECT,
    fieldMask: "0x1",
    paramsHash: ethers.keccak256(ethers.toUtf8Bytes(canonicalJson(null))),
    time: await time.latest(),
  };
  const digest = requestDigest(x.domain, request);
  const requestSignature = await signRequest(spec.requestSigner ?? x.civil, x.domain, request);
  const answered = providerOutcome ?? { result: "delivered" as const };
  const delivered = answered.result === "delivered";
  const responseHash = delivered
    ? ethers.keccak256(ethers.toUtf8Bytes(canonicalJson({ data: { idNumber: `synthetic ${n}` } })))
    : ethers.ZeroHash;
  const response: ExchangeResponse = {
    requestId: request.requestId,
    requestDigest: digest,
    provider: x.securityId,
    result: answered.result,
    reason: ethers.encodeBytes32String(delivered ? "ok" : answered.reason),
    responseHash,
    time: request.time,
  };
  const responseSignature = await signResponse(spec.responseSigner ?? x.security, x.domain, response);
  const outcomeFields = (o: NonNullable<ExchangeSpec["consumer"]>) =>
    o.result === "delivered"
      ? { result: "delivered" as const, reason: "ok", fieldMask: "0x1", responseHash }
      : { result: o.result, reason: o.reason, fieldMask: "0x0", responseHash: ethers.ZeroHash };
  const out: { consumer?: SideReceipt; provider?: SideReceipt } = {};
  if (providerOutcome) {
    out.provider = {
      receipt: await x.providerReceipts.next({ ...outcomeFields(providerOutcome), requestHash: digest }),
      envelope: {
        requestId: request.requestId,
        role: "provider",
        exchange: { request, requestSignature, response, responseSignature },
      },
    };
  }
  if (consumerOutcome) {
    const kept = spec.keepResponse ?? providerOutcome !== null;
    out.consumer = {
      receipt: await x.receipts.next({ ...outcomeFields(consumerOutcome), requestHash: digest }),
      envelope: {
        requestId: request.requestId,
        role: "consumer",
        exchange: kept ? { request, requestSignature, response, responseSignature } : { request, requestSignature },
      },
    };
  }
  return out;
}

/** Anchors each side's receipts by its own department and returns both files' entries. */
export async function anchorSides(
  x: ExchangeWorld,
  exchanges: { consumer?: SideReceipt; provider?: SideReceipt }[],
): Promise<{ consumer: ExchangeEntry[]; provider: ExchangeEntry[] }> {
  const side = async (list: SideReceipt[], by: { department: string; operator: HardhatEthersSigner }) => {
    if (list.length === 0) return [];
    const entries = await anchor(
      x,
      list.map((s) => s.receipt),
      by,
    );
    return entries.map((entry, i): ExchangeEntry => ({ ...entry, ...list[i].envelope }));
  };
  return {
    consumer: await side(
      exchanges.flatMap((e) => (e.consumer ? [e.consumer] : [])),
      { department: x.civilId, operator: x.civil },
    ),
    provider: await side(
      exchanges.flatMap((e) => (e.provider ? [e.provider] : [])),
      { department: x.securityId, operator: x.security },
    ),
  };
}
