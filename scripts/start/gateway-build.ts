/**
 * The gateway as plain JavaScript: five gateways under ts-node cost about 3.5 s of CPU each to start (transpiling
 * every module on every start and restart), which two cores feel. `npm start` emits the gateway once with tsc into
 * dist/gateway/ (no type checking: `npm run typecheck` does that) and runs node on it; again only when a source file
 * changed. The build goes to a fresh directory renamed into place, so that two starts never see half a build.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { gatewayHeapFlags } from "./gateway-heap";
import { ROOT, StartError, say } from "./settings";
import type { GatewayCommand } from "./supervision";

const TSC = path.join(ROOT, "node_modules/.bin/tsc");
const PROJECT = path.join(ROOT, "scripts/start/tsconfig.gateway.json");
const OUT = path.join(ROOT, "dist/gateway");
/** Where the gateway's sources live: what it imports, and the build's own configuration. */
const SOURCES = ["server/src", "core", "typechain-types"];
const STAMP = "sources.sha256";
const BUILD_MS = 180_000;

/** A digest of every source file's path, size and modification time, and of the build's configuration. */
function sourcesDigest(): string {
  const hash = createHash("sha256");
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith(".ts")) {
        const stat = fs.statSync(full);
        hash.update(`${path.relative(ROOT, full)}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  for (const dir of SOURCES) if (fs.existsSync(path.join(ROOT, dir))) visit(path.join(ROOT, dir));
  for (const file of [PROJECT, path.join(ROOT, "tsconfig.json")]) hash.update(fs.readFileSync(file));
  return hash.digest("hex");
}

/**
 * The command that runs the compiled gateway, building it first if its sources changed since the last build, with the
 * heap `npm run gateway` runs (gateway-heap.ts).
 */
export function compiledGateway(): GatewayCommand {
  const digest = sourcesDigest();
  const main = path.join(OUT, "server/src/main.js");
  const stampFile = path.join(OUT, STAMP);
  const current = fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === digest && fs.existsSync(main);
  if (!current) {
    say("compiling the gateway to dist/gateway/ (its sources changed since the last start)");
    const staging = `${OUT}.${process.pid}.tmp`;
    fs.rmSync(staging, { recursive: true, force: true });
    const result = spawnSync(TSC, ["-p", PROJECT, "--outDir", staging], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: BUILD_MS,
    });
    if (result.status !== 0) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw new StartError(`compiling the gateway failed:\n${`${result.stdout}${result.stderr}`.trim()}`);
    }
    fs.writeFileSync(path.join(staging, STAMP), digest);
    const old = `${OUT}.${process.pid}.old`;
    if (fs.existsSync(OUT)) fs.renameSync(OUT, old);
    fs.renameSync(staging, OUT);
    fs.rmSync(old, { recursive: true, force: true });
  }
  return { command: process.execPath, args: [...gatewayHeapFlags(), "--enable-source-maps", main] };
}
