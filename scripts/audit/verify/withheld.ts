/**
 * What a file withholds: for each department with a receipt in the file, every batch its anchored history holds
 * within the span must be given, and so must every receipt of those batches. A batch none of whose receipts is given
 * is withheld (`batch_withheld`, one violation per run of consecutive batches); a receipt missing from a batch that
 * the file gives only in part is withheld (`receipt_withheld`), unless `sequence_gap` has already named it. Batches
 * the department declared lost are not withheld: each declaration within the span is one `receipts_lost`, which says
 * when, by whom and with which reason hash, and how many of those receipts the file still holds (unprovable now).
 */
import { receiptId } from "../../../core/receipt";
import type { Violation } from "../rules";
import { isoTime } from "../time";
import type { AnchoredBatch } from "./anchoring";
import { runs } from "./gaps";
import type { AnchoredHistory, DeclaredLoss } from "./history";
import type { SequenceSet } from "./sequence-set";

/** Which anchored batches a file must hold: those anchored at or after `from` and at or before `to` (unix seconds). */
export interface Span {
  from?: number;
  to?: number;
}

/** Per department: its head, the batches in the span, and what of them the file withholds. */
export interface HistoryCheck {
  department: string;
  lastBatchSequence: number;
  lastReceiptSequence: number;
  batchesInSpan: number;
  batchesWithheld: number;
  receiptsWithheld: number;
  /** Receipts of the batches in the span that the department declared lost. */
  receiptsDeclaredLost: number;
}

export function findWithheld(
  given: ReadonlyMap<string, SequenceSet>,
  histories: ReadonlyMap<string, AnchoredHistory>,
  span: Span,
  alreadyReported: ReadonlyMap<string, ReadonlySet<number>>,
): { violations: Violation[]; checks: HistoryCheck[] } {
  const violations: Violation[] = [];
  const checks: HistoryCheck[] = [];
  const inSpan = (b: AnchoredBatch) =>
    (span.from === undefined || b.anchoredAt >= span.from) && (span.to === undefined || b.anchoredAt <= span.to);
  for (const [department, sequences] of given) {
    const history = histories.get(department);
    if (!history) continue;
    const reported = alreadyReported.get(department) ?? new Set<number>();
    const batches = history.batches.filter(inSpan);
    const withheld: AnchoredBatch[] = [];
    let receiptsWithheld = 0;
    let receiptsDeclaredLost = 0;
    const lostIn = (batch: AnchoredBatch) =>
      history.losses.find((l) => batch.sequence >= l.firstBatchSequence && batch.sequence <= l.lastBatchSequence);
    const lossesInSpan = new Set<DeclaredLoss>();
    for (const batch of batches) {
      const loss = lostIn(batch);
      if (loss) {
        lossesInSpan.add(loss);
        receiptsDeclaredLost += batch.receiptCount;
        continue;
      }
      const missing: number[] = [];
      for (let s = batch.firstReceiptSequence; s <= batch.lastReceiptSequence; s++)
        if (!sequences.has(s)) missing.push(s);
      if (missing.length === batch.receiptCount) {
        withheld.push(batch);
        receiptsWithheld += missing.length;
        continue;
      }
      const unreported = missing.filter((s) => !reported.has(s));
      receiptsWithheld += unreported.length;
      for (const run of runs(unreported)) violations.push(receiptWithheld(department, run, batch));
    }
    for (const run of batchRuns(withheld)) violations.push(batchWithheld(department, run));
    for (const loss of lossesInSpan) violations.push(receiptsLost(loss, sequences));
    checks.push({
      department,
      lastBatchSequence: history.lastBatchSequence,
      lastReceiptSequence: history.lastReceiptSequence,
      batchesInSpan: batches.length,
      batchesWithheld: withheld.length,
      receiptsWithheld,
      receiptsDeclaredLost,
    });
  }
  return { violations, checks };
}

const numbers = (one: string, many: string, first: number, last: number) =>
  first === last ? `${one} ${first}` : `${many} ${first}..${last}`;

function receiptWithheld(department: string, [first, last]: [number, number], batch: AnchoredBatch): Violation {
  return {
    rule: "receipt_withheld",
    receiptId: receiptId(department, first),
    subject: `department ${department}`,
    detail: `${numbers("receipt", "receipts", first, last)} of department ${department}, anchored in batch ${batch.sequence} (receipts ${batch.firstReceiptSequence}..${batch.lastReceiptSequence}) at ${isoTime(batch.anchoredAt)}: not in the file`,
  };
}

function receiptsLost(loss: DeclaredLoss, given: SequenceSet): Violation {
  const { department, firstBatchSequence: b1, lastBatchSequence: b2 } = loss;
  const { firstReceiptSequence: first, lastReceiptSequence: last } = loss;
  let held = 0;
  for (let s = first; s <= last; s++) if (given.has(s)) held++;
  const label = numbers("batch", "batches", b1, b2);
  return {
    rule: "receipts_lost",
    receiptId: receiptId(department, first),
    subject: `department ${department}, ${label}`,
    detail: `department ${department} declared ${label} (${numbers("receipt", "receipts", first, last)}, ${last - first + 1} in all) lost at ${isoTime(loss.declaredAt)} (block ${loss.blockNumber}, by ${loss.admin}, reason hash ${loss.reasonHash}); the file holds ${held} of them`,
  };
}

function batchWithheld(department: string, run: AnchoredBatch[]): Violation {
  const first = run[0];
  const last = run[run.length - 1];
  const label = numbers("batch", "batches", first.sequence, last.sequence);
  const count = last.lastReceiptSequence - first.firstReceiptSequence + 1;
  const when =
    first === last
      ? `at ${isoTime(first.anchoredAt)} (block ${first.blockNumber})`
      : `from ${isoTime(first.anchoredAt)} (block ${first.blockNumber}) to ${isoTime(last.anchoredAt)} (block ${last.blockNumber})`;
  return {
    rule: "batch_withheld",
    receiptId: receiptId(department, first.firstReceiptSequence),
    subject: `department ${department}, ${label}`,
    detail: `${label} of department ${department} (${numbers("receipt", "receipts", first.firstReceiptSequence, last.lastReceiptSequence)}, ${count} in all), anchored ${when}: not in the file`,
  };
}

/** Runs of consecutive batch sequences. */
function batchRuns(batches: readonly AnchoredBatch[]): AnchoredBatch[][] {
  const out: AnchoredBatch[][] = [];
  for (const batch of batches) {
    const last = out.at(-1);
    if (last && last[last.length - 1].sequence === batch.sequence - 1) last.push(batch);
    else out.push([batch]);
  }
  return out;
}
