import { expect } from "chai";
import request from "supertest";
import { ConfigError, loadConfig } from "../../../../server/src/common/config";
import { clientKey } from "../../../../server/src/modules/auth/client-key";
import { buildGateway } from "../../support/gateway";

const BASE = {
  KUAJIE_CONSORTIUM_SECRET: "0x" + "5a".repeat(32),
  KUAJIE_DEV_MNEMONIC: "test test test test test test test test test test test junk",
  KUAJIE_DATA_DIR: "/nonexistent/kuajie-trust-proxy-test",
};
const BAD_TOKEN = `Bearer kj_${"C".repeat(43)}`;

function trustProxyOf(env: Record<string, string>) {
  return loadConfig({ env: { ...BASE, ...env }, cwd: "/nonexistent" }).trustProxy;
}

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ env: { ...BASE, ...env }, cwd: "/nonexistent" });
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

async function flood(app: Parameters<typeof request>[0], forwardedFor: (i: number) => string, count = 20) {
  for (let i = 0; i < count; i++) {
    await request(app)
      .get("/v1/me")
      .set("X-Forwarded-For", forwardedFor(i))
      .set("Authorization", BAD_TOKEN)
      .expect(401);
  }
}

describe("auth behind a proxy (issue 11, item 8)", function () {
  describe("KUAJIE_TRUST_PROXY", function () {
    it("trusts no proxy by default", function () {
      expect(trustProxyOf({})).to.equal(false);
      expect(trustProxyOf({ KUAJIE_TRUST_PROXY: "false" })).to.equal(false);
      expect(trustProxyOf({ KUAJIE_TRUST_PROXY: "none" })).to.equal(false);
    });

    it("accepts express's forms: a hop count, or a list of names, addresses and subnets", function () {
      expect(trustProxyOf({ KUAJIE_TRUST_PROXY: "1" })).to.equal(1);
      expect(trustProxyOf({ KUAJIE_TRUST_PROXY: "loopback" })).to.deep.equal(["loopback"]);
      expect(trustProxyOf({ KUAJIE_TRUST_PROXY: "loopback, 10.0.0.0/8 ,fd00::/8,192.168.1.7" })).to.deep.equal([
        "loopback",
        "10.0.0.0/8",
        "fd00::/8",
        "192.168.1.7",
      ]);
    });

    it("refuses a value that is neither, naming the variable", function () {
      for (const value of ["proxy.example.org", "10.0.0.0/33", "0", "loopback,,", "999.1.1.1"]) {
        const err = refusal({ KUAJIE_TRUST_PROXY: value });
        expect(err.variable, value).to.equal("KUAJIE_TRUST_PROXY");
      }
    });

    it("refuses `true` in production (any client could then spoof X-Forwarded-For), allows it in development", function () {
      const err = refusal({ KUAJIE_TRUST_PROXY: "true", NODE_ENV: "production", KUAJIE_DEV_MNEMONIC: "" });
      const problem = err.problems.find((p) => p.variable === "KUAJIE_TRUST_PROXY");
      expect(problem?.message).to.match(/X-Forwarded-For/);
      expect(trustProxyOf({ KUAJIE_TRUST_PROXY: "true" })).to.equal(true);
    });
  });

  describe("the failed-authentication limit", function () {
    it("with the default, ignores X-Forwarded-For: a flood from 'different' forwarded addresses locks out the socket address", async function () {
      const gateway = buildGateway({ trustProxy: trustProxyOf({}) });
      const valid = gateway.bearer("operator");
      await flood(gateway.app, (i) => `203.0.113.${i + 1}`);
      const res = await request(gateway.app)
        .get("/v1/me")
        .set("X-Forwarded-For", "198.51.100.77")
        .set("Authorization", valid);
      expect(res.status).to.equal(429);
      expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
    });

    it("behind a configured proxy, limits two clients separately by their forwarded address", async function () {
      const gateway = buildGateway({ trustProxy: trustProxyOf({ KUAJIE_TRUST_PROXY: "loopback" }) });
      const valid = gateway.bearer("operator");
      await flood(gateway.app, () => "203.0.113.9");
      await request(gateway.app)
        .get("/v1/me")
        .set("X-Forwarded-For", "203.0.113.9")
        .set("Authorization", valid)
        .expect(429);
      await request(gateway.app)
        .get("/v1/me")
        .set("X-Forwarded-For", "203.0.113.10")
        .set("Authorization", valid)
        .expect(200);
    });

    it("behind a configured proxy, does not let a client escape its limit by prepending addresses of its own", async function () {
      const gateway = buildGateway({ trustProxy: trustProxyOf({ KUAJIE_TRUST_PROXY: "loopback" }) });
      // The proxy appends the address it saw; what the client wrote before it is not trusted.
      await flood(gateway.app, (i) => `10.9.9.${i}, 203.0.113.9`);
      const res = await request(gateway.app)
        .get("/v1/me")
        .set("X-Forwarded-For", "10.9.9.250, 203.0.113.9")
        .set("Authorization", gateway.bearer("operator"));
      expect(res.status).to.equal(429);
    });
  });

  describe("clientKey", function () {
    it("is the IPv4 address, with IPv4-mapped IPv6 unwrapped", function () {
      expect(clientKey("203.0.113.9")).to.equal("203.0.113.9");
      expect(clientKey("::ffff:203.0.113.9")).to.equal("203.0.113.9");
    });

    it("is the /64 of an IPv6 address, which one client holds whole", function () {
      expect(clientKey("2001:db8:1:2:aaaa::1")).to.equal("2001:db8:1:2::/64");
      expect(clientKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).to.equal("2001:db8:1:2::/64");
      expect(clientKey("2001:db8::1")).to.equal("2001:db8:0:0::/64");
      expect(clientKey("2001:db8:1:3::1")).not.to.equal(clientKey("2001:db8:1:2::1"));
    });

    it("falls back to the raw value for anything else", function () {
      expect(clientKey(undefined)).to.equal("unknown");
    });
  });
});
