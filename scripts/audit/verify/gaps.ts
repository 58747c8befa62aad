/**
 * Completeness: per department, every receipt that an anchored batch says it holds (its count and range) must be
 * among the receipts given, and so must every receipt between two given ones. Each run of missing receipts is one
 * violation naming the first missing receipt's id. The numbers reported go into `reported` (by lower-case department)
 * when it is given, so that the check of the chain's whole history reports each missing number once. Receipts of a
 * range the department declared lost are not gaps: `findWithheld` reports each declared loss as `receipts_lost`.
 */
import { receiptId } from "../../../core/receipt";
import type { Violation } from "../rules";
import type { AnchoredBatch } from "./anchoring";
import type { AnchoredHistory } from "./history";
import type { SequenceSet } from "./sequence-set";
import { groupBy } from "../state/fold";

export function findSequenceGaps(
  given: ReadonlyMap<string, SequenceSet>,
  batches: Iterable<AnchoredBatch>,
  reported?: Map<string, Set<number>>,
  histories?: ReadonlyMap<string, AnchoredHistory>,
): Violation[] {
  const violations: Violation[] = [];
  const batchesOf = groupBy([...batches], (b) => b.department.toLowerCase());
  for (const [department, sequences] of given) {
    const covered = new Set<number>();
    for (const loss of histories?.get(department)?.losses ?? [])
      for (let s = loss.firstReceiptSequence; s <= loss.lastReceiptSequence; s++) covered.add(s);
    const missingFromBatches: number[] = [];
    for (const batch of (batchesOf.get(department) ?? []).sort((a, b) => a.sequence - b.sequence)) {
      if (batch.receiptCount === 0 || covered.has(batch.firstReceiptSequence)) continue;
      const missing: number[] = [];
      for (let s = batch.firstReceiptSequence; s <= batch.lastReceiptSequence; s++) {
        covered.add(s);
        if (!sequences.has(s)) missing.push(s);
      }
      missingFromBatches.push(...missing);
      for (const run of runs(missing)) {
        violations.push(
          gap(
            department,
            run,
            `from batch ${batch.sequence} (receipts ${batch.firstReceiptSequence}..${batch.lastReceiptSequence}, count ${batch.receiptCount})`,
          ),
        );
      }
    }
    const between: number[] = [];
    let previous: number | undefined;
    for (const sequence of sequences.ascending()) {
      if (previous !== undefined) for (let s = previous + 1; s < sequence; s++) if (!covered.has(s)) between.push(s);
      previous = sequence;
    }
    for (const run of runs(between)) violations.push(gap(department, run, "between the receipts given"));
    reported?.set(department, new Set([...missingFromBatches, ...between]));
  }
  return violations;
}

function gap(department: string, [first, last]: [number, number], where: string): Violation {
  const what = first === last ? `receipt ${first}` : `receipts ${first}..${last} (${last - first + 1})`;
  return {
    rule: "sequence_gap",
    receiptId: receiptId(department, first),
    subject: `department ${department}`,
    detail: `${what} of department ${department} missing ${where}`,
  };
}

/** Consecutive runs of sorted numbers as [first, last] pairs. */
export function runs(sorted: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const n of sorted) {
    const last = out.at(-1);
    if (last && last[1] === n - 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}
