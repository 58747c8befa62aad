/**
 * The V8 heap a gateway process runs with. `npm run gateway`, what a department runs in production, names the flags in
 * package.json; every other launch of the gateway (`npm start`'s supervisor, the benchmark's stack, the fault tests'
 * own gateways, all on the compiled gateway of gateway-build.ts) takes them from there, so that the heap measured and
 * tested is the heap production runs. Why these values: docs/perf/gateway-memory.md.
 */
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./settings";

const HEAP_FLAG = /^--max-(semi|old)-space-size=[1-9][0-9]*$/;

/** The `--max-semi-space-size` and `--max-old-space-size` of package.json's `gateway` script. */
export function gatewayHeapFlags(packageJson = path.join(ROOT, "package.json")): string[] {
  const manifest = JSON.parse(fs.readFileSync(packageJson, "utf8")) as { scripts?: Record<string, unknown> };
  const script = manifest.scripts?.gateway;
  const flags = typeof script === "string" ? script.split(/\s+/).filter((word) => HEAP_FLAG.test(word)) : [];
  const named = new Set(flags.map((flag) => flag.slice(0, flag.indexOf("="))));
  if (flags.length !== 2 || named.size !== 2) {
    throw new Error(
      `${packageJson}: the "gateway" script must name --max-semi-space-size=<MB> and --max-old-space-size=<MB> once ` +
        `each (it is ${JSON.stringify(script)})`,
    );
  }
  return flags;
}
