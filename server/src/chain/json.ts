import { hexlify, Indexed, type ParamType, type Result } from "ethers";
import type { JsonObject, JsonValue } from "../common/indexed-event";

/**
 * Turns decoded ABI values into JSON: integers become decimal strings (they may not fit a JS number), bytes 0x-hex,
 * addresses stay checksummed, tuples become objects keyed by component name (by position when unnamed), arrays
 * stay arrays, and an indexed dynamic value (only its hash is in the log) becomes that hash.
 */
function abiValueToJson(value: unknown, type: ParamType): JsonValue {
  if (Indexed.isIndexed(value)) {
    return value.hash;
  }
  if (type.isArray()) {
    const items = value as ArrayLike<unknown>;
    return Array.from({ length: items.length }, (_, i) => abiValueToJson(items[i], type.arrayChildren));
  }
  if (type.isTuple()) {
    return abiArgsToJson(value as Result, type.components);
  }
  return scalarToJson(value);
}

/** Decoded arguments as an object keyed by parameter name (by position for unnamed parameters). */
export function abiArgsToJson(values: Result | readonly unknown[], params: readonly ParamType[]): JsonObject {
  const out: JsonObject = {};
  params.forEach((param, i) => {
    out[param.name === "" ? String(i) : param.name] = abiValueToJson(values[i], param);
  });
  return out;
}

function scalarToJson(value: unknown): JsonValue {
  if (typeof value === "bigint") {
    return value.toString(10);
  }
  if (value instanceof Uint8Array) {
    return hexlify(value);
  }
  if (typeof value === "string" || typeof value === "boolean" || typeof value === "number" || value === null) {
    return value;
  }
  throw new TypeError(`cannot represent ABI value of type ${typeof value} as JSON`);
}
