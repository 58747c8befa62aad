import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ESLint } from "eslint";

/**
 * The walls of the house are held by `npm run lint` (ESLint, dependency-cruiser, knip, jscpd). These tests show that
 * the rules would catch a breach: each forbidden import is written into a small throwaway tree and cruised with the
 * project's own .dependency-cruiser.cjs, and ESLint refuses an explicit `any` in every TypeScript folder.
 */
const ROOT = path.resolve(__dirname, "../..");
const DEPCRUISE = path.join(ROOT, "node_modules/.bin/depcruise");

describe("Lint: the walls of the house", function () {
  this.timeout(60_000);

  it("keeps strict on in tsconfig.json", function () {
    const config = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
    expect(config).to.match(/"strict"\s*:\s*true/);
    expect(config).to.not.match(/"noImplicitAny"\s*:\s*false/);
  });

  it("refuses an explicit any in every TypeScript folder", async function () {
    const eslint = new ESLint({ cwd: ROOT });
    for (const folder of ["core", "server/src", "scripts", "bench", "backends", "test", "ignition/modules"]) {
      const [result] = await eslint.lintText("export const x: any = 1;\n", {
        filePath: path.join(ROOT, folder, "any-probe.ts"),
      });
      expect(
        result.messages.map((m) => m.ruleId),
        folder,
      ).to.include("@typescript-eslint/no-explicit-any");
    }
  });

  /** Cruises a tree of `files` (path → source) with the project's rules; returns the names of the rules broken. */
  function cruise(files: Record<string, string>): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-walls-"));
    try {
      for (const [file, source] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), source);
      }
      fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs" } }));
      fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
      const top = [...new Set(Object.keys(files).map((f) => f.split("/")[0]))];
      const run = spawnSync(
        DEPCRUISE,
        ["--config", path.join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "json", ...top],
        { cwd: dir, encoding: "utf8" },
      );
      const output = JSON.parse(run.stdout) as { summary: { violations: { rule: { name: string } }[] } };
      return [...new Set(output.summary.violations.map((v) => v.rule.name))].sort();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it("passes a tree that keeps every wall", function () {
    expect(
      cruise({
        "core/rule.ts": 'import { keccak256 } from "ethers";\nexport const r = keccak256;\n',
        "server/src/modules/a/routes.ts": 'import { s } from "./service";\nexport const r = s;\n',
        "server/src/modules/a/service.ts": 'import { q } from "../../store/a";\nexport const s = q;\n',
        "server/src/store/a.ts": 'import { r } from "../../../core/rule";\nexport const q = r;\n',
        "scripts/audit/cli.ts": 'import { r } from "../../core/rule";\nexport const c = r;\n',
      }),
    ).to.deep.equal([]);
  });

  it("catches an import cycle", function () {
    expect(
      cruise({
        "server/src/a.ts": 'import { b } from "./b";\nexport const a = b;\n',
        "server/src/b.ts": 'import type { a } from "./a";\nexport const b: typeof a | 1 = 1;\n',
      }),
    ).to.deep.equal(["no-circular"]);
  });

  it("catches routes reaching the store or the chain", function () {
    expect(
      cruise({
        "server/src/modules/a/routes.ts":
          'import { q } from "../../store/a";\nimport { c } from "../../chain/a";\nexport const r = [q, c];\n',
        "server/src/store/a.ts": "export const q = 1;\n",
        "server/src/chain/a.ts": "export const c = 1;\n",
      }),
    ).to.deep.equal(["routes-not-to-store-or-chain"]);
  });

  it("catches the chain adapter knowing HTTP, and chain and store importing each other", function () {
    expect(
      cruise({
        "server/src/chain/a.ts":
          'import express from "express";\nimport { q } from "../store/a";\nexport const c = [express, q];\n',
        "server/src/store/a.ts": 'import { d } from "../chain/b";\nexport const q = d;\n',
        "server/src/chain/b.ts": "export const d = 1;\n",
      }),
    ).to.deep.equal(["chain-not-to-http", "chain-not-to-store", "store-not-to-chain"]);
  });

  it("catches the gateway importing scripts, and the auditor importing the gateway", function () {
    expect(
      cruise({
        "server/src/a.ts": 'import { h } from "../../scripts/lib/h";\nexport const a = h;\n',
        "scripts/lib/h.ts": "export const h = 1;\n",
        "scripts/audit/cli.ts": 'import { a } from "../../server/src/a";\nexport const c = a;\n',
      }),
    ).to.deep.equal(["auditor-trusts-no-gateway", "server-not-to-scripts-bench-test"]);
  });

  it("catches I/O in the pure core", function () {
    expect(
      cruise({
        "core/a.ts": 'import fs from "node:fs";\nimport { s } from "../server/src/s";\nexport const a = [fs, s];\n',
        "server/src/s.ts": "export const s = 1;\n",
      }),
    ).to.deep.equal(["core-is-pure", "core-no-io-builtins"]);
  });
});
