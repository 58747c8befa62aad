import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.resolve(__dirname, "../..");
const TS_NODE = path.join(ROOT, "node_modules/.bin/ts-node");

/** A clean environment; an empty config file keeps a developer's .kuajie/dev/gateway.json out of the test. */
function baseEnv(dataDir: string): NodeJS.ProcessEnv {
  const configFile = path.join(dataDir, "empty-config.json");
  fs.writeFileSync(configFile, "{}");
  return { PATH: process.env.PATH, HOME: process.env.HOME, KUAJIE_DATA_DIR: dataDir, KUAJIE_CONFIG_FILE: configFile };
}

describe("processes", function () {
  let dataDir: string;
  beforeEach(function () {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-proc-"));
  });
  afterEach(function () {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  describe("npm run tokens", function () {
    function tokens(args: string[]) {
      return spawnSync(TS_NODE, ["--transpile-only", "scripts/tokens.ts", ...args], {
        cwd: ROOT,
        env: baseEnv(dataDir),
        encoding: "utf8",
      });
    }

    it("creates a token (printed once), lists it without the secret, and revokes it", function () {
      const created = tokens([
        "create",
        "--department",
        "data-bureau",
        "--role",
        "operator",
        "--label",
        "ops",
        "--json",
      ]);
      expect(created.status, created.stderr).to.equal(0);
      const issued = JSON.parse(created.stdout) as { id: number; token: string; role: string };
      expect(issued.token).to.match(/^kj_[A-Za-z0-9_-]{43}$/);
      expect(issued.role).to.equal("operator");

      const listed = tokens(["list"]);
      expect(listed.status).to.equal(0);
      expect(listed.stdout).to.include("data-bureau");
      expect(listed.stdout).not.to.include(issued.token);

      const revoked = tokens(["revoke", "--id", String(issued.id)]);
      expect(revoked.status).to.equal(0);
      expect(tokens(["list", "--json"]).stdout).to.match(/"revokedAt": "\d{4}-/);
      expect(fs.existsSync(path.join(dataDir, "gateway.db"))).to.equal(true);
    });

    it("exits 2 with usage on a bad role or command, 1 on an unknown id", function () {
      expect(tokens(["create", "--department", "health", "--role", "admin"]).status).to.equal(2);
      expect(tokens(["frobnicate"]).status).to.equal(2);
      const missing = tokens(["revoke", "--id", "77"]);
      expect(missing.status).to.equal(1);
      expect(missing.stderr).to.include("no token with id 77");
    });
  });

  describe("the gateway process", function () {
    it("stops at boot with a message naming a wrong variable", function () {
      const result = spawnSync(TS_NODE, ["--transpile-only", "server/src/main.ts"], {
        cwd: ROOT,
        env: { ...baseEnv(dataDir), KUAJIE_GATEWAY_PORT: "99999", KUAJIE_CONSORTIUM_SECRET: "ab".repeat(32) },
        encoding: "utf8",
      });
      expect(result.status).to.equal(2);
      expect(result.stderr).to.include("KUAJIE_GATEWAY_PORT: expected an integer 1..65535");
    });

    it("refuses to start without a deployment file, naming the file", function () {
      const result = spawnSync(TS_NODE, ["--transpile-only", "server/src/main.ts"], {
        cwd: ROOT,
        env: {
          ...baseEnv(dataDir),
          KUAJIE_CONSORTIUM_SECRET: "ab".repeat(32),
          KUAJIE_DEV_MNEMONIC: "test test test test test test test test test test test junk",
        },
        encoding: "utf8",
      });
      expect(result.status).to.equal(1);
      expect(result.stderr).to.include(`cannot read the deployment file ${path.join(dataDir, "deployment.json")}`);
    });
  });
});
