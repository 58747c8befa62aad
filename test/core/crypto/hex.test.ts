import { expect } from "chai";
import fc from "fast-check";
import { isBytes32Hex } from "../../../core/crypto/hex";
import { ExchangeRequestSchema } from "../../../core/exchange";

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const VALID = `0x${"0123456789abcdefABCDEF".repeat(3).slice(0, 64)}`;

describe("core/crypto/hex: isBytes32Hex is /^0x[0-9a-fA-F]{64}$/.test", function () {
  it("agrees with the expression on every single-character change of a valid value (char codes 0 to 511)", function () {
    expect(isBytes32Hex(VALID)).to.equal(true);
    const disagreements: string[] = [];
    let valid = 0;
    for (let at = 0; at < VALID.length; at++)
      for (let code = 0; code < 512; code++) {
        const changed = VALID.slice(0, at) + String.fromCharCode(code) + VALID.slice(at + 1);
        if (BYTES32.test(changed)) valid++;
        if (isBytes32Hex(changed) !== BYTES32.test(changed)) disagreements.push(JSON.stringify(changed));
      }
    expect(disagreements).to.deep.equal([]);
    expect(valid, "the hex digits at each of the 64 places, and 0 and x at theirs").to.equal(64 * 22 + 2);
  });

  it("agrees on other lengths, prefixes, a trailing newline and values that are not strings", function () {
    const cases: unknown[] = [
      "",
      "0x",
      VALID.slice(0, 65),
      `${VALID}0`,
      `${VALID}\n`,
      `\n${VALID.slice(1)}`,
      `0X${VALID.slice(2)}`,
      ` ${VALID.slice(1)}`,
      VALID.slice(2) + "00",
    ];
    for (const value of cases)
      expect(isBytes32Hex(value), JSON.stringify(value)).to.equal(BYTES32.test(value as string));
    for (const value of [undefined, null, 1, 0x1234n, {}, [VALID], { toString: () => VALID }])
      expect(isBytes32Hex(value)).to.equal(false);
  });

  it("agrees on generated strings (fixed seed)", function () {
    const hexish = fc.stringMatching(/^0x[0-9a-fA-FxX\u00e9g ]{60,68}$/);
    fc.assert(
      fc.property(
        fc.oneof(hexish, fc.string({ maxLength: 70 })),
        (value) => isBytes32Hex(value) === BYTES32.test(value),
      ),
      { seed: 20261130, numRuns: 20_000 },
    );
  });
});

// The exchange readers ask isBytes32Hex where they asked ExchangeRequestSchema's requestId and consumer (zod, one call
// a receipt): the same answer on the same values, and the value itself on success.
describe("core/crypto/hex: isBytes32Hex is ExchangeRequestSchema's requestId and consumer", function () {
  it("accepts exactly what the schema's fields accept, on single-character changes and generated values", function () {
    const fields = [ExchangeRequestSchema.shape.requestId, ExchangeRequestSchema.shape.consumer];
    const values: unknown[] = [VALID, undefined, null, 1, {}, [VALID], `${VALID}\n`, `0X${VALID.slice(2)}`];
    for (let at = 0; at < VALID.length; at++)
      for (const c of ["0", "f", "F", "g", "x", " ", "\u00e9"])
        values.push(VALID.slice(0, at) + c + VALID.slice(at + 1));
    fc.sample(fc.oneof(fc.stringMatching(/^0x[0-9a-fA-FxX\u00e9g ]{60,68}$/), fc.string({ maxLength: 70 })), {
      seed: 20261201,
      numRuns: 2_000,
    }).forEach((v) => values.push(v));
    for (const field of fields)
      for (const value of values) {
        const parsed = field.safeParse(value);
        expect(isBytes32Hex(value), JSON.stringify(value)).to.equal(parsed.success);
        if (parsed.success) expect(parsed.data).to.equal(value);
      }
  });
});
