import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ConfigError, describeConfig, loadConfig, loadDataDir } from "../../../server/src/common/config";
import { DEV_BACKEND_TOKEN } from "../../../core/backend";

const SECRET = "0x" + "5a".repeat(32);
const MNEMONIC = "test test test test test test test test test test test junk";
const BASE = { KUAJIE_CONSORTIUM_SECRET: SECRET, KUAJIE_DEV_MNEMONIC: MNEMONIC };

const made: string[] = [];
function emptyDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-config-"));
  made.push(dir);
  return dir;
}

/** A fresh directory whose .kuajie/dev/gateway.json sets port 8282. */
function dirWithDevGatewayFile(): string {
  const cwd = emptyDir();
  fs.mkdirSync(path.join(cwd, ".kuajie/dev"), { recursive: true });
  fs.writeFileSync(
    path.join(cwd, ".kuajie/dev/gateway.json"),
    JSON.stringify({ ...BASE, KUAJIE_GATEWAY_PORT: "8282" }),
  );
  return cwd;
}

function load(env: Record<string, string | undefined>, cwd = emptyDir()) {
  return loadConfig({ env, cwd });
}

function failure(env: Record<string, string | undefined>, cwd?: string): ConfigError {
  try {
    load(env, cwd);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("common/config", function () {
  after(function () {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("fills the documented defaults", function () {
    const cwd = emptyDir();
    const config = load(BASE, cwd);
    expect(config).to.include({
      environment: "development",
      host: "127.0.0.1",
      port: 8080,
      rpcUrl: "http://127.0.0.1:8545",
      upstreamTimeoutMs: 5000,
      receiptBatchSize: 1024,
      receiptBatchSeconds: 2,
      anchorMaxLagSeconds: 60,
      timezone: "Asia/Shanghai",
      logLevel: "info",
      bodyLimit: "100kb",
      configFile: null,
    });
    expect(config.dataDir).to.equal(path.join(cwd, ".kuajie/dev"));
    expect(config.databaseFile).to.equal(path.join(cwd, ".kuajie/dev/gateway.db"));
    expect(config.deploymentFile).to.equal(path.join(cwd, ".kuajie/dev/deployment.json"));
    expect(config.consortiumSecret.equals(Buffer.from("5a".repeat(32), "hex"))).to.equal(true);
    expect(config.keys).to.deep.equal({ kind: "mnemonic", mnemonic: MNEMONIC });
  });

  it("reads every variable from the environment", function () {
    const config = load({
      ...BASE,
      KUAJIE_GATEWAY_HOST: "0.0.0.0",
      KUAJIE_GATEWAY_PORT: "9090",
      KUAJIE_RPC_URL: "ws://10.0.0.1:8546",
      KUAJIE_DATA_DIR: "/var/lib/kuajie",
      KUAJIE_DEPLOYMENT_FILE: "/etc/kuajie/deployment.json",
      KUAJIE_UPSTREAM_TIMEOUT_MS: "250",
      KUAJIE_RECEIPT_BATCH_SIZE: "16",
      KUAJIE_RECEIPT_BATCH_SECONDS: "0.5",
      KUAJIE_ANCHOR_MAX_LAG_SECONDS: "30",
      KUAJIE_TIMEZONE: "UTC",
      KUAJIE_LOG_LEVEL: "debug",
      KUAJIE_BODY_LIMIT: "1MB",
    });
    expect(config).to.include({
      host: "0.0.0.0",
      port: 9090,
      rpcUrl: "ws://10.0.0.1:8546",
      dataDir: "/var/lib/kuajie",
      deploymentFile: "/etc/kuajie/deployment.json",
      upstreamTimeoutMs: 250,
      receiptBatchSize: 16,
      receiptBatchSeconds: 0.5,
      anchorMaxLagSeconds: 30,
      timezone: "UTC",
      logLevel: "debug",
      bodyLimit: "1mb",
    });
  });

  it("reads the exchange settings and the backend token, which production requires and never takes from development", function () {
    const dev = load(BASE);
    expect(dev).to.include({ viewMaxLagSeconds: 30, exchangeMaxSkewSeconds: 60, backendToken: DEV_BACKEND_TOKEN });
    const set = load({
      ...BASE,
      KUAJIE_BACKEND_TOKEN: "a-department-backend-secret",
      KUAJIE_VIEW_MAX_LAG_SECONDS: "5",
      KUAJIE_EXCHANGE_MAX_SKEW_SECONDS: "30",
    });
    expect(set).to.include({ viewMaxLagSeconds: 5, exchangeMaxSkewSeconds: 30 });
    expect(set.backendToken).to.equal("a-department-backend-secret");
    expect(JSON.stringify(describeConfig(set))).to.not.include("a-department-backend-secret");
    const production = { KUAJIE_CONSORTIUM_SECRET: SECRET, KUAJIE_KEYSTORE_DIR: "/k", KUAJIE_KEYSTORE_PASSWORD: "p" };
    expect(failure({ ...production, NODE_ENV: "production" }).variable).to.equal("KUAJIE_BACKEND_TOKEN");
    expect(
      failure({ ...production, NODE_ENV: "production", KUAJIE_BACKEND_TOKEN: DEV_BACKEND_TOKEN }).variable,
    ).to.equal("KUAJIE_BACKEND_TOKEN");
    expect(failure({ ...BASE, KUAJIE_BACKEND_TOKEN: "short" }).variable).to.equal("KUAJIE_BACKEND_TOKEN");
    expect(failure({ ...BASE, KUAJIE_VIEW_MAX_LAG_SECONDS: "0" }).variable).to.equal("KUAJIE_VIEW_MAX_LAG_SECONDS");
  });

  it("reads the indexer's widest eth_getLogs block range, 1,000 (Besu's default cap) unless set", function () {
    expect(load(BASE).indexerMaxBlockRange).to.equal(1_000);
    expect(load({ ...BASE, KUAJIE_INDEXER_MAX_BLOCK_RANGE: "5000" }).indexerMaxBlockRange).to.equal(5_000);
    expect(failure({ ...BASE, KUAJIE_INDEXER_MAX_BLOCK_RANGE: "0" }).variable).to.equal(
      "KUAJIE_INDEXER_MAX_BLOCK_RANGE",
    );
  });

  it("reads how many fetches and exchanges a gateway begins in one turn of its event loop, 4 unless set (0: all)", function () {
    expect(load(BASE).admitPerTurn).to.equal(4);
    expect(load({ ...BASE, KUAJIE_ADMIT_PER_TURN: "0" }).admitPerTurn).to.equal(0);
    expect(load({ ...BASE, KUAJIE_ADMIT_PER_TURN: "16" }).admitPerTurn).to.equal(16);
    expect(describeConfig(load(BASE)).admitPerTurn).to.equal(4);
  });

  const wrongValues: Array<[string, string, RegExp]> = [
    ["KUAJIE_GATEWAY_HOST", "not a host!", /host name or IP/],
    ["KUAJIE_GATEWAY_PORT", "80a", /expected an integer 1\.\.65535/],
    ["KUAJIE_GATEWAY_PORT", "0", /expected an integer 1\.\.65535/],
    ["KUAJIE_GATEWAY_PORT", "70000", /expected an integer 1\.\.65535/],
    ["KUAJIE_RPC_URL", "localhost:8545", /http\(s\) or ws\(s\) URL/],
    ["KUAJIE_RPC_URL", "ftp://127.0.0.1", /http\(s\) or ws\(s\) URL/],
    ["KUAJIE_CONSORTIUM_SECRET", "0x1234", /at least 32 bytes/],
    ["KUAJIE_CONSORTIUM_SECRET", "zz".repeat(32), /hex/],
    ["KUAJIE_DEV_MNEMONIC", "not a mnemonic at all", /mnemonic/],
    ["KUAJIE_UPSTREAM_TIMEOUT_MS", "-5", /expected an integer 1\.\.600000/],
    ["KUAJIE_RECEIPT_BATCH_SIZE", "1.5", /expected an integer 1\.\.65536/],
    ["KUAJIE_RECEIPT_BATCH_SECONDS", "0", /greater than 0/],
    ["KUAJIE_RECEIPT_BATCH_SECONDS", "soon", /greater than 0/],
    ["KUAJIE_ANCHOR_MAX_LAG_SECONDS", "sixty", /expected an integer 1\.\.86400/],
    ["KUAJIE_TIMEZONE", "Mars/Olympus_Mons", /IANA time zone/],
    ["KUAJIE_LOG_LEVEL", "loud", /expected one of fatal, error, warn, info, debug, trace, silent/],
    ["KUAJIE_BODY_LIMIT", "lots", /size such as/],
    ["KUAJIE_BODY_LIMIT", "10b", /between 1kb and 50mb/],
    ["KUAJIE_ADMIT_PER_TURN", "-1", /expected an integer 0\.\.65536/],
    ["KUAJIE_ADMIT_PER_TURN", "2.5", /expected an integer 0\.\.65536/],
  ];
  for (const [variable, value, message] of wrongValues) {
    it(`names ${variable} when it is ${JSON.stringify(value)}`, function () {
      const error = failure({ ...BASE, [variable]: value });
      expect(error.variable).to.equal(variable);
      expect(error.message).to.match(new RegExp(`^${variable}: `));
      expect(error.message).to.match(message);
    });
  }

  it("names KUAJIE_CONSORTIUM_SECRET when it is missing", function () {
    const error = failure({ KUAJIE_DEV_MNEMONIC: MNEMONIC });
    expect(error.variable).to.equal("KUAJIE_CONSORTIUM_SECRET");
    expect(error.message).to.match(/^KUAJIE_CONSORTIUM_SECRET: required/);
  });

  it("lists every wrong variable at once", function () {
    const error = failure({ ...BASE, KUAJIE_GATEWAY_PORT: "x", KUAJIE_LOG_LEVEL: "loud" });
    expect(error.problems.map((p) => p.variable)).to.have.members(["KUAJIE_GATEWAY_PORT", "KUAJIE_LOG_LEVEL"]);
  });

  it("treats an empty variable as unset", function () {
    expect(load({ ...BASE, KUAJIE_GATEWAY_PORT: "" }).port).to.equal(8080);
  });

  describe("keys", function () {
    it("takes encrypted keystores with their password", function () {
      const config = load({
        KUAJIE_CONSORTIUM_SECRET: SECRET,
        KUAJIE_KEYSTORE_DIR: "/keys",
        KUAJIE_KEYSTORE_PASSWORD: "pw",
      });
      expect(config.keys).to.deep.equal({ kind: "keystore", dir: "/keys", password: "pw" });
    });

    it("names KUAJIE_KEYSTORE_PASSWORD when keystores have no password", function () {
      expect(failure({ KUAJIE_CONSORTIUM_SECRET: SECRET, KUAJIE_KEYSTORE_DIR: "/keys" }).variable).to.equal(
        "KUAJIE_KEYSTORE_PASSWORD",
      );
    });

    it("names KUAJIE_KEYSTORE_DIR when only the password is set", function () {
      expect(failure({ KUAJIE_CONSORTIUM_SECRET: SECRET, KUAJIE_KEYSTORE_PASSWORD: "pw" }).variable).to.equal(
        "KUAJIE_KEYSTORE_DIR",
      );
    });

    it("refuses both keystores and a mnemonic", function () {
      const error = failure({ ...BASE, KUAJIE_KEYSTORE_DIR: "/keys", KUAJIE_KEYSTORE_PASSWORD: "pw" });
      expect(error.variable).to.equal("KUAJIE_DEV_MNEMONIC");
      expect(error.message).to.match(/not both/);
    });

    it("names KUAJIE_DEV_MNEMONIC when development has no keys", function () {
      expect(failure({ KUAJIE_CONSORTIUM_SECRET: SECRET }).variable).to.equal("KUAJIE_DEV_MNEMONIC");
    });

    it("names KUAJIE_KEYSTORE_DIR when production has no keys", function () {
      expect(failure({ NODE_ENV: "production", KUAJIE_CONSORTIUM_SECRET: SECRET }).variable).to.equal(
        "KUAJIE_KEYSTORE_DIR",
      );
    });

    it("refuses development keys in production", function () {
      const error = failure({ ...BASE, NODE_ENV: "production" });
      expect(error.variable).to.equal("KUAJIE_DEV_MNEMONIC");
      expect(error.message).to.match(/refused when NODE_ENV=production/);
    });
  });

  describe("config file", function () {
    it("reads KUAJIE_CONFIG_FILE, with the environment taking precedence", function () {
      const cwd = emptyDir();
      fs.writeFileSync(
        path.join(cwd, "gw.json"),
        JSON.stringify({ KUAJIE_GATEWAY_PORT: 8181, KUAJIE_LOG_LEVEL: "warn", ...BASE }),
      );
      const config = load({ KUAJIE_CONFIG_FILE: "gw.json", KUAJIE_LOG_LEVEL: "error" }, cwd);
      expect(config.port).to.equal(8181);
      expect(config.logLevel).to.equal("error");
      expect(config.configFile).to.equal(path.join(cwd, "gw.json"));
    });

    it("reads .kuajie/dev/gateway.json in development when present", function () {
      const cwd = dirWithDevGatewayFile();
      expect(load({}, cwd).port).to.equal(8282);
    });

    it("ignores .kuajie/dev/gateway.json in production", function () {
      const cwd = dirWithDevGatewayFile();
      const config = load(
        {
          NODE_ENV: "production",
          KUAJIE_CONSORTIUM_SECRET: SECRET,
          KUAJIE_KEYSTORE_DIR: "/k",
          KUAJIE_KEYSTORE_PASSWORD: "p",
          KUAJIE_BACKEND_TOKEN: "a-production-backend-secret",
        },
        cwd,
      );
      expect(config.port).to.equal(8080);
    });

    it("names the variable of a wrong value that came from the file", function () {
      const cwd = emptyDir();
      fs.writeFileSync(path.join(cwd, "gw.json"), JSON.stringify({ ...BASE, KUAJIE_GATEWAY_PORT: "eighty" }));
      expect(failure({ KUAJIE_CONFIG_FILE: "gw.json" }, cwd).variable).to.equal("KUAJIE_GATEWAY_PORT");
    });

    it("names KUAJIE_CONFIG_FILE when the file is missing or not JSON", function () {
      const cwd = emptyDir();
      expect(failure({ ...BASE, KUAJIE_CONFIG_FILE: "missing.json" }, cwd).variable).to.equal("KUAJIE_CONFIG_FILE");
      fs.writeFileSync(path.join(cwd, "bad.json"), "{not json");
      expect(failure({ ...BASE, KUAJIE_CONFIG_FILE: "bad.json" }, cwd).variable).to.equal("KUAJIE_CONFIG_FILE");
    });

    it("names an unknown setting in the file (a typo would otherwise be silently ignored)", function () {
      const cwd = emptyDir();
      fs.writeFileSync(path.join(cwd, "gw.json"), JSON.stringify({ ...BASE, KUAJIE_GATEWAY_PROT: 1 }));
      expect(failure({ KUAJIE_CONFIG_FILE: "gw.json" }, cwd).variable).to.equal("KUAJIE_GATEWAY_PROT");
    });
  });

  it("reads the data directory alone for tools that need no secrets", function () {
    const cwd = emptyDir();
    expect(loadDataDir({ env: { KUAJIE_DATA_DIR: "data" }, cwd })).to.equal(path.join(cwd, "data"));
    expect(loadDataDir({ env: {}, cwd })).to.equal(path.join(cwd, ".kuajie/dev"));
  });

  it("describes itself without the secret, the mnemonic or the keystore password", function () {
    const config = load({
      KUAJIE_CONSORTIUM_SECRET: SECRET,
      KUAJIE_KEYSTORE_DIR: "/keys",
      KUAJIE_KEYSTORE_PASSWORD: "hunter2",
    });
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.to.include("5a5a5a");
    expect(text).not.to.include("hunter2");
    const dev = JSON.stringify(describeConfig(load(BASE)));
    expect(dev).not.to.include("junk");
  });
});
