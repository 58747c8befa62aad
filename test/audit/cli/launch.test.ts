/**
 * `npm run audit` runs the auditor compiled to dist/audit/ (scripts/audit/launch.cjs), and compiles it again whenever
 * a source it was built from changed: the command never runs an auditor older than its sources.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.resolve(__dirname, "../../..");
const COMPILING = "audit: compiling the auditor to dist/audit/";

function launch(...args: string[]) {
  return spawnSync(process.execPath, ["scripts/audit/launch.cjs", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 240_000,
  });
}

describe("audit launcher (compiled auditor)", function () {
  this.timeout(600_000);

  it("runs the compiled auditor, and compiles it again after one of its sources changed, once", function () {
    const warm = launch("help");
    expect(warm.status, warm.stderr).to.equal(0);
    expect(warm.stdout).to.contain("usage: npm run audit");
    expect(fs.existsSync(path.join(ROOT, "dist/audit/scripts/audit/cli.js"))).to.equal(true);

    const current = launch("help");
    expect(current.stderr).to.equal("");

    // A source the auditor imports, from outside scripts/audit, changed (its modification time is what is compared).
    const source = path.join(ROOT, "core/receipt/receipt.ts");
    const { atime, mtime } = fs.statSync(source);
    fs.utimesSync(source, atime, new Date(mtime.getTime() + 1_000));
    const rebuilt = launch("help");
    expect(rebuilt.status, rebuilt.stderr).to.equal(0);
    expect(rebuilt.stderr).to.contain(COMPILING);
    const again = launch("help");
    expect(again.stderr).to.equal("");
  });

  it("passes the auditor's exit status through (2 for a usage error)", function () {
    const result = launch("receipts");
    expect(result.status).to.equal(2);
    expect(result.stderr).to.match(/^audit: /m);
  });
});
