import { createHmac } from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";
import request from "supertest";
import { residentIdCheckChar } from "../../../core/identity/resident-id";
import { isValidUscc, usccCheckCharacter } from "../../../core/identity/uscc";
import { normaliseIdNumber, subjectRef } from "../../../server/src/common/subject-ref";
import { TEST_SECRET, buildGateway, syntheticResidentId } from "../support/gateway";

/** Synthetic numbers only: region 990000 is no PRC region, so none of these can be anyone's. */
const birthDate = fc
  .date({ min: new Date(Date.UTC(1920, 0, 1)), max: new Date(Date.UTC(2020, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10).replace(/-/g, ""));
const residentId = fc
  .tuple(birthDate, fc.integer({ min: 0, max: 999 }))
  .map(([birth, serial]) => syntheticResidentId(serial, birth));

describe("subject reference", function () {
  describe("normaliseIdNumber", function () {
    it("accepts every synthetic number with a correct check character", function () {
      fc.assert(
        fc.property(residentId, (id) => {
          expect(normaliseIdNumber("resident_id", id)).to.equal(id);
        }),
      );
    });

    it("rejects every synthetic number with a wrong check character", function () {
      fc.assert(
        fc.property(residentId, fc.constantFrom(..."0123456789X"), (id, check) => {
          fc.pre(check !== id[17]);
          expect(() => normaliseIdNumber("resident_id", id.slice(0, 17) + check)).to.throw(/check digit/);
        }),
      );
    });

    it("computes the ISO 7064 MOD 11-2 check character, X for 10 (hand-computed vectors)", function () {
      // 9·7+9·9+1·2+9·1+9·6+1·9+1·5+1·2 = 225; 225 mod 11 = 5 → "7".
      expect(residentIdCheckChar("99000019900101001")).to.equal("7");
      // 223 + 5·2 = 233; 233 mod 11 = 2 → "X".
      expect(residentIdCheckChar("99000019900101005")).to.equal("X");
      expect(normaliseIdNumber("resident_id", "99000019900101005x")).to.equal("99000019900101005X");
    });

    it("trims, uppercases and removes spaces and hyphens; folds full-width digits", function () {
      const id = "99000019900101005X";
      const spaced = ` ${id.slice(0, 6)} ${id.slice(6, 14)}-${id.slice(14).toLowerCase()} `;
      expect(normaliseIdNumber("resident_id", spaced)).to.equal(id);
      const fullWidth = id.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
      expect(normaliseIdNumber("resident_id", fullWidth)).to.equal(id);
      expect(normaliseIdNumber("passport", " e1234-5678 ")).to.equal("E12345678");
    });

    it("rejects a resident number with an impossible birth date or the wrong length", function () {
      const first17 = "99000019900230001"; // 30 February
      expect(() => normaliseIdNumber("resident_id", first17 + residentIdCheckChar(first17))).to.throw(/birth date/);
      expect(() => normaliseIdNumber("resident_id", "99000019900101")).to.throw(/17 digits/);
    });

    it("checks the other identity types' formats", function () {
      expect(normaliseIdNumber("hk_macao_permit", "h12345678")).to.equal("H12345678");
      expect(() => normaliseIdNumber("hk_macao_permit", "X12345678")).to.throw();
      expect(normaliseIdNumber("taiwan_permit", "12345678")).to.equal("12345678");
      expect(() => normaliseIdNumber("passport", "AB1")).to.throw(/5 to 20/);
      expect(normaliseIdNumber("foreign_permanent_id", "ABC123456789012")).to.equal("ABC123456789012");
      const first17 = "93000019900101001";
      expect(normaliseIdNumber("foreign_permanent_id", first17 + residentIdCheckChar(first17))).to.have.length(18);
    });

    it("checks unified social credit codes (GB 32100)", function () {
      const first17 = "11990000MB0000001";
      const code = first17 + usccCheckCharacter(first17);
      expect(isValidUscc(code)).to.equal(true);
      expect(normaliseIdNumber("social_credit_code", code.toLowerCase())).to.equal(code);
      const wrong = first17 + (code[17] === "0" ? "1" : "0");
      expect(() => normaliseIdNumber("social_credit_code", wrong)).to.throw(/check character/);
    });

    it("never repeats the number in its error message", function () {
      const bad = "990000199001010019";
      try {
        normaliseIdNumber("resident_id", bad.slice(0, 17) + (bad[17] === "0" ? "1" : "0"));
        expect.fail("should have thrown");
      } catch (err) {
        expect((err as Error).message).not.to.include("9900001990");
      }
    });
  });

  describe("subjectRef", function () {
    it("is HMAC-SHA256 of idType:normalisedIdNumber as 0x-hex", function () {
      const id = syntheticResidentId(7);
      const expected = createHmac("sha256", TEST_SECRET).update(`resident_id:${id}`).digest("hex");
      expect(subjectRef(TEST_SECRET, "resident_id", id)).to.equal(`0x${expected}`);
    });

    it("is the same for every spelling of the same number and differs by type and secret", function () {
      const id = syntheticResidentId(8);
      const ref = subjectRef(TEST_SECRET, "resident_id", id);
      expect(subjectRef(TEST_SECRET, "resident_id", `${id.slice(0, 9)} ${id.slice(9)}`)).to.equal(ref);
      expect(subjectRef(TEST_SECRET, "passport", id)).not.to.equal(ref);
      expect(subjectRef(Buffer.alloc(32, 1), "resident_id", id)).not.to.equal(ref);
    });
  });

  describe("POST /v1/subjects/ref", function () {
    const gateway = buildGateway();
    const operator = gateway.bearer("operator");

    it("returns the subject reference of a valid identity", async function () {
      const id = syntheticResidentId(9);
      const res = await request(gateway.app)
        .post("/v1/subjects/ref")
        .set("Authorization", operator)
        .send({ idType: "resident_id", idNumber: id.toLowerCase() })
        .expect(200);
      expect(res.body).to.deep.equal({ subjectRef: subjectRef(TEST_SECRET, "resident_id", id) });
    });

    it("answers 400 naming body.idNumber for a failed checksum, without echoing it", async function () {
      const id = syntheticResidentId(10);
      const wrong = id.slice(0, 17) + (id[17] === "0" ? "1" : "0");
      const res = await request(gateway.app)
        .post("/v1/subjects/ref")
        .set("Authorization", operator)
        .send({ idType: "resident_id", idNumber: wrong });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.deep.equal([
        { field: "body.idNumber", path: "body.idNumber", message: "a resident identity number fails its check digit" },
      ]);
      expect(res.text).not.to.include(wrong);
    });

    it("answers 400 naming body.idType for an unknown type", async function () {
      const res = await request(gateway.app)
        .post("/v1/subjects/ref")
        .set("Authorization", operator)
        .send({ idType: "library_card", idNumber: "123" });
      expect(res.status).to.equal(400);
      expect(res.body.errors[0].field).to.equal("body.idType");
    });

    it("needs a token", async function () {
      await request(gateway.app)
        .post("/v1/subjects/ref")
        .send({ idType: "passport", idNumber: "E12345678" })
        .expect(401);
    });
  });
});
