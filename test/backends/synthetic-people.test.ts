import { expect } from "chai";
import { GUANGDONG_REGIONS, generatePeople, identityCheckCharacter } from "../../backends/synthetic-people";

/** ISO 7064 MOD 11-2 by the recursive pure-system method, independent of the weight table the generator uses. */
function iso7064Mod112IsValid(idNumber: string): boolean {
  if (!/^\d{17}[\dX]$/.test(idNumber)) return false;
  let remainder = 0;
  for (const character of idNumber) {
    const value = character === "X" ? 10 : Number(character);
    remainder = ((remainder + value) * 2) % 11;
  }
  // Including the check character, a valid number leaves (sum * 2) ≡ 2 (mod 11), i.e. the weighted sum is 1.
  return remainder === 2;
}

describe("synthetic people", function () {
  const people = generatePeople({ seed: 42, count: 2_000 });

  it("gives every person an identity number whose ISO 7064 MOD 11-2 check digit is valid", function () {
    const invalid = people.filter((person) => !iso7064Mod112IsValid(person.idNumber));
    expect(invalid).to.deep.equal([]);
  });

  it("agrees with a known valid identity number's check character", function () {
    // The specimen number from GB 11643-1999's annex.
    expect(identityCheckCharacter("11010519491231002")).to.equal("X");
    expect(iso7064Mod112IsValid("11010519491231002X")).to.equal(true);
    expect(iso7064Mod112IsValid("110105194912310021")).to.equal(false);
  });

  it("builds identity numbers from a Guangdong region, the birth date and a synthetic 9xx sequence", function () {
    const regionCodes = new Set(GUANGDONG_REGIONS.map((region) => region.code));
    const wellFormed = (person: (typeof people)[number]) =>
      person.idNumber.length === 18 &&
      regionCodes.has(person.idNumber.slice(0, 6)) &&
      person.idNumber.slice(0, 6) === person.regionCode &&
      person.idNumber.slice(6, 14) === person.birthDate.replaceAll("-", "") &&
      person.idNumber[14] === "9" &&
      (Number(person.idNumber[16]) % 2 === 1 ? "male" : "female") === person.gender &&
      new Date(`${person.birthDate}T00:00:00Z`).toISOString().slice(0, 10) === person.birthDate;
    expect(people.filter((person) => !wellFormed(person))).to.deep.equal([]);
  });

  it("gives people distinct identity numbers and 199 phone numbers, and an address in their district", function () {
    expect(new Set(people.map((person) => person.idNumber)).size).to.equal(people.length);
    expect(new Set(people.map((person) => person.phone)).size).to.equal(people.length);
    const malformed = people.filter(
      (person) =>
        !/^199\d{8}$/.test(person.phone) ||
        !person.address.startsWith(person.district) ||
        !/^\p{Script=Han}{2,3}$/u.test(person.name),
    );
    expect(malformed).to.deep.equal([]);
  });

  it("generates the same people for the same seed and different people for another seed", function () {
    expect(generatePeople({ seed: 42, count: 50 })).to.deep.equal(people.slice(0, 50));
    const other = generatePeople({ seed: 43, count: 50 });
    expect(other.map((person) => person.idNumber)).to.not.deep.equal(people.slice(0, 50).map((p) => p.idNumber));
  });

  it("refuses a negative or fractional count", function () {
    expect(() => generatePeople({ seed: 1, count: -1 })).to.throw(RangeError);
    expect(() => generatePeople({ seed: 1, count: 1.5 })).to.throw(RangeError);
  });
});
