/**
 * The walls of the house (issue 9), checked by `npm run lint`:
 * - no import cycles anywhere in the TypeScript tree;
 * - the gateway's routes never reach the store or the chain directly (routes → services → chain / store);
 * - the chain adapter knows nothing of HTTP, and chain/ and store/ do not import each other;
 * - the gateway (server/) never imports scripts/, bench/ or test/;
 * - the auditor (scripts/audit/) imports nothing of the gateway: only core/ and the generated contract types;
 * - core/ is pure: no I/O, no express, no SQLite, nothing outside core/ but pure packages.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle makes a layer depend on itself; break it with an interface in its own file.",
      from: {},
      to: { circular: true },
    },
    {
      name: "routes-not-to-store-or-chain",
      severity: "error",
      comment: "Routes only validate and call services (DESIGN.md, dependency rules).",
      from: { path: "^server/src/.*/routes\\.ts$" },
      to: { path: "^server/src/(store|chain)/" },
    },
    {
      name: "chain-not-to-http",
      severity: "error",
      comment: "The chain adapter throws chain errors; the problem middleware maps them to HTTP.",
      from: { path: "^server/src/chain/" },
      to: { path: "((^|/)node_modules/(express|helmet)/|^server/src/(http|modules)/|^server/src/common/(problem|errors)\\.ts$)" },
    },
    {
      name: "chain-not-to-store",
      severity: "error",
      from: { path: "^server/src/chain/" },
      to: { path: "^server/src/store/" },
    },
    {
      name: "store-not-to-chain",
      severity: "error",
      from: { path: "^server/src/store/" },
      to: { path: "^server/src/chain/" },
    },
    {
      name: "server-not-to-scripts-bench-test",
      severity: "error",
      comment: "The gateway is a product; scripts, benchmarks and tests use it, never the other way round.",
      from: { path: "^server/" },
      to: { path: "^(scripts|bench|test)/" },
    },
    {
      name: "auditor-trusts-no-gateway",
      severity: "error",
      comment: "The auditor's trust comes from the chain: it may use core/ and the contract types, nothing of server/.",
      from: { path: "^scripts/audit/" },
      to: { path: "^server/" },
    },
    {
      name: "core-is-pure",
      severity: "error",
      comment: "core/ holds rules, not I/O: no file system, network, SQLite, express, nor anything outside core/.",
      from: { path: "^core/" },
      to: {
        path: "(^(server|scripts|bench|test)/|(^|/)node_modules/(express|helmet|better-sqlite3|pino)/)",
      },
    },
    {
      name: "core-no-io-builtins",
      severity: "error",
      from: { path: "^core/" },
      to: { dependencyTypes: ["core"], path: "^(fs|node:fs|net|node:net|http|node:http|https|node:https|child_process|node:child_process|fs/promises|node:fs/promises)$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(artifacts|cache|coverage|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    moduleSystems: ["cjs", "es6"],
  },
};
