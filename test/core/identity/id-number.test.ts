import { createHmac } from "node:crypto";
import { expect } from "chai";
import { checkIdNumber, normaliseIdText, subjectRefOfNormalised } from "../../../core/identity/id-number";

const SECRET = Buffer.alloc(32, 7);

describe("core/identity/id-number", function () {
  it("normalises full-width characters, case, spaces and hyphens before checking", function () {
    // GB 11643-1999's own example number, typed with a full-width X, spaces and a hyphen.
    expect(normaliseIdText(" 110105 19491231-002Ｘ ")).to.equal("11010519491231002X");
    expect(checkIdNumber("resident_id", "110105194912310 02x")).to.deep.equal({
      ok: true,
      normalised: "11010519491231002X",
    });
  });

  it("checks a unified social credit code as the social_credit_code type (GB 32100-2015's example)", function () {
    expect(checkIdNumber("social_credit_code", "91350100m000100y43")).to.deep.equal({
      ok: true,
      normalised: "91350100M000100Y43",
    });
    expect(checkIdNumber("social_credit_code", "91350100M000100Y44").ok).to.equal(false);
  });

  it("says why a number fails without repeating it", function () {
    const result = checkIdNumber("resident_id", "110105194912310021");
    expect(result).to.deep.equal({ ok: false, message: "a resident identity number fails its check digit" });
  });

  it("computes the subject reference as HMAC-SHA256 of idType:normalised (node:crypto as the reference)", function () {
    const expected = createHmac("sha256", SECRET).update("resident_id:11010519491231002X", "utf8").digest("hex");
    expect(subjectRefOfNormalised(SECRET, "resident_id", "11010519491231002X")).to.equal(`0x${expected}`);
  });

  it("hashes every text as its UTF-8, ASCII or not, and refuses a lone surrogate as ethers' encoder does", function () {
    for (const normalised of ["E12345678", "a b~!", "护照Ｅ12", "😀", "\u007f\u0000"]) {
      const expected = createHmac("sha256", SECRET).update(`passport:${normalised}`, "utf8").digest("hex");
      expect(subjectRefOfNormalised(SECRET, "passport", normalised)).to.equal(`0x${expected}`, normalised);
    }
    expect(() => subjectRefOfNormalised(SECRET, "passport", "E1\ud800")).to.throw(/invalid codepoint|surrogate/i);
  });
});
