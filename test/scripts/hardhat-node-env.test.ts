import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { HARDHAT_NODE_ENV } from "../../scripts/lib/hardhat-node-env";
import { readSettings } from "../../scripts/start/settings";
import { nodeProcessSpec } from "../../scripts/start/supervision";

describe("the development Hardhat node's allocator settings", function () {
  it("are read by mimalloc in Hardhat's EVM library (EDR) when it loads", function () {
    this.timeout(30_000);
    const loaded = spawnSync(process.execPath, ["-e", "require('@nomicfoundation/edr')"], {
      env: { PATH: process.env.PATH, ...HARDHAT_NODE_ENV, MIMALLOC_VERBOSE: "1" },
      encoding: "utf8",
    });
    expect(loaded.status).to.equal(0);
    // mimalloc prints every option it settled on, once, at start-up.
    expect(loaded.stderr).to.match(/mimalloc: option 'purge_delay': -1\b/);
    expect(loaded.stderr).to.match(/mimalloc: option 'allow_large_os_pages': 0\b/);
  });

  it("are what a default mimalloc would not use (so that the settings change something)", function () {
    this.timeout(30_000);
    const loaded = spawnSync(process.execPath, ["-e", "require('@nomicfoundation/edr')"], {
      env: { PATH: process.env.PATH, MIMALLOC_VERBOSE: "1" },
      encoding: "utf8",
    });
    expect(loaded.status).to.equal(0);
    expect(loaded.stderr).to.match(/mimalloc: option 'purge_delay': \d+/);
    expect(loaded.stderr).not.to.match(/mimalloc: option 'purge_delay': -1\b/);
  });

  it("are in the environment npm start runs the node with, over the caller's own", function () {
    const settings = readSettings({ KUAJIE_DATA_DIR: "/tmp/kuajie-node-env-test" }, []);
    const spec = nodeProcessSpec(settings, { PATH: "/usr/bin", MIMALLOC_PURGE_DELAY: "10" });
    expect(spec.env).to.include({ PATH: "/usr/bin", ...HARDHAT_NODE_ENV });
    expect(spec.args).to.deep.equal(["node", "--hostname", "127.0.0.1", "--port", String(settings.rpcPort)]);
  });
});
