/**
 * The entries of a receipts file read as receipts: each that parses as a Kuajie receipt, with its leaf; one that does
 * not is a `malformed_receipt` violation; a repeated id is skipped, or a `duplicate_receipt` when its fields differ.
 * The auditor's `receipts`/`exchange` commands and the gateway's exchange check read files alike with it.
 */
import { ReceiptSchema, leafOfParsedReceipt, type Receipt } from "../receipt";
import type { Violation } from "./rules";

interface RawReceiptEntry {
  receipt: Record<string, unknown>;
  position: string;
}

interface ParsedReceiptEntries<E extends RawReceiptEntry> {
  parsed: { entry: E; receipt: Receipt; leaf: string }[];
  violations: Violation[];
  malformed: number;
}

export function parseReceiptEntries<E extends RawReceiptEntry>(entries: readonly E[]): ParsedReceiptEntries<E> {
  const violations: Violation[] = [];
  const parsedEntries: ParsedReceiptEntries<E>["parsed"] = [];
  const seen = new Map<string, string>();
  let malformed = 0;
  for (const entry of entries) {
    const parsed = ReceiptSchema.safeParse(entry.receipt);
    if (!parsed.success) {
      malformed++;
      const issue = parsed.error.issues[0];
      violations.push({
        rule: "malformed_receipt",
        receiptId: typeof entry.receipt.id === "string" ? entry.receipt.id : undefined,
        subject: entry.position,
        detail: `${entry.position}: ${issue.path.join(".") || "receipt"}: ${issue.message}`,
      });
      continue;
    }
    const receipt = parsed.data;
    const leaf = leafOfParsedReceipt(receipt);
    const id = receipt.id.toLowerCase();
    const previous = seen.get(id);
    if (previous !== undefined) {
      if (previous !== leaf) {
        violations.push({
          rule: "duplicate_receipt",
          receiptId: receipt.id,
          detail: `${entry.position} repeats the id with different fields`,
        });
      }
      continue;
    }
    seen.set(id, leaf);
    parsedEntries.push({ entry, receipt, leaf });
  }
  return { parsed: parsedEntries, violations, malformed };
}
