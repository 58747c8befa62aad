/**
 * The canonical form of a catalog entry's metadata (name, summary, fields, update cycle, ...): the exact string passed
 * as `metadata` to DataCatalog.register / update, whose keccak256 the contract stores. The gateway writes it and the
 * auditor recomputes it, so both must produce the same bytes for the same data:
 * object keys sorted (by UTF-16 code units, as `Array.prototype.sort` and RFC 8785 do) at every depth, no whitespace,
 * strings and numbers as `JSON.stringify` writes them.
 *
 * Only JSON data is accepted: null, booleans, finite numbers, strings, arrays and plain objects. Object properties whose
 * value is `undefined` are left out (as `JSON.stringify` does); anything else that JSON cannot represent faithfully
 * (`undefined` in an array, NaN, Infinity, bigint, functions, symbols, Dates and other class instances) throws.
 */
export function canonicalMetadataJson(meta: object): string {
  return canonical(meta, "$");
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
    const members = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key], `${path}.${key}`)}`);
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
