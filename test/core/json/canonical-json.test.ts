import { expect } from "chai";
import fc from "fast-check";
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalJson, canonicalJsonHash } from "../../../core/json/canonical-json";

/**
 * The gateway's second rule before the core (server/src/common/idempotency.ts, 2026-11), frozen here: receipts'
 * requestHash/responseHash anchored on chain were computed with it, so the core rule must agree with it on JSON data.
 */
function lenientCanonicalJsonOfOldReceipts(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(lenientCanonicalJsonOfOldReceipts).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${lenientCanonicalJsonOfOldReceipts(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Rebuilds `value` with every object's keys inserted in the reverse order (same data, other key order). */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

describe("canonicalJson", function () {
  it("sorts object keys at every depth, keeps array order and writes no whitespace", function () {
    const meta = {
      updateCycle: "daily",
      name: "户籍人口基本信息",
      fields: [
        { type: "string", name: "name" },
        { type: "date", name: "birthDate" },
      ],
      extra: { z: 1, a: [3, 2, 1], m: { y: true, b: null } },
    };
    expect(canonicalJson(meta)).to.equal(
      '{"extra":{"a":[3,2,1],"m":{"b":null,"y":true},"z":1},' +
        '"fields":[{"name":"name","type":"string"},{"name":"birthDate","type":"date"}],' +
        '"name":"户籍人口基本信息","updateCycle":"daily"}',
    );
  });

  it("matches a frozen vector, string and keccak256 (also what Python's json.dumps(sort_keys=True) writes)", function () {
    const meta = {
      summary: "Residents' registered addresses",
      name: "Household register",
      fields: [{ type: "string", name: "id" }],
      cycle: "每日",
    };
    const json = canonicalJson(meta);
    expect(json).to.equal(
      '{"cycle":"每日","fields":[{"name":"id","type":"string"}],"name":"Household register",' +
        '"summary":"Residents\' registered addresses"}',
    );
    expect(keccak256(toUtf8Bytes(json))).to.equal("0xccb032379e824187e33c5dde4861d6bbc0a5e0d9878a96d73418c73cb0768d75");
  });

  it("sorts keys by UTF-16 code units, not by locale", function () {
    expect(canonicalJson({ b: 1, B: 2, a: 3, "": 4, é: 5, "10": 6, "9": 7 })).to.equal(
      '{"":4,"10":6,"9":7,"B":2,"a":3,"b":1,"é":5}',
    );
  });

  it("escapes strings and writes numbers as JSON.stringify does", function () {
    expect(canonicalJson({ s: 'a"b\\c\n\u0001', n: [0, -0, 1.5, -2, 1e21, 1e-7] })).to.equal(
      '{"n":[0,0,1.5,-2,1e+21,1e-7],"s":"a\\"b\\\\c\\n\\u0001"}',
    );
  });

  it("leaves out object properties whose value is undefined", function () {
    expect(canonicalJson({ a: undefined, b: { c: undefined, d: 1 } })).to.equal('{"b":{"d":1}}');
  });

  it("accepts an array and an object without prototype at the top level", function () {
    expect(canonicalJson([{ b: 1, a: 2 }])).to.equal('[{"a":2,"b":1}]');
    const bare = Object.create(null) as Record<string, unknown>;
    bare.y = 1;
    bare.x = 2;
    expect(canonicalJson(bare)).to.equal('{"x":2,"y":1}');
  });

  it("throws on values that JSON cannot represent faithfully, naming where they are", function () {
    expect(() => canonicalJson({ a: 1n })).to.throw(TypeError, "$.a: a bigint is not JSON data");
    expect(() => canonicalJson({ a: [undefined] })).to.throw(TypeError, "$.a[0]: undefined is not JSON data");
    expect(() => canonicalJson({ a: () => 1 })).to.throw(TypeError, "$.a: a function is not JSON data");
    expect(() => canonicalJson({ a: Symbol("s") })).to.throw(TypeError, "$.a: a symbol is not JSON data");
    expect(() => canonicalJson({ d: new Date(0) })).to.throw(TypeError, "$.d: an instance of Date is not JSON data");
    expect(() => canonicalJson(new Map())).to.throw(TypeError, "$: an instance of Map is not JSON data");
  });

  it("is independent of key insertion order and round-trips to the same data (property)", function () {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (meta) => {
        const json = canonicalJson(meta);
        expect(canonicalJson(reverseKeys(meta) as object)).to.equal(json);
        expect(json).to.not.match(/^\s|\s$/);
        expect(JSON.parse(json)).to.deep.equal(JSON.parse(JSON.stringify(meta)));
        // Canonical output is a fixed point: parsing and re-canonicalising changes nothing.
        expect(canonicalJson(JSON.parse(json))).to.equal(json);
      }),
    );
  });

  it("writes the same bytes as the old receipt rule on every JSON value, so old receipt hashes still verify (property)", function () {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).to.equal(lenientCanonicalJsonOfOldReceipts(value));
      }),
      { numRuns: 500 },
    );
    const request = {
      grantId: "7",
      purpose: { code: "0x" + "ab".repeat(32) },
      subjectRef: undefined,
      params: { b: 1, a: [2] },
    };
    expect(canonicalJson(request)).to.equal(lenientCanonicalJsonOfOldReceipts(request));
    expect(canonicalJson(request)).to.equal(
      `{"grantId":"7","params":{"a":[2],"b":1},"purpose":{"code":"0x${"ab".repeat(32)}"}}`,
    );
  });

  it("writes numbers JSON cannot write as null, as JSON.stringify and the old receipt rule do", function () {
    // JSON.parse makes ±Infinity of an out-of-range literal: a request body can hold one.
    const parsed = JSON.parse('{"limit":-1e400,"list":[1e400,2]}') as unknown;
    expect(canonicalJson(parsed)).to.equal('{"limit":null,"list":[null,2]}');
    expect(canonicalJson(parsed)).to.equal(lenientCanonicalJsonOfOldReceipts(parsed));
    expect(canonicalJson({ a: NaN })).to.equal('{"a":null}');
  });

  it("accepts JSON scalars at the top level (an idempotent request without a body hashes null)", function () {
    expect(canonicalJson(null)).to.equal("null");
    expect(canonicalJson("x")).to.equal('"x"');
    expect(canonicalJson(1.5)).to.equal("1.5");
    expect(() => canonicalJson(undefined)).to.throw(TypeError, "$: undefined is not JSON data");
  });
});

describe("canonicalJsonHash", function () {
  it("hashes the canonical text's UTF-8 bytes exactly as keccak256(toUtf8Bytes(canonicalJson)) did", function () {
    const samples: unknown[] = [
      null,
      "",
      "广州市民政局",
      "😀 and \u2028",
      "a lone \ud800 surrogate",
      { "键\udc00": ["\u0000", Number.POSITIVE_INFINITY, -0, "é"], a: { b: [] } },
    ];
    for (const value of samples) {
      expect(canonicalJsonHash(value)).to.equal(keccak256(toUtf8Bytes(canonicalJson(value))));
    }
    // Any JSON value, with strings of any UTF-16 code units (lone surrogates included) in keys and values.
    const anyText = fc.string({ unit: "binary" });
    const value = fc.letrec((tie) => ({
      json: fc.oneof(
        { depthSize: "small" },
        fc.constant(null),
        fc.boolean(),
        fc.double(),
        anyText,
        fc.array(tie("json")),
        fc.dictionary(anyText, tie("json")),
      ),
    })).json;
    fc.assert(
      fc.property(value, (v) => canonicalJsonHash(v) === keccak256(toUtf8Bytes(canonicalJson(v)))),
      { seed: 20261202, numRuns: 300 },
    );
  });
});
