import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import { departmentIdOf, isValidUscc, makeOrganUscc, usccCheckCharacter } from "../../../core/identity/uscc";

/**
 * Published codes, not vectors made by the function under test:
 * - 91350100M000100Y43: the example code printed in GB 32100-2015 (法人和其他组织统一社会信用代码编码规则).
 * - 91520000214434146R: Kweichow Moutai Co., Ltd. (贵州茅台酒股份有限公司, SSE 600519), as printed on its annual reports.
 * - 91440300100012316L: Ping An Insurance (Group) Company of China, Ltd. (中国平安, SSE 601318), as printed on its annual
 *   reports.
 */
const PUBLISHED = ["91350100M000100Y43", "91520000214434146R", "91440300100012316L"];

describe("core/identity/uscc (GB 32100-2015)", function () {
  it("accepts published codes and computes their check characters", function () {
    for (const code of PUBLISHED) {
      expect(isValidUscc(code), code).to.equal(true);
      expect(usccCheckCharacter(code.slice(0, 17)), code).to.equal(code[17]);
    }
  });

  it("rejects each published code with any other check character", function () {
    for (const code of PUBLISHED) {
      for (const other of "0123456789ABCDEFGHJKLMNPQRTUWXY") {
        if (other !== code[17]) expect(isValidUscc(code.slice(0, 17) + other), other).to.equal(false);
      }
    }
  });

  it("rejects a changed character, a letter outside the alphabet, lower case and a wrong length", function () {
    expect(isValidUscc("91350100M000100Y53")).to.equal(false);
    expect(isValidUscc("91350100M000100I43")).to.equal(false); // I is not in the alphabet
    expect(isValidUscc("91350100m000100y43")).to.equal(false); // no normalising here
    expect(isValidUscc("91350100M000100Y4")).to.equal(false);
    expect(() => usccCheckCharacter("9135")).to.throw("expected 17 characters, got 4");
    expect(() => usccCheckCharacter("91350100M000100O4")).to.throw("character 'O' is not allowed");
  });

  it("builds organ codes (registration authority 1, type 1) that check", function () {
    const code = makeOrganUscc("110000", "000000000");
    expect(code).to.match(/^11110000000000000.$/);
    expect(isValidUscc(code)).to.equal(true);
  });

  it("ids a department on chain by keccak256 of its code's UTF-8 bytes", function () {
    expect(departmentIdOf("91350100M000100Y43")).to.equal(keccak256(toUtf8Bytes("91350100M000100Y43")));
    expect(departmentIdOf("91350100M000100Y43")).not.to.equal(departmentIdOf("91520000214434146R"));
  });
});
