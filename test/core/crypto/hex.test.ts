import { expect } from "chai";
import fc from "fast-check";
import { isBytes32Hex } from "../../../core/crypto/hex";

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
