/**
 * Kuajie's one canonical JSON: the bytes that are hashed wherever a hash stands for a JSON value — catalog metadata
 * and agreement terms (their keccak256 is stored by the contracts), consent documents, the `requestHash` and
 * `responseHash` of access receipts (anchored on chain), and the HMAC of a request body under an Idempotency-Key.
 *
 * Rule: object keys sorted by UTF-16 code units (as `Array.prototype.sort` and RFC 8785 do) at every depth, no
 * whitespace, strings and numbers written as `JSON.stringify` writes them. Only JSON data is accepted: null,
 * booleans, finite numbers, strings, arrays and plain objects. Object properties whose value is `undefined` are left
 * out (as `JSON.stringify` does); anything else JSON cannot represent faithfully (`undefined` in an array or at the
 * top, NaN, Infinity, bigint, functions, symbols, Dates and other class instances) throws a TypeError naming where.
 *
 * Until 2026-11 the gateway had a second, lenient copy for receipts and idempotency that wrote such values as `null`
 * or `{}` instead of throwing. On JSON data — and everything it hashed was JSON data: parsed request bodies, parsed
 * upstream answers, objects built from them — both rules write the same bytes (a property test pins this against the
 * old rule), so every receipt hash computed before stays verifiable with this one.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value, "$");
}

function canonical(value: unknown, path: string): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} has no JSON form`);
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
