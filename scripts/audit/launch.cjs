/**
 * `npm run audit`: the auditor as plain JavaScript. Under ts-node every start transpiled every module again (seconds
 * of a 10,000-receipt audit that itself takes about two); here esbuild bundles it once into one file in dist/audit/
 * (no type checking: `npm run typecheck` does that) and node runs that, built again whenever a source it was built
 * from or its configuration changed, so the command never runs an auditor older than its sources. Plain CommonJS so
 * that nothing has to be transpiled before the check.
 *
 * One bundle rather than a file per module: Node resolving, reading and compiling a thousand modules (most of them
 * ethers', which the auditor uses a part of) cost about a third of a second of every start, half the bundle's
 * (measured 2026-11-30, docs/perf/audit-profile.md). The native secp256k1 addon stays outside, loaded from its package.
 *
 * The stamp lists every source of the project the bundle holds, with its size and modification time: a source newly
 * imported can only be imported by a change to one already listed, so checking the listed ones (a few hundred stats)
 * is enough. The build goes to a fresh directory renamed into place, so that two audits never see half a build.
 */
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const ROOT = path.resolve(__dirname, "../..");
const OUT = path.join(ROOT, "dist/audit");
const SOURCE = "scripts/audit/cli.ts";
const CONFIGURATION = [path.join(ROOT, "tsconfig.json"), path.join(__dirname, "launch.cjs")];
const ENTRY = "scripts/audit/cli.js";
const STAMP = "sources.json";
const CODE_CACHE = "code-cache.bin";
/** Native addons are loaded from their packages (they find their binaries beside their own files). */
const EXTERNAL = ["secp256k1", "secp256k1/*"];

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

function build(configuration) {
  process.stderr.write("audit: compiling the auditor to dist/audit/ (its sources changed since the last run)\n");
  const staging = `${OUT}.${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  const startedAt = Date.now();
  let result;
  try {
    result = require("esbuild").buildSync({
      absWorkingDir: ROOT,
      entryPoints: [SOURCE],
      outfile: path.join(staging, ENTRY),
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      external: EXTERNAL,
      metafile: true,
      logLevel: "silent",
    });
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    const messages = (error.errors ?? []).map(
      (e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`,
    );
    process.stderr.write(`audit: compiling the auditor failed:\n${messages.join("\n") || error.message}\n`);
    process.exit(2);
  }
  const sources = {};
  for (const relative of Object.keys(result.metafile.inputs)) {
    if (relative.startsWith("node_modules/")) continue;
    const stat = statOf(relative);
    // A source edited while esbuild ran may not be in this build: stamp it as unknown so the next run builds again.
    sources[relative] = stat && stat[1] < startedAt ? stat : [-1, -1];
  }
  fs.writeFileSync(path.join(staging, STAMP), JSON.stringify({ configuration, sources }));
  const old = `${OUT}.${process.pid}.old`;
  if (fs.existsSync(OUT)) fs.renameSync(OUT, old);
  fs.renameSync(staging, OUT);
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * The bundle run as `require` would run it, compiled with V8's code cache of an earlier run when there is one
 * (dist/audit/code-cache.bin, gone with the build it was made from; V8 rejects a cache of another source or V8, and
 * the bundle is then compiled as before): compiling the bundle's 1.9 MB was about a third of a second's start-up CPU,
 * a cached start saves about 35 ms of it (docs/perf/audit-profile.md). Written after a run without one (of the
 * functions that run compiled), once, beside it and renamed into place, so that a reader never sees half a file.
 */
function loadBundle() {
  const file = path.join(OUT, ENTRY);
  const cacheFile = path.join(OUT, CODE_CACHE);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
  const bundle = new Module(file, module);
  bundle.filename = file;
  bundle.paths = Module._nodeModulePaths(path.dirname(file));
  script
    .runInThisContext()
    .call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, path.dirname(file));
  bundle.loaded = true;
  const keepCache = () => {
    if (cachedData !== undefined && !script.cachedDataRejected) return;
    const staging = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(staging, script.createCachedData());
      fs.renameSync(staging, cacheFile);
    } catch {
      fs.rmSync(staging, { force: true }); // a read-only tree: no cache, the next run compiles as this one did
    }
  };
  return { run: bundle.exports.run, keepCache };
}

const configuration = configurationDigest();
if (!isCurrent(configuration)) build(configuration);
const { run, keepCache } = loadBundle();
run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  keepCache();
});
