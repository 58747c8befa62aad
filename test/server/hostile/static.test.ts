import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";

/**
 * Static checks of the gateway's TypeScript: `strict` stays on, and no `any` is written in server/ (`: any`,
 * `as any`, `<any>`, `any[]`, `Array<any>`), comments and strings aside.
 */

const ROOT = path.resolve(__dirname, "../../..");
const ANY = /(:\s*any\b|\bas\s+any\b|<any>|\bany\[\]|Array<any>|Record<[^>]*,\s*any>)/;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|mts|cts)$/.test(entry.name) ? [full] : [];
  });
}

/** The code of a line without its // comment and string literals (good enough for this grep). */
function codeOf(line: string): string {
  return line
    .replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""')
    .replace(/\/\/.*$/, "")
    .replace(/\/\*.*?\*\//g, "");
}

describe("Static checks: TypeScript strict with no any in server/", function () {
  it("keeps strict on in tsconfig.json", function () {
    const config = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
    expect(config).to.match(/"strict"\s*:\s*true/);
    expect(config).to.not.match(/"noImplicitAny"\s*:\s*false/);
  });

  it("finds no explicit any in server/", function () {
    const files = sourceFiles(path.join(ROOT, "server"));
    expect(files.length).to.be.greaterThan(20);
    const hits: string[] = [];
    for (const file of files) {
      let inBlockComment = false;
      fs.readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          const trimmed = line.trim();
          if (inBlockComment) {
            if (trimmed.includes("*/")) inBlockComment = false;
            return;
          }
          if (trimmed.startsWith("/*") && !trimmed.includes("*/")) {
            inBlockComment = true;
            return;
          }
          if (trimmed.startsWith("*")) return;
          if (ANY.test(codeOf(line))) hits.push(`${path.relative(ROOT, file)}:${i + 1}: ${trimmed}`);
        });
    }
    expect(hits).to.deep.equal([]);
  });

  it("would catch each spelling of any", function () {
    for (const bad of ["let x: any = 1;", "f(y as any)", "const z = <any>w;", "const a: any[] = [];", "Array<any>"]) {
      expect(ANY.test(codeOf(bad)), bad).to.equal(true);
    }
    for (const fine of ['const s = "as any";', "// x: any", "const company = 1;", "anyValue(x)"]) {
      expect(ANY.test(codeOf(fine)), fine).to.equal(false);
    }
  });
});
