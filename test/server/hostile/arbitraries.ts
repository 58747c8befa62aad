/**
 * fast-check arbitraries for hostile requests, derived from a route's own zod schemas (through their JSON Schema):
 * a value that looks like what the route wants, then broken at one place — wrong types, huge strings, deep nesting,
 * unicode, negative and huge numbers, unknown enum values, missing or unknown fields.
 */
import fc from "fast-check";
import { z } from "zod";

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  format?: string;
}

/** The input-side JSON Schema of a zod schema (transforms and refinements are invisible to it: the oracle is zod). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any", reused: "inline" }) as JsonSchema;
}

type Defs = Record<string, JsonSchema>;

function resolve(schema: JsonSchema, defs: Defs): JsonSchema {
  let current = schema;
  for (let i = 0; i < 20 && current.$ref; i++) {
    const name = current.$ref.replace(/^#\/\$defs\//, "");
    current = defs[name] ?? {};
  }
  return current;
}

function patternString(pattern: string): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    return fc.string();
  }
}

/** Roughly valid values of a schema (a pattern, length or range the generator cannot meet is left to chance). */
export function plausible(schema: JsonSchema, defs: Defs = schema.$defs ?? {}, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, defs);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const options = s.anyOf ?? s.oneOf;
  if (options && options.length > 0) return fc.oneof(...options.map((o) => plausible(o, defs, depth + 1)));
  if (s.allOf && s.allOf.length > 0) return plausible(s.allOf[0], defs, depth + 1);
  const type = Array.isArray(s.type) ? s.type.filter((t) => t !== "null")[0] : s.type;
  switch (type) {
    case "string": {
      if (s.pattern) return patternString(s.pattern);
      if (s.format === "date-time") return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (s.format === "uri") return fc.webUrl();
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 24, 64) });
    }
    case "integer": {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
      const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : min + 10_000);
      return fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.max(Math.min(max, 2 ** 31), min) });
    }
    case "number":
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      if (depth > 6) return fc.constant([]);
      const item = s.items ? plausible(s.items, defs, depth + 1) : fc.jsonValue({ maxDepth: 1 });
      return fc.array(item, { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 4) });
    }
    case "object": {
      if (depth > 6) return fc.constant({});
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, inner] of Object.entries(props)) record[name] = plausible(inner, defs, depth + 1);
      const requiredKeys = Object.keys(props).filter((k) => required.has(k));
      return fc.record(record, { requiredKeys });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Nested `[[[…]]]` or `{"a":{"a":…}}` as raw JSON text, `depth` levels deep. */
export function deepJson(depth: number, kind: "array" | "object"): string {
  return kind === "array" ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

const NASTY_STRINGS = [
  "",
  " ",
  "0x",
  `0x${"g".repeat(64)}`,
  `0x${"f".repeat(64)}`,
  `0x${"0".repeat(64)}`,
  `0X${"A".repeat(64)}`,
  `0x${"a".repeat(63)}`,
  `0x${"a".repeat(65)}`,
  "__proto__",
  "constructor",
  "prototype",
  "unknown_enum_value",
  "ACTIVE",
  "Active",
  "\u0000",
  "\u202e\u0645\u0631\u062d\u0628\u0627",
  "\ud800",
  "\udfff\ud800",
  "😀".repeat(300),
  "政务数据共享".repeat(200),
  "../../etc/passwd",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "${7*7}",
  "NaN",
  "Infinity",
  "-1",
  "1e999",
  "-0",
  "0",
  "18446744073709551616",
  "115792089237316195423570985008687907853269984665640564039457584007913129639936",
  "null",
  "true",
  "2024-02-30T25:61:61Z",
  "9999-12-31T23:59:59.999Z",
  "1970-01-01T00:00:00Z",
  "http://169.254.169.254/latest/meta-data/",
  "file:///etc/passwd",
  "110101199003074511",
  "11010119900307451X",
  "11010119900307451x",
];

const NASTY_NUMBERS = [
  -1,
  0,
  -0,
  0.5,
  -1.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  2 ** 64,
  2 ** 256,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER,
];

/** One hostile JSON value: a wrong type, a boundary number, a nasty or huge string, a deep or wide structure. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}), weight: 2 },
  { arbitrary: fc.constantFrom(...NASTY_NUMBERS), weight: 3 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1_000, max: 60_000 }), fc.constantFrom("a", "é", "数", "😀", "\u0000", "0"))
      .map(([n, c]) => c.repeat(n)),
    weight: 1,
  },
  {
    arbitrary: fc.integer({ min: 10, max: 400 }).map((depth) => {
      let v: unknown = "x";
      for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
      return v;
    }),
    weight: 1,
  },
  { arbitrary: fc.array(fc.constantFrom(1, "a", null), { minLength: 100, maxLength: 3_000 }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
);

/** Replace the value at a random path of `value` (or add an unknown key, or drop a key). */
export function mutate(value: unknown, choice: number, replacement: unknown, salt: number): unknown {
  const paths: Array<Array<string | number>> = [[]];
  const walk = (v: unknown, path: Array<string | number>, depth: number) => {
    if (depth > 8) return;
    if (Array.isArray(v)) {
      v.forEach((inner, i) => {
        paths.push([...path, i]);
        walk(inner, [...path, i], depth + 1);
      });
    } else if (v !== null && typeof v === "object") {
      for (const [k, inner] of Object.entries(v)) {
        paths.push([...path, k]);
        walk(inner, [...path, k], depth + 1);
      }
    }
  };
  walk(value, [], 0);
  const path = paths[choice % paths.length];
  const clone = structuredClone(value);
  if (path.length === 0) return replacement;
  let parent: unknown = clone;
  for (const segment of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[segment];
  const last = path[path.length - 1];
  const container = parent as Record<string | number, unknown>;
  switch (salt % 4) {
    case 0:
      // Drop the key (a missing required field), or shorten the array.
      if (Array.isArray(container)) container.splice(Number(last), 1);
      else delete container[last];
      break;
    case 1:
      if (!Array.isArray(container)) container[`unknown_${salt}`] = replacement;
      container[last] = replacement;
      break;
    default:
      container[last] = replacement;
  }
  return clone;
}

/** JSON text with the first key of the top-level object repeated (a duplicate field), the second value hostile. */
export function withDuplicateField(value: unknown, hostile: unknown): string {
  const text = JSON.stringify(value);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return text;
  const keys = Object.keys(value);
  if (keys.length === 0) return `{"a":1,"a":${JSON.stringify(hostile) ?? "null"}}`;
  const dup = `${JSON.stringify(keys[0])}:${JSON.stringify(hostile) ?? "null"}`;
  // Both orders: first wins in some parsers, last in JSON.parse.
  return hostile === undefined ? text : `{${dup},${text.slice(1, -1)},${dup}}`;
}
