/**
 * Verifies a set of receipts against the chain: authenticity (leaf, proof, anchoring, delay, time bounds, links),
 * completeness (sequence gaps, and every batch and receipt of each department's anchored history within the span)
 * and lawfulness of every delivery (statuses at its time, quotas). Each department's history, agreement, grant and
 * subject trail is read once; the checks then run in memory, so ten thousand receipts take seconds.
 *
 * The checks come in two kinds, each a list to extend: per receipt (`RECEIPT_CHECKS`) and over the whole set
 * (`SET_CHECKS`).
 */
import { parseReceiptEntries } from "../../../core/audit/receipt-entries";
import type { AuditContext } from "../connect";
import type { ReceiptEntry } from "../receipts-file";
import type { Violation } from "../rules";
import { loadDirectory, type Directory } from "../state/directory";
import { checkDelivery, loadRecordsFor, type ChainRecords } from "./allowed";
import { checkAnchoring, checkChainLinks, namedBatches, type AnchoredBatch, type CheckedReceipt } from "./anchoring";
import { findSequenceGaps } from "./gaps";
import { loadAnchoredHistories, type AnchoredHistory } from "./history";
import { checkQuotas } from "./quotas";
import { requesterOf } from "./requester";
import { findWithheld, type HistoryCheck, type Span } from "./withheld";

/** Default `--max-anchor-delay`: the gateway's anchoring limit (60 s) plus its batch window (2 s). */
export const DEFAULT_MAX_ANCHOR_DELAY = 62;

export interface VerifyOptions {
  maxAnchorDelay: number;
  /** The anchored batches the file must hold: by default every batch of each department in it. */
  span?: Span;
}

/** What the checks read: the receipts, the chain's records they need, and the options. */
interface VerifyInput {
  ctx: AuditContext;
  options: VerifyOptions;
  checked: readonly CheckedReceipt[];
  /** Batches the entries name (anchored ones), by `department#sequence`. */
  named: Map<string, AnchoredBatch>;
  histories: Map<string, AnchoredHistory>;
  records: ChainRecords;
  directory: Directory;
  /** Merkle steps already hashed in this run (receipts of a batch share the upper levels of their proofs). */
  steps: Map<string, string>;
}

const RECEIPT_CHECKS: ((c: CheckedReceipt, input: VerifyInput) => Violation[])[] = [
  (c, { named, options, ctx, histories, steps }) =>
    checkAnchoring(
      c,
      named,
      options.maxAnchorDelay,
      ctx.head.time,
      histories.get(c.receipt.department.toLowerCase()),
      steps,
    ),
  (c, { records, directory }) =>
    c.receipt.result === "delivered" ? checkDelivery(c.receipt, records, directory, c.requester) : [],
];

/** Set checks run after the receipt checks (which fill each receipt's verified batch). */
const SET_CHECKS: ((input: VerifyInput, out: VerifyResult) => Violation[])[] = [
  ({ checked }) => checkChainLinks(checked),
  ({ checked, histories, options }, out) => {
    const reported = new Map<string, Set<number>>();
    const gaps = findSequenceGaps(checked, out.batches, reported);
    const withheld = findWithheld(checked, histories, options.span ?? {}, reported);
    out.history = withheld.checks;
    return [...gaps, ...withheld.violations];
  },
  ({ checked, records }) =>
    checkQuotas(
      checked.filter((c) => c.receipt.result === "delivered").map((c) => c.receipt),
      records,
    ),
];

export interface VerifyResult {
  checked: CheckedReceipt[];
  batches: AnchoredBatch[];
  records: ChainRecords;
  directory: Directory;
  violations: Violation[];
  /** Each department's anchored history against the file. */
  history: HistoryCheck[];
  /** Entries that could not be parsed as receipts (each also a `malformed_receipt` violation). */
  malformed: number;
}

export async function verifyReceipts(
  ctx: AuditContext,
  entries: readonly ReceiptEntry[],
  options: VerifyOptions,
): Promise<VerifyResult> {
  const read = parseReceiptEntries(entries);
  const violations: Violation[] = [...read.violations];
  const malformed = read.malformed;
  const checked: CheckedReceipt[] = read.parsed.map(({ entry, receipt, leaf }) => ({
    entry,
    receipt,
    leaf,
    requester: requesterOf(entry, receipt),
  }));

  const [histories, directory, records] = await Promise.all([
    loadAnchoredHistories(
      ctx,
      checked.map((c) => c.receipt.department),
    ),
    loadDirectory(
      ctx,
      checked.map((c) => c.receipt.resourceId),
    ),
    loadRecordsFor(
      ctx,
      checked.filter((c) => c.receipt.result === "delivered"),
    ),
  ]);
  const named = namedBatches(checked, histories);
  const input: VerifyInput = { ctx, options, checked, named, histories, records, directory, steps: new Map() };
  for (const c of checked) for (const check of RECEIPT_CHECKS) violations.push(...check(c, input));
  const result: VerifyResult = {
    checked,
    batches: [...named.values()].filter((b) => b.receiptCount > 0),
    records,
    directory,
    violations,
    history: [],
    malformed,
  };
  for (const check of SET_CHECKS) violations.push(...check(input, result));
  return result;
}
