import { PackedJson, UnpackableValueError } from "./packed-json";

/**
 * A receipt's JSON and its exchange envelope's as one stored record (the `record` column). The two share most values
 * (the requester is the consumer, the request hash the request digest, the same subject, purpose, mask and time) and
 * are mostly hex, so both are packed together (`PackedJson`), and the values the row keeps in its own columns (its
 * department, id, provider, subject and request id) are references to those. A receipt and its evidence took 2,241
 * bytes as JSON and take about 470 packed (the receipts-scale bench's, docs/BENCHMARKS.md). zlib's deflateRaw with a
 * dictionary (the same JSON with zeroed hashes) was measured on one of them: 469 bytes where this codec takes 403, but
 * 100 µs to deflate and 40 to inflate where this takes about 10 to pack (checked) and 4 to unpack, on the same loaded
 * machine; a listing unpacks a hundred records.
 *
 * What comes back is what went in, byte for byte once serialized (a receipt's JSON is evidence the auditor hashes): a
 * record is packed only when it unpacks to the same JSON, and is kept as JSON otherwise (its first byte says which).
 */

/** The key orders of what is stored, by index: append only (a stored record names its shapes by index). */
const SHAPES: ReadonlyArray<readonly string[]> = [
  // A receipt (core/receipt's fields, in the order the recorder writes them).
  [
    "id",
    "sequence",
    "time",
    "department",
    "account",
    "grantId",
    "agreementId",
    "consentId",
    "provider",
    "resourceId",
    "resourceVersion",
    "fieldMask",
    "subjectRef",
    "purpose",
    "result",
    "reason",
    "requestHash",
    "responseHash",
    "prevHash",
  ],
  // The exchange evidence, with and without the response.
  ["request", "requestSignature", "response", "responseSignature"],
  ["request", "requestSignature"],
  // ExchangeRequest and ExchangeResponse (core/exchange).
  ["requestId", "consumer", "grantId", "purpose", "subjectRef", "fieldMask", "paramsHash", "time"],
  ["requestId", "requestDigest", "provider", "result", "reason", "responseHash", "time"],
];

const packer = new PackedJson(SHAPES);

/** The first byte of a record. */
const Format = { Json: 0, Packed: 1 } as const;

/**
 * A receipt, its exchange evidence and the exchange's request id (both null on a pre-federation receipt), as stored
 * and as read back.
 */
export interface ReceiptRecordValue {
  receipt: unknown;
  exchange: unknown;
  requestId: string | null;
}

/**
 * The record of a receipt and its evidence, whose JSON texts are `receiptJson` and `exchangeJson` (null without
 * evidence). `known`: the row's values its columns keep, given again, in the same order, to `unpackReceiptRecord`.
 */
export function packReceiptRecord(
  value: ReceiptRecordValue,
  receiptJson: string,
  exchangeJson: string | null,
  known: readonly string[],
): Buffer {
  try {
    const record = packer.pack([value.receipt, value.exchange, value.requestId], known, [Format.Packed]);
    const [receipt, exchange, requestId] = packer.unpack(record.subarray(1), known) as [unknown, unknown, unknown];
    if (
      JSON.stringify(receipt) === receiptJson &&
      JSON.stringify(exchange) === (exchangeJson ?? "null") &&
      requestId === value.requestId
    ) {
      return record;
    }
  } catch (error) {
    if (!(error instanceof UnpackableValueError)) throw error;
  }
  const json = `[${receiptJson},${exchangeJson ?? "null"},${JSON.stringify(value.requestId)}]`;
  return Buffer.from(String.fromCharCode(Format.Json) + json, "utf8");
}

/** A record stored as JSON texts before (the migration packs the receipts of earlier releases). */
export function packReceiptJson(
  receiptJson: string,
  exchangeJson: string | null,
  requestId: string | null,
  known: readonly string[],
): Buffer {
  const value = {
    receipt: JSON.parse(receiptJson) as unknown,
    exchange: exchangeJson === null ? null : (JSON.parse(exchangeJson) as unknown),
    requestId,
  };
  return packReceiptRecord(value, receiptJson, exchangeJson, known);
}

export function unpackReceiptRecord(record: Buffer, known: readonly string[]): ReceiptRecordValue {
  const [receipt, exchange, requestId] =
    record[0] === Format.Packed
      ? (packer.unpack(record.subarray(1), known) as [unknown, unknown, string | null])
      : (JSON.parse(record.toString("utf8", 1)) as [unknown, unknown, string | null]);
  return { receipt, exchange, requestId };
}

/** Whether a record was stored packed (tests; the bench's byte counts). */
export function isPackedRecord(record: Buffer): boolean {
  return record[0] === Format.Packed;
}
