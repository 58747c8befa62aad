/**
 * The exchange check of docs/FEDERATION.md §4 over the two sides' receipts: each federated receipt against its own
 * signed messages, then the consumer's receipts paired with the provider's by `requestId` and each pair judged. One
 * copy for `npm run audit -- exchange` (after its chain checks of every receipt) and the gateway's
 * `POST /v1/audit/exchange` (the console's receipts page).
 */
import type { Violation } from "../rules";
import {
  ExchangeCrypto,
  checkEnvelope,
  parseEnvelope,
  type CheckedReceipt,
  type ExchangeReceipt,
  type OperatorTimeline,
} from "./envelope";
import { pairExchanges, type PairOutcome } from "./pairing";

export interface ExchangeSide {
  /** Receipts read: well-formed, each id once. */
  receipts: number;
  exchanges: ExchangeReceipt[];
  /** Receipts with no exchange envelope (written before federation). */
  preFederation: number;
  /** The departments whose receipts the file holds (lower case). */
  departments: Set<string>;
}

/**
 * One file's receipts read for the check, one at a time (the auditor streams a file and lets each receipt go): their
 * envelopes parsed; a malformed one is an `exchange_malformed`.
 */
export class ExchangeSideReader {
  readonly side: ExchangeSide = { receipts: 0, exchanges: [], preFederation: 0, departments: new Set() };

  constructor(
    private readonly crypto: ExchangeCrypto,
    private readonly violations: Violation[],
  ) {}

  add(checked: CheckedReceipt): void {
    this.side.receipts++;
    this.side.departments.add(checked.receipt.department.toLowerCase());
    const parsed = parseEnvelope(checked, this.crypto);
    if (parsed.kind === "none") this.side.preFederation++;
    else if (parsed.kind === "malformed") this.violations.push(parsed.violation);
    else this.side.exchanges.push(parsed.receipt);
  }
}

/** A whole file's receipts read for the check at once. */
export function readExchangeSide(
  checked: readonly CheckedReceipt[],
  crypto: ExchangeCrypto,
  violations: Violation[],
): ExchangeSide {
  const reader = new ExchangeSideReader(crypto, violations);
  for (const c of checked) reader.add(c);
  return reader.side;
}

/** The departments whose operators the check needs (consumers of the requests, providers of the receipts). */
export function exchangeDepartments(sides: readonly ExchangeSide[]): string[] {
  const all = sides.flatMap((s) => s.exchanges);
  return [...all.map((x) => x.request.consumer), ...all.map((x) => x.checked.receipt.provider)];
}

interface ExchangeJudgement {
  outcomes: PairOutcome[];
  violations: Violation[];
  /** Exchange receipts naming a department whose receipts are in neither file (or with the other role). */
  outside: number;
}

/** Every receipt against its envelope, then the pairs. `name` says which receipt a receipt is, in words. */
export function judgeExchanges(
  consumer: ExchangeSide,
  provider: ExchangeSide,
  operators: OperatorTimeline,
  name: (x: ExchangeReceipt) => string,
  crypto: ExchangeCrypto,
): ExchangeJudgement {
  const violations: Violation[] = [];
  const all = [...consumer.exchanges, ...provider.exchanges];
  for (const x of all) violations.push(...checkEnvelope(x, operators, name(x), crypto));
  // Each file holds its departments' receipts of both roles: pair the consumer file's consumer receipts of exchanges
  // with the provider file's departments, and the provider file's provider receipts of requests by the consumer's.
  const consumerSide = consumer.exchanges.filter(
    (x) => x.role === "consumer" && provider.departments.has(x.checked.receipt.provider.toLowerCase()),
  );
  const providerSide = provider.exchanges.filter(
    (x) => x.role === "provider" && consumer.departments.has(x.request.consumer.toLowerCase()),
  );
  const paired = pairExchanges(consumerSide, providerSide, name);
  violations.push(...paired.violations);
  return { outcomes: paired.outcomes, violations, outside: all.length - consumerSide.length - providerSide.length };
}
