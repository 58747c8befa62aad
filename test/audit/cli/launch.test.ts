/**
 * `npm run audit` runs the auditor compiled to dist/audit/ (scripts/audit/launch.cjs), and compiles it again whenever
 * a source it was built from changed: the command never runs an auditor older than its sources. It starts from V8's
 * code cache of the bundle once a run has written one.
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

  it("keeps V8's code cache of the bundle after a run, runs from it, and replaces one V8 rejects", function () {
    const cache = path.join(ROOT, "dist/audit/code-cache.bin");
    const first = launch("help");
    expect(first.status, first.stderr).to.equal(0);
    fs.rmSync(cache, { force: true });
    const uncached = launch("help");
    expect(uncached.status, uncached.stderr).to.equal(0);
    expect(fs.statSync(cache).size, "written after a run without one").to.be.greaterThan(0);
    const written = fs.readFileSync(cache);

    const cached = launch("help");
    expect(cached.status, cached.stderr).to.equal(0);
    expect(cached.stdout).to.equal(uncached.stdout);
    expect(fs.readFileSync(cache).equals(written), "a cache V8 accepted is left as it is").to.equal(true);

    fs.writeFileSync(cache, Buffer.from("not a code cache"));
    const rejected = launch("receipts");
    expect(rejected.status, "the auditor runs, compiled as without a cache").to.equal(2);
    expect(rejected.stderr).to.match(/^audit: `receipts` takes one receipts file/m);
    expect(fs.readFileSync(cache).toString("utf8")).to.not.equal("not a code cache");
    expect(fs.readdirSync(path.dirname(cache)).filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);
  });

  it("passes the auditor's exit status through (2 for a usage error)", function () {
    const result = launch("receipts");
    expect(result.status).to.equal(2);
    expect(result.stderr).to.match(/^audit: /m);
  });
});
