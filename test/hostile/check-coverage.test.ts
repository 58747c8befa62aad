import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { main } from "../../scripts/check-coverage";

/** scripts/check-coverage.ts on made-up reports: the floor, the mocks exclusion and both report formats. */
describe("Static checks: the contracts' coverage floor script", function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-coverage-"));
  const write = (name: string, data: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(data));
    return file;
  };
  const quiet = <T>(fn: () => T): T => {
    const { log, error } = console;
    console.log = () => undefined;
    console.error = () => undefined;
    try {
      return fn();
    } finally {
      console.log = log;
      console.error = error;
    }
  };
  const summary = (lines: number, branches: number) => ({
    total: { lines: { total: 1, covered: 0 }, branches: { total: 1, covered: 0 } },
    "contracts/Good.sol": { lines: { total: 100, covered: lines }, branches: { total: 100, covered: branches } },
    "contracts/mocks/Mock.sol": { lines: { total: 100, covered: 0 }, branches: { total: 100, covered: 0 } },
  });

  it("passes at the floor and ignores mocks", function () {
    expect(quiet(() => main([write("coverage-summary.json", summary(95, 90))]))).to.equal(0);
  });

  it("fails below 95 % of lines or 90 % of branches", function () {
    expect(quiet(() => main([write("coverage-summary.json", summary(94, 99))]))).to.equal(1);
    expect(quiet(() => main([write("coverage-summary.json", summary(99, 89))]))).to.equal(1);
  });

  it("reads solidity-coverage's raw coverage.json", function () {
    const raw = {
      "contracts/A.sol": { path: "contracts/A.sol", l: { 1: 1, 2: 3 }, b: { 1: [1, 1] } },
      "contracts/mocks/M.sol": { path: "contracts/mocks/M.sol", l: { 1: 0 }, b: { 1: [0, 0] } },
    };
    expect(quiet(() => main([write("coverage.json", raw)]))).to.equal(0);
    const worse = { "contracts/A.sol": { path: "contracts/A.sol", l: { 1: 1, 2: 0 }, b: { 1: [1, 1] } } };
    expect(quiet(() => main([write("coverage.json", worse)]))).to.equal(1);
  });

  it("says so when there is no report", function () {
    expect(quiet(() => main([path.join(dir, "missing.json")]))).to.equal(2);
  });
});
