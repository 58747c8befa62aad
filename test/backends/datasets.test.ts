import { expect } from "chai";
import { DEMO_RESOURCES, type FieldType, PROVIDER_DEPARTMENTS, buildDemoDatasets } from "../../backends/datasets";
import { generatePeople } from "../../backends/synthetic-people";

function matchesType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "date":
      return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
  }
}

describe("demo datasets", function () {
  const seed = 7;
  const count = 300;
  const datasets = buildDemoDatasets({ seed, count });
  const people = generatePeople({ seed, count });

  it("holds every demo resource at its provider, each record with exactly its catalog fields and types", function () {
    const served = PROVIDER_DEPARTMENTS.flatMap((department) =>
      datasets[department].map((dataset) => {
        expect(dataset.resource.provider).to.equal(department);
        return dataset.resource.code;
      }),
    );
    expect(served).to.have.members(DEMO_RESOURCES.map((resource) => resource.code));
    for (const department of PROVIDER_DEPARTMENTS) {
      for (const { resource, records } of datasets[department]) {
        expect(records, resource.code).to.not.be.empty;
        const names = resource.fields.map((field) => field.name);
        expect(new Set(names).size, resource.code).to.equal(names.length);
        const misfits = records.filter(
          (record) =>
            Object.keys(record).sort().join() !== [...names].sort().join() ||
            resource.fields.some((field) => !matchesType(record[field.name], field.type)),
        );
        expect(misfits, resource.code).to.deep.equal([]);
      }
    }
  });

  it("describes the same people in every personal resource", function () {
    const byId = new Map(people.map((person) => [person.idNumber, person]));
    const [household] = datasets["public-security"];
    expect(household?.records).to.have.length(count);
    for (const department of PROVIDER_DEPARTMENTS) {
      for (const { resource, records } of datasets[department]) {
        if (!resource.personal) continue;
        const strangers = records.filter((record) => byId.get(String(record.idNumber))?.name !== record.name);
        expect(strangers, resource.code).to.deep.equal([]);
      }
    }
    const mismatched = (household?.records ?? []).filter((record) => {
      const person = byId.get(String(record.idNumber));
      return (
        record.gender !== person?.gender || record.birthDate !== person.birthDate || record.address !== person.address
      );
    });
    expect(mismatched).to.deep.equal([]);
  });

  it("has no social insurance record for people under 16, and one for everyone else", function () {
    const [insurance] = datasets.hrss;
    const insured = new Set(insurance?.records.map((record) => record.idNumber));
    const minors = people.filter((person) => Number(person.birthDate.slice(0, 4)) > 2009);
    expect(minors).to.not.be.empty;
    const wrong = people.filter((person) => insured.has(person.idNumber) === minors.includes(person));
    expect(wrong).to.deep.equal([]);
  });

  it("returns everyone's population base from the data bureau, the only resource marked returned (回流)", function () {
    const [base] = datasets["data-bureau"];
    expect(base?.resource.code).to.equal("population-base");
    expect(base?.records.map((record) => record.idNumber)).to.have.members(people.map((person) => person.idNumber));
    const byId = new Map(people.map((person) => [person.idNumber, person]));
    const elsewhere = (base?.records ?? []).filter(
      (record) => record.residenceDistrict !== byId.get(String(record.idNumber))?.district,
    );
    expect(elsewhere).to.deep.equal([]);
    expect(DEMO_RESOURCES.filter((resource) => resource.returned).map((resource) => resource.code)).to.deep.equal([
      "population-base",
    ]);
  });

  it("marks the identifying fields personal and the health card sensitive", function () {
    for (const resource of DEMO_RESOURCES) {
      const personal = resource.fields.filter((field) => field.personal).map((field) => field.name);
      if (resource.personal) expect(personal, resource.code).to.include.members(["idNumber", "name"]);
      else expect(personal, resource.code).to.be.empty;
    }
    expect(DEMO_RESOURCES.find((resource) => resource.code === "health-card")?.sensitive).to.equal(true);
  });

  it("is the same for the same seed", function () {
    expect(buildDemoDatasets({ seed, count })).to.deep.equal(datasets);
    expect(buildDemoDatasets({ seed: seed + 1000, count }).hrss).to.not.deep.equal(datasets.hrss);
  });
});
