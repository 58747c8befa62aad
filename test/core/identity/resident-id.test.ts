import { expect } from "chai";
import { residentIdCheckChar, residentIdProblem } from "../../../core/identity/resident-id";

/**
 * Published numbers, not vectors made by the function under test: GB 11643-1999 (公民身份号码) prints two example
 * numbers, 11010519491231002X (Beijing Chaoyang, born 1949-12-31, check character X) and 440524188001010014
 * (Guangdong Shantou, born 1880-01-01).
 */
describe("core/identity/resident-id (GB 11643-1999)", function () {
  it("computes the check characters of the standard's examples", function () {
    expect(residentIdCheckChar("11010519491231002")).to.equal("X");
    expect(residentIdCheckChar("44052418800101001")).to.equal("4");
  });

  it("accepts the standard's 1949 example and refuses it with any other check character", function () {
    expect(residentIdProblem("11010519491231002X")).to.equal(null);
    for (const other of "0123456789") {
      expect(residentIdProblem(`11010519491231002${other}`), other).to.equal("check_character");
    }
  });

  it("refuses birth dates before 1900, such as the standard's 1880 example, and impossible dates", function () {
    // Nobody living was born in 1880: the gateway takes such a number for a typing error.
    expect(residentIdProblem("440524188001010014")).to.equal("birth_date");
    const first17 = "11010519490230002"; // 30 February
    expect(residentIdProblem(first17 + residentIdCheckChar(first17))).to.equal("birth_date");
  });

  it("refuses a lower-case x, letters and wrong lengths (normalising is the caller's job)", function () {
    expect(residentIdProblem("11010519491231002x")).to.equal("format");
    expect(residentIdProblem("1101051949123100")).to.equal("format");
    expect(() => residentIdCheckChar("1101051949123100X")).to.throw("expects 17 digits");
  });
});
