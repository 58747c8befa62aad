/**
 * Reads a file of receipts as `GET /v1/receipts/:id` returns them — `{receipt, leaf, status, batch?, proof?}` — as a
 * JSON array or as JSON lines. The envelope must have this shape (else a usage error naming the entry); the receipt
 * inside is checked later, as evidence, so that a malformed receipt is a violation rather than a refusal to audit.
 */
import fs from "node:fs";
import { z } from "zod";
import { UsageError } from "./errors";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x and 64 hex digits");

const ReceiptEntrySchema = z.object({
  receipt: z.record(z.string(), z.unknown()),
  leaf: hex32.optional(),
  status: z.enum(["pending", "anchored"]).optional(),
  batch: z
    .object({
      sequence: z.int().min(1),
      root: hex32,
      txHash: z.string().optional(),
      blockNumber: z.int().min(0).optional(),
    })
    .optional(),
  proof: z.array(z.string()).optional(),
  // Federated receipts (docs/FEDERATION.md §1): checked by `audit exchange`, as evidence, so kept unparsed here.
  requestId: z.unknown().optional(),
  role: z.unknown().optional(),
  exchange: z.unknown().optional(),
});

export type ReceiptEntry = z.infer<typeof ReceiptEntrySchema> & {
  /** Where the entry is in the file: `line 3` for JSON lines, `entry 3` for an array (1-based). */
  position: string;
};

export function readReceiptsFile(file: string): ReceiptEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`cannot read the receipts file ${file}: pass a file of receipts from GET /v1/receipts/:id`);
  }
  return parseReceipts(text, file);
}

function parseReceipts(text: string, file = "receipts"): ReceiptEntry[] {
  const trimmed = text.trim();
  let items: { value: unknown; position: string }[];
  if (trimmed.startsWith("[")) {
    let array: unknown;
    try {
      array = JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`${file} is not valid JSON (${(error as Error).message}): pass a JSON array or JSON lines`);
    }
    items = (array as unknown[]).map((value, i) => ({ value, position: `entry ${i + 1}` }));
  } else {
    items = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        items.push({ value: JSON.parse(line), position: `line ${i + 1}` });
      } catch {
        throw new UsageError(`${file} line ${i + 1} is not JSON: pass a JSON array or one receipt per line`);
      }
    });
  }
  return items.map(({ value, position }) => {
    const parsed = ReceiptEntrySchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(
        `${file} ${position} is not a receipt as GET /v1/receipts/:id returns it (${issue.path.join(".") || "entry"}: ${issue.message})`,
      );
    }
    return { ...parsed.data, position };
  });
}
