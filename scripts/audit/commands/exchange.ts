/**
 * `exchange <consumer-file> <provider-file>`: verifies each department's receipts as `receipts` does, checks every
 * federated receipt against its own signed messages, then pairs the consumer's receipts with the provider's by
 * `requestId` and judges each pair by the rule table of docs/FEDERATION.md §4.
 */
import type { AuditContext } from "../connect";
import type { ReceiptEntry } from "../receipts-file";
import { chainOf, type AuditReport, type Section } from "../render/model";
import type { Violation } from "../rules";
import { short, type Directory } from "../state/directory";
import { loadOperatorHistory } from "../state/operators";
import { exchangeDomain } from "../../../core/exchange";
import { SharedReads, verifyReceipts, type ReceiptSource, type VerifyResult } from "../verify";
import { RecordsReader } from "../verify/allowed";
import { ExchangeCrypto, type ExchangeReceipt } from "../../../core/audit/exchange/envelope";
import { closedBeforeAsking, type PairOutcome, type PairVerdict } from "../../../core/audit/exchange/pairing";
import {
  ExchangeSideReader,
  exchangeDepartments,
  judgeExchanges,
  type ExchangeSide,
} from "../../../core/audit/exchange/check";
import { lossAround } from "../verify/history";
import type { Span } from "../verify/withheld";
import { SignerRecovery, type SignerRecoveryOptions } from "../signer-recovery";
import { wrongDeploymentReport } from "./wrong-deployment";

/** How far the two sides' times of one exchange may differ: the gateways' allowed skew (docs/FEDERATION.md §3). */
const EXCHANGE_SKEW_SECONDS = 60;

export interface ExchangeCommandOptions {
  consumerFile: string;
  consumerEntries: ReceiptSource | readonly ReceiptEntry[];
  providerFile: string;
  providerEntries: ReceiptSource | readonly ReceiptEntry[];
  maxAnchorDelay: number;
  span: Span;
  /** How the signers are recovered beside the check (by default a child process from 1,024 signatures on). */
  signerRecovery?: SignerRecoveryOptions;
}

interface Side extends ExchangeSide {
  file: string;
  result: VerifyResult;
}

export async function exchangeCommand(ctx: AuditContext, options: ExchangeCommandOptions): Promise<AuditReport> {
  const title = `Exchange audit: ${options.consumerFile} (consumer) with ${options.providerFile} (provider)`;
  if (ctx.deploymentProblems.length) {
    const ids: string[] = [];
    for (const entries of [options.consumerEntries, options.providerEntries])
      for await (const e of typeof entries === "function" ? entries() : entries)
        ids.push(typeof e.receipt.id === "string" ? e.receipt.id : e.position);
    return wrongDeploymentReport(ctx, "exchange", title, ids);
  }
  // The two files name the same agreements, grants, departments and subjects: the second reads only what is new.
  const shared = new SharedReads(new RecordsReader(ctx));
  const verifyOptions = { maxAnchorDelay: options.maxAnchorDelay, span: options.span, shared };
  const crypto = new ExchangeCrypto(exchangeDomain(ctx.chainId, ctx.deployment.contracts.Consortium));
  const violations: Violation[] = [];
  const recovery = new SignerRecovery(crypto, options.signerRecovery);
  const readSide = async (file: string, entries: ReceiptSource | readonly ReceiptEntry[]): Promise<Side> => {
    const envelopeViolations: Violation[] = [];
    const reader = new ExchangeSideReader(crypto, envelopeViolations);
    const exchanges = reader.side.exchanges;
    const result = await verifyReceipts(ctx, entries, verifyOptions, (checked) => {
      const before = exchanges.length;
      reader.add(checked);
      // Its signers recovered meanwhile by the child (checkEnvelope asks for them once both files are read).
      for (let i = before; i < exchanges.length; i++) {
        recovery.add(exchanges[i].digest, exchanges[i].requestSignature);
        if (exchanges[i].responseDigest !== undefined)
          recovery.add(exchanges[i].responseDigest!, exchanges[i].responseSignature);
      }
    });
    violations.push(...result.violations.map((v) => ({ ...v, detail: `${file}: ${v.detail}` })), ...envelopeViolations);
    return { file, result, ...reader.side };
  };
  let consumer: Side, provider: Side;
  try {
    consumer = await readSide(options.consumerFile, options.consumerEntries);
    provider = await readSide(options.providerFile, options.providerEntries);
    await recovery.settle();
  } finally {
    recovery.close();
  }

  const operators = await loadOperatorHistory(ctx, exchangeDepartments([consumer, provider]));
  const directory = consumer.result.directory;
  const judged = judgeExchanges(consumer, provider, operators, (x) => receiptName(directory, x), crypto);
  violations.push(...withDeclaredLosses(judged.outcomes, judged.violations, [consumer, provider], options));
  const paired = judged;
  const outside = judged.outside;

  return {
    command: "exchange",
    title,
    chain: chainOf(ctx),
    summary: summaryOf(consumer, provider, paired.outcomes, outside, violations),
    violations,
    sections: sectionsOf(consumer, provider, paired.outcomes, outside, directory),
    data: {
      maxAnchorDelay: options.maxAnchorDelay,
      span: { from: options.span.from ?? null, to: options.span.to ?? null },
      consumer: {
        file: consumer.file,
        receipts: consumer.result.receipts,
        preFederation: consumer.preFederation,
      },
      provider: {
        file: provider.file,
        receipts: provider.result.receipts,
        preFederation: provider.preFederation,
      },
      outsideThePair: outside,
      exchanges: paired.outcomes.map((o) => ({
        requestId: o.requestId,
        verdict: o.verdict,
        consumer: o.consumer ? receiptRef(o.consumer) : null,
        provider: o.provider ? receiptRef(o.provider) : null,
        violations: [...new Set(o.violations.map((v) => v.rule))],
      })),
    },
  };
}

