/**
 * `npm run audit`: the auditor as plain JavaScript. Under ts-node every start transpiled every module again (seconds
 * of a 10,000-receipt audit that itself takes about two); here tsc emits it once into dist/audit/ (no type checking:
 * `npm run typecheck` does that) and node runs that, built again whenever a source it was built from or its
 * configuration changed, so the command never runs an auditor older than its sources. Plain CommonJS so that
 * nothing has to be transpiled before the check.
 *
 * The stamp lists every source the build emitted, with its size and modification time: a source newly imported can
 * only be imported by a change to one already listed, so checking the listed ones (a few hundred stats) is enough.
 * The build goes to a fresh directory renamed into place, so that two audits never see half a build.
 */
const { spawnSync } = require("node:child_process");
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "../..");
const OUT = path.join(ROOT, "dist/audit");
const PROJECT = path.join(__dirname, "tsconfig.audit.json");
const CONFIGURATION = [PROJECT, path.join(ROOT, "tsconfig.json"), path.join(__dirname, "launch.cjs")];
const ENTRY = "scripts/audit/cli.js";
const STAMP = "sources.json";
const BUILD_MS = 180_000;

function configurationDigest() {
  const hash = createHash("sha256");
  for (const file of CONFIGURATION) hash.update(fs.readFileSync(file));
  return hash.digest("hex");
}

/** `[size, mtimeMs]` of a source, or null when it is gone. */
function statOf(relative) {
  try {
    const stat = fs.statSync(path.join(ROOT, relative));
    return [stat.size, stat.mtimeMs];
  } catch {
    return null;
  }
}

function isCurrent(configuration) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(OUT, STAMP), "utf8"));
  } catch {
    return false;
  }
  if (stamp.configuration !== configuration || !fs.existsSync(path.join(OUT, ENTRY))) return false;
  return Object.entries(stamp.sources).every(([relative, [size, mtimeMs]]) => {
    const now = statOf(relative);
    return now !== null && now[0] === size && now[1] === mtimeMs;
  });
}

/** The source of each file the build emitted (`x.js` from `x.ts`; JSON copied as is). */
function sourcesOf(dir, prefix = "") {
  const sources = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) sources.push(...sourcesOf(path.join(dir, entry.name), relative));
    else if (entry.name.endsWith(".js")) sources.push(relative.replace(/\.js$/, ".ts"));
    else if (entry.name.endsWith(".json")) sources.push(relative);
  }
  return sources;
}

function build(configuration) {
  process.stderr.write("audit: compiling the auditor to dist/audit/ (its sources changed since the last run)\n");
  const staging = `${OUT}.${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  const startedAt = Date.now();
  const result = spawnSync(path.join(ROOT, "node_modules/.bin/tsc"), ["-p", PROJECT, "--outDir", staging], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: BUILD_MS,
  });
  if (result.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    process.stderr.write(`audit: compiling the auditor failed:\n${`${result.stdout}${result.stderr}`.trim()}\n`);
    process.exit(2);
  }
  const sources = {};
  for (const relative of sourcesOf(staging)) {
    const stat = statOf(relative);
    // A source edited while tsc ran may not be in this build: stamp it as unknown so the next run builds again.
    sources[relative] = stat && stat[1] < startedAt ? stat : [-1, -1];
  }
  fs.writeFileSync(path.join(staging, STAMP), JSON.stringify({ configuration, sources }));
  const old = `${OUT}.${process.pid}.old`;
  if (fs.existsSync(OUT)) fs.renameSync(OUT, old);
  fs.renameSync(staging, OUT);
  fs.rmSync(old, { recursive: true, force: true });
}

const configuration = configurationDigest();
if (!isCurrent(configuration)) build(configuration);
require(path.join(OUT, ENTRY))
  .run(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
