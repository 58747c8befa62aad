/**
 * Reads a file of receipts as `GET /v1/receipts/:id` returns them — `{receipt, leaf, status, batch?, proof?}` — as a
 * JSON array or as JSON lines. The envelope must have this shape (else a usage error naming the entry); the receipt
 * inside is checked later, as evidence, so that a malformed receipt is a violation rather than a refusal to audit.
 *
 * `streamReceiptsFile` hands out JSON lines one entry at a time, reading the file in chunks, so that a file of
 * millions of receipts costs the auditor the memory of one chunk and one line; a JSON array is still read whole.
 */
import fs from "node:fs";
import { z } from "zod";
import { UsageError } from "./errors";
import { isBytes32Hex } from "../../core/crypto/hex";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x and 64 hex digits");

export const ReceiptEntrySchema = z.object({
  receipt: z.record(z.string(), z.unknown()),
  leaf: hex32.optional(),
  status: z.enum(["pending", "anchored", "lost"]).optional(),
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

const ENTRY_KEYS: ReadonlySet<string> = new Set(Object.keys(ReceiptEntrySchema.shape));
const BATCH_KEYS: ReadonlySet<string> = new Set(["sequence", "root", "txHash", "blockNumber"]);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  Object.getPrototypeOf(v) === Object.prototype &&
  !Object.hasOwn(v, "__proto__");
const onlyKeys = (v: Record<string, unknown>, allowed: ReadonlySet<string>) =>
  Object.keys(v).every((k) => allowed.has(k));
const isHex32 = isBytes32Hex;

/**
 * An entry as the gateway writes it, checked here without zod (ReceiptEntrySchema's walk, with its copy of every
 * receipt, cost the auditor more than reading the line): what this accepts, the schema accepts unchanged (no key it
 * would strip). Anything else goes to the schema, so every error is its own.
 */
function isPlainEntry(value: unknown): value is z.infer<typeof ReceiptEntrySchema> {
  if (!isPlainObject(value) || !onlyKeys(value, ENTRY_KEYS) || !isPlainObject(value.receipt)) return false;
  const { leaf, status, batch, proof } = value;
  return (
    (leaf === undefined || isHex32(leaf)) &&
    (status === undefined || status === "pending" || status === "anchored" || status === "lost") &&
    (batch === undefined ||
      (isPlainObject(batch) &&
        onlyKeys(batch, BATCH_KEYS) &&
        Number.isSafeInteger(batch.sequence) &&
        (batch.sequence as number) >= 1 &&
        isHex32(batch.root) &&
        (batch.txHash === undefined || typeof batch.txHash === "string") &&
        (batch.blockNumber === undefined ||
          (Number.isSafeInteger(batch.blockNumber) && (batch.blockNumber as number) >= 0)))) &&
    (proof === undefined || (Array.isArray(proof) && proof.every((p) => typeof p === "string")))
  );
}

export type ReceiptEntry = z.infer<typeof ReceiptEntrySchema> & {
  /** Where the entry is in the file: `line 3` for JSON lines, `entry 3` for an array (1-based). */
  position: string;
};

export function readReceiptsFile(file: string): ReceiptEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw unreadable(file);
  }
  return parseReceipts(text, file);
}

/** The file can be opened for reading (checked before connecting, so that a wrong path is a usage error at once). */
export function assertReadable(file: string): void {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw unreadable(file);
  }
}

const unreadable = (file: string) =>
  new UsageError(`cannot read the receipts file ${file}: pass a file of receipts from GET /v1/receipts/:id`);

/** How much of a file is read at a time. */
const CHUNK_BYTES = 1 << 20;

/** A newline's byte: never part of a UTF-8 sequence of another character, so lines are cut on bytes. */
const NEWLINE = 0x0a;

/**
 * The entries of a receipts file in file order, JSON lines read chunk by chunk; `chunkBytes` for tests. Lines are cut
 * from the bytes and each is decoded alone (about a third of the CPU of decoding every chunk into one text and
 * splitting that: a 17 MB file of 5,000 exchange receipts); what is decided and said is the same.
 */
export async function* streamReceiptsFile(file: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<ReceiptEntry> {
  // The bytes read before the format is known (the array's whole text, for an array), then of an unfinished line.
  let held: Buffer[] = [];
  let lineNumber = 0;
  // Decided by the first character that is not blank: `[` a JSON array (read whole), anything else JSON lines.
  let format: "lines" | "array" | undefined;
  const stream = fs.createReadStream(file, { highWaterMark: chunkBytes });
  const lineOf = (bytes: Buffer): ReceiptEntry | null => {
    lineNumber++;
    const line = bytes.toString("utf8");
    return line.trim() === "" ? null : lineEntry(line, lineNumber, file);
  };
  try {
    for await (const read of stream as AsyncIterable<Buffer>) {
      let chunk = read;
      if (format === undefined) {
        held.push(read);
        // A character cut at the chunk's end decodes as U+FFFD: not blank and not `[`, as the whole character is not.
        const text = Buffer.concat(held).toString("utf8");
        format = text.trim() === "" ? undefined : text.trimStart().startsWith("[") ? "array" : "lines";
        if (format !== "lines") continue;
        chunk = Buffer.concat(held);
        held = [];
      } else if (format === "array") {
        held.push(read);
        continue;
      }
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        const bytes =
          held.length > 0 ? Buffer.concat([...held, chunk.subarray(start, end)]) : chunk.subarray(start, end);
        held = [];
        start = end + 1;
        const entry = lineOf(bytes);
        if (entry !== null) yield entry;
      }
      if (start < chunk.length) held.push(chunk.subarray(start));
    }
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code === undefined) throw error;
    throw unreadable(file);
  } finally {
    stream.destroy();
  }
  if (format === "array") {
    yield* parseReceipts(Buffer.concat(held).toString("utf8"), file);
    return;
  }
  const last = lineOf(Buffer.concat(held));
  if (last !== null) yield last;
}

function lineEntry(line: string, lineNumber: number, file: string): ReceiptEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new UsageError(`${file} line ${lineNumber} is not JSON: pass a JSON array or one receipt per line`);
  }
  return entryOf(value, `line ${lineNumber}`, file);
}

/** One entry of a receipts file (`position` says where it is), or a usage error naming what is wrong with it. */
export function entryOf(value: unknown, position: string, file: string): ReceiptEntry {
  if (isPlainEntry(value)) return { ...value, position };
  const parsed = ReceiptEntrySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `${file} ${position} is not a receipt as GET /v1/receipts/:id returns it (${issue.path.join(".") || "entry"}: ${issue.message})`,
    );
  }
  return { ...parsed.data, position };
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
  return items.map(({ value, position }) => entryOf(value, position, file));
}