/**
 * An exchange one side cannot account for, when the other side's department declared the receipts of that time lost
 * (`receipts_lost` of its file): still `exchange_unmatched`, and its detail says which declaration may explain it.
 */
function withDeclaredLosses(
  outcomes: readonly PairOutcome[],
  found: readonly Violation[],
  sides: readonly Side[],
  options: ExchangeCommandOptions,
): Violation[] {
  const histories = new Map(sides.flatMap((side) => [...side.result.histories]));
  const notes = new Map<string, string>();
  for (const o of outcomes) {
    const present = o.consumer ?? o.provider;
    if (o.verdict !== "violation" || present === undefined || (o.consumer && o.provider)) continue;
    const r = present.checked.receipt;
    const missing = (o.consumer ? r.provider : present.request.consumer).toLowerCase();
    const loss = lossAround(histories.get(missing), r.time, options.maxAnchorDelay, EXCHANGE_SKEW_SECONDS);
    if (loss === undefined) continue;
    const batches =
      loss.firstBatchSequence === loss.lastBatchSequence
        ? `batch ${loss.firstBatchSequence}`
        : `batches ${loss.firstBatchSequence}..${loss.lastBatchSequence}`;
    notes.set(
      r.id.toLowerCase(),
      `; department ${missing} declared its receipts of ${batches} (${loss.firstReceiptSequence}..${loss.lastReceiptSequence}) lost at block ${loss.blockNumber}, a span this exchange's time falls in: its receipt may be among them (receipts_lost)`,
    );
  }
  return found.map((v) => {
    const note = v.rule === "exchange_unmatched" && v.receiptId ? notes.get(v.receiptId.toLowerCase()) : undefined;
    return note === undefined ? v : { ...v, detail: v.detail + note };
  });
}

function receiptRef(x: ExchangeReceipt) {
  const r = x.checked.receipt;
  return { id: r.id, department: r.department, sequence: r.sequence, result: r.result, reason: r.reason };
}

/** A receipt in words: its side, department, sequence and id. */
function receiptName(directory: Directory, x: ExchangeReceipt): string {
  const r = x.checked.receipt;
  return `${x.role} receipt ${directory.departmentName(r.department)} #${r.sequence} (${r.id})`;
}

function summaryOf(
  consumer: Side,
  provider: Side,
  outcomes: PairOutcome[],
  outside: number,
  violations: Violation[],
): AuditReport["summary"] {
  const count = (verdict: PairVerdict) => outcomes.filter((o) => o.verdict === verdict).length;
  return [
    ["receipts given (consumer / provider file)", `${consumer.result.receipts} / ${provider.result.receipts}`],
    ["exchanges", outcomes.length],
    ["pairs (both receipts)", outcomes.filter((o) => o.consumer && o.provider).length],
    ["delivered", count("delivered")],
    ["refused or failed on both sides", count("refused")],
    ["closed as not delivered after the provider delivered (accepted)", count("crash_closed")],
    ["consumer only, no answer came (accepted)", count("no_answer")],
    [
      "of which refused or failed by the consumer before asking the provider",
      outcomes.filter(closedBeforeAsking).length,
    ],
    ["provider refusals without a consumer receipt (accepted)", count("provider_refusal_only")],
    ["unmatched", violations.filter((v) => v.rule === "exchange_unmatched").length],
    ["exchange receipts with a department outside the two files", outside],
    ["receipts without an exchange (pre-federation, not paired)", consumer.preFederation + provider.preFederation],
    ["violations", violations.length],
  ];
}

function sectionsOf(
  consumer: Side,
  provider: Side,
  outcomes: PairOutcome[],
  outside: number,
  directory: Directory,
): Section[] {
  const notes: string[] = [];
  const preFederation = consumer.preFederation + provider.preFederation;
  if (preFederation)
    notes.push(
      `${preFederation} receipt(s) carry no exchange (written before federation, or refused before any request was signed): verified as receipts, not paired.`,
    );
  if (outside)
    notes.push(
      `${outside} exchange receipt(s) name a department whose receipts are in neither file (or have the other role): their signatures were checked, they were not paired.`,
    );
  const cell = (x: ExchangeReceipt | undefined) => {
    if (!x) return "none";
    const r = x.checked.receipt;
    const outcome = r.result === "delivered" ? r.result : `${r.result} (${r.reason})`;
    return `${directory.departmentName(r.department)} #${r.sequence} ${short(r.id)}: ${outcome}`;
  };
  const sections: Section[] = [];
  if (notes.length) sections.push({ heading: "Notes", lines: notes });
  sections.push({
    heading: "Exchanges",
    table: {
      columns: ["requestId", "consumer receipt", "provider receipt", "verdict", "findings"],
      rows: outcomes.map((o) => [
        short(o.requestId),
        cell(o.consumer),
        cell(o.provider),
        o.verdict,
        [...new Set(o.violations.map((v) => v.rule))].join(", ") || "ok",
      ]),
    },
  });
  return sections;
}
