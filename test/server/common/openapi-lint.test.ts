import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import request from "supertest";
import { startLiveGateway, type LiveGateway } from "../support/live-gateway";

const run = promisify(execFile);

interface LintProblem {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
  location: Array<{ pointer?: string }>;
}

/**
 * The whole gateway's /openapi.json (every feature) linted by Redocly CLI with its `recommended` ruleset, as an
 * integrator's tooling would: any error or warning fails.
 */
describe("OpenAPI document under a standard linter", function () {
  let gw: LiveGateway;
  let dir: string;

  before(async function () {
    gw = await startLiveGateway();
    dir = mkdtempSync(path.join(tmpdir(), "kuajie-openapi-"));
  });

  after(async function () {
    await gw?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("gives an example body for every operation that takes one", async function () {
    const doc = (await request(gw.app).get("/openapi.json").expect(200)).body as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { example?: unknown }> } }>>;
    };
    const withBody = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.entries(item)
        .filter(([, op]) => op.requestBody)
        .map(([method, op]) => ({
          at: `${method} ${p}`,
          example: op.requestBody!.content["application/json"].example,
        })),
    );
    expect(withBody.length).to.be.greaterThan(8);
    expect(withBody.filter((b) => b.example === undefined).map((b) => b.at)).to.deep.equal([]);
  });

  it("passes `redocly lint` with the recommended rules, no warnings", async function () {
    const res = await request(gw.app).get("/openapi.json").expect(200);
    const file = path.join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(res.body, null, 2));
    const cli = path.join(__dirname, "../../../node_modules/@redocly/cli/bin/cli.js");
    const { stdout } = await run(
      process.execPath,
      [cli, "lint", file, "--extends=recommended", "--format=json", "--max-problems=1000"],
      {
        cwd: dir,
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: LintProblem[] };
    const problems = report.problems.map(
      (p) => `${p.severity} ${p.ruleId} at ${p.location.map((l) => l.pointer).join(", ")}: ${p.message}`,
    );
    expect(problems).to.deep.equal([]);
  });
});
