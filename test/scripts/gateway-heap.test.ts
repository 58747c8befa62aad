import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { gatewayHeapFlags } from "../../scripts/start/gateway-heap";

const MB = 2 ** 20;

/** A package.json whose `gateway` script is `script`, in a directory of its own. */
function manifestWith(script: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-gateway-heap-"));
  const file = path.join(dir, "package.json");
  fs.writeFileSync(file, JSON.stringify({ scripts: { gateway: script } }));
  return file;
}

const sizeOf = (flags: string[], name: string) =>
  Number(flags.find((flag) => flag.startsWith(`--max-${name}-space-size=`))!.split("=")[1]);

describe("gateway heap flags (scripts/start/gateway-heap.ts)", function () {
  it("bounds a node process's heap by the semi-space and old-space sizes npm run gateway names", function () {
    const flags = gatewayHeapFlags();
    const run = spawnSync(
      process.execPath,
      [...flags, "-e", "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit))"],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(run.status, run.stderr).to.equal(0);
    const [semi, old] = [sizeOf(flags, "semi"), sizeOf(flags, "old")];
    // V8's limit is the old space plus the young generation (two semi-spaces and the new large-object space).
    expect(Number(run.stdout) / MB).to.be.within(old, old + 3 * semi);
  });

  it("takes exactly the two heap flags from the gateway script, whatever else it names", function () {
    const file = manifestWith(
      "node --max-old-space-size=300 --enable-source-maps --max-semi-space-size=4 --require x server/src/main.ts",
    );
    expect(gatewayHeapFlags(file)).to.deep.equal(["--max-old-space-size=300", "--max-semi-space-size=4"]);
  });

  for (const [why, script] of [
    ["names no heap flag", "ts-node --transpile-only server/src/main.ts"],
    ["names only the old space", "node --max-old-space-size=512 server/src/main.ts"],
    ["names the old space twice", "node --max-old-space-size=512 --max-old-space-size=256 server/src/main.ts"],
    ["is missing", undefined],
  ] as const) {
    it(`refuses a gateway script that ${why}, naming the file`, function () {
      const file = manifestWith(script);
      expect(() => gatewayHeapFlags(file))
        .to.throw(Error)
        .with.property("message")
        .that.includes(file)
        .and.includes("--max-semi-space-size=<MB> and --max-old-space-size=<MB>");
    });
  }
});
