import { expect } from "chai";
import { ConfigError, loadConfig } from "../../../../server/src/common/config";

const BASE = {
  KUAJIE_CONSORTIUM_SECRET: "5a".repeat(32),
  KUAJIE_DEV_MNEMONIC: "test test test test test test test test test test test junk",
};

describe("Config: the consumer's side of the exchange", function () {
  const load = (env: Record<string, string>) => loadConfig({ env: { ...BASE, ...env }, cwd: "/nonexistent-kuajie" });

  it("waits 10 s for a provider and refuses fetches on a view older than 30 s by default", function () {
    expect(load({})).to.include({ exchangeTimeoutMs: 10_000, viewMaxLagSeconds: 30 });
  });

  it("reads KUAJIE_EXCHANGE_TIMEOUT_MS and refuses a value that is not a positive number of milliseconds", function () {
    expect(load({ KUAJIE_EXCHANGE_TIMEOUT_MS: "2500" }).exchangeTimeoutMs).to.equal(2500);
    for (const wrong of ["0", "ten", "600001"]) {
      expect(() => load({ KUAJIE_EXCHANGE_TIMEOUT_MS: wrong }))
        .to.throw(ConfigError)
        .with.property("variable", "KUAJIE_EXCHANGE_TIMEOUT_MS");
    }
  });
});
