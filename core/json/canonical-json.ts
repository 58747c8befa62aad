/**
 * Kuajie's one canonical JSON: the bytes that are hashed wherever a hash stands for a JSON value — catalog metadata
 * and agreement terms (their keccak256 is stored by the contracts), consent documents, the `requestHash` and
 * `responseHash` of access receipts (anchored on chain), and the HMAC of a request body under an Idempotency-Key.
 *
 * Rule: object keys sorted by UTF-16 code units (as `Array.prototype.sort` and RFC 8785 do) at every depth, no
 * whitespace, strings and numbers written as `JSON.stringify` writes them — so a number JSON cannot write (the
 * ±Infinity that `JSON.parse` makes of an out-of-range literal such as `1e400`, or NaN) is written `null`.
 * Only JSON data is accepted: null, booleans, numbers, strings, arrays and plain objects. Object properties whose
 * value is `undefined` are left out (as `JSON.stringify` does); anything else JSON cannot represent faithfully
 * (`undefined` in an array or at the top, bigint, functions, symbols, Dates and other class instances) throws a
 * TypeError naming where: such a value is a programming error, never something parsed from a request.
 *
 * Until 2026-11-30 there were two copies: the catalog's threw on non-finite numbers too, and the gateway's for
 * receipts and idempotency wrote every value above as `null` or `{}` instead of throwing. On everything that can be
 * parsed from JSON text — all the receipts and idempotency ever hashed: parsed request bodies, parsed upstream
 * answers, objects built from them — this rule writes the same bytes as the receipts' rule (a property test pins it,
 * overflowing numbers included), so every receipt hash computed before stays verifiable. The catalog's difference:
 * metadata, agreement terms or a consent record holding `1e400` in a free-form part is now hashed with `null` there
 * where it was a 500 before.
 */
import { keccak256Bytes } from "../crypto/keccak";

export function canonicalJson(value: unknown): string {
  return canonical(value, "$");
}

/**
 * keccak256 of a value's canonical JSON in UTF-8: the hash that stands for a JSON value (a receipt's `requestHash`
 * parameters and `responseHash`, a consent document's evidence). The text is encoded by Node's Buffer, not ethers'
 * `toUtf8Bytes` (an array of numbers a character, most of the allocation of hashing an answer): the same bytes, since
 * the canonical text has no lone surrogate (`JSON.stringify` writes one as a `\u` escape).
 */
export function canonicalJsonHash(value: unknown): string {
  return keccak256Bytes(Buffer.from(canonicalJson(value), "utf8"));
}

function canonical(value: unknown, path: string): string {
  if (value === null || typeof value === "boolean" || typeof value === "string" || typeof value === "number") {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => canonical(item, `${path}[${i}]`)).join(",")}]`;
  }
  if (typeof value === "object" && isPlainObject(value)) {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical(record[key], `${path}.${key}`)}`);
    return `{${members.join(",")}}`;
  }
  throw new TypeError(`${path}: ${describe(value)} is not JSON data`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "object") return `an instance of ${value!.constructor?.name ?? "an unknown class"}`;
  return `a ${typeof value}`;
}
