import { createHash } from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import { RateLimiter } from "../../../server/src/common/rate-limit";
import { TokenService } from "../../../server/src/modules/auth/service";
import { openDatabase } from "../../../server/src/common/db";
import { TokenStore } from "../../../server/src/store/tokens";
import { DEPARTMENTS, buildGateway } from "../support/gateway";
import { widgetsModule } from "../support/widgets";

const WIDGET = { name: "w", fields: [{ name: "a", type: "string" }] };

describe("auth", function () {
  describe("TokenService", function () {
    const db = openDatabase(":memory:");
    const tokens = new TokenService(new TokenStore(db));

    it("issues kj_-prefixed 32-byte base64url tokens and stores only their SHA-256", function () {
      const issued = tokens.create({ departmentKey: "health", role: "operator", label: "ops" });
      expect(issued.token).to.match(/^kj_[A-Za-z0-9_-]{43}$/);
      const rows = db.prepare("SELECT * FROM tokens").all() as Array<Record<string, unknown>>;
      const stored = JSON.stringify(rows.map((r) => ({ ...r, token_hash: (r.token_hash as Buffer).toString("hex") })));
      expect(stored).not.to.include(issued.token);
      expect(stored).to.include(createHash("sha256").update(issued.token).digest("hex"));
    });

    it("verifies an active token to its role and department", function () {
      const issued = tokens.create({ departmentKey: "health", role: "council" });
      expect(tokens.verify(issued.token)).to.deep.equal({
        tokenId: issued.id,
        role: "council",
        departmentKey: "health",
      });
    });

    it("rejects unknown, malformed and revoked tokens", function () {
      const issued = tokens.create({ departmentKey: "health", role: "operator" });
      expect(tokens.verify(`kj_${"A".repeat(43)}`)).to.equal(null);
      expect(tokens.verify("not-a-token")).to.equal(null);
      tokens.revoke(issued.id);
      expect(tokens.verify(issued.token)).to.equal(null);
    });

    it("lists tokens without their secrets and refuses a second revocation", function () {
      const issued = tokens.create({ departmentKey: null, role: "auditor", label: "audit office" });
      const listed = tokens.list().find((t) => t.id === issued.id);
      expect(listed).to.deep.equal({
        id: issued.id,
        departmentKey: null,
        role: "auditor",
        label: "audit office",
        createdAt: issued.createdAt,
        revokedAt: null,
      });
      expect(JSON.stringify(tokens.list())).not.to.include("kj_");
      tokens.revoke(issued.id);
      expect(() => tokens.revoke(issued.id)).to.throw(/already revoked/);
      expect(() => tokens.revoke(999_999)).to.throw(/no token/);
    });

    it("requires a department for operator and council tokens", function () {
      expect(() => tokens.create({ departmentKey: null, role: "operator" })).to.throw(/act for a department/);
      expect(() => tokens.create({ departmentKey: "Not A Key", role: "operator" })).to.throw(/department key/);
    });
  });

  describe("over HTTP", function () {
    const gateway = buildGateway({ modules: [widgetsModule()] });
    const operator = gateway.bearer("operator", "health");
    const council = gateway.bearer("council", "data-bureau");
    const auditor = gateway.bearer("auditor");

    it("answers 401 problem+json without a token", async function () {
      const res = await request(gateway.app).get("/v1/me");
      expect(res.status).to.equal(401);
      expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
      expect(res.headers["www-authenticate"]).to.match(/^Bearer/);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/unauthorized");
    });

    it("answers 401 for an unknown token, a malformed header and a revoked token", async function () {
      await request(gateway.app)
        .get("/v1/me")
        .set("Authorization", `Bearer kj_${"B".repeat(43)}`)
        .expect(401);
      await request(gateway.app).get("/v1/me").set("Authorization", "Basic dXNlcjpwdw==").expect(401);
      const issued = gateway.tokens.create({ departmentKey: "health", role: "operator" });
      await request(gateway.app).get("/v1/me").set("Authorization", `Bearer ${issued.token}`).expect(200);
      gateway.tokens.revoke(issued.id);
      await request(gateway.app).get("/v1/me").set("Authorization", `Bearer ${issued.token}`).expect(401);
    });

    it("GET /v1/me returns the department and role", async function () {
      const res = await request(gateway.app).get("/v1/me").set("Authorization", council).expect(200);
      expect(res.body).to.deep.equal({ department: DEPARTMENTS[0], role: "council" });
      const health = await request(gateway.app).get("/v1/me").set("Authorization", operator).expect(200);
      expect(health.body.department.key).to.equal("health");
      expect(health.body.role).to.equal("operator");
    });

    it("GET /v1/me says an auditor without department has none, and an unregistered department has no id", async function () {
      const res = await request(gateway.app).get("/v1/me").set("Authorization", auditor).expect(200);
      expect(res.body).to.deep.equal({ department: null, role: "auditor" });
      const unregistered = gateway.bearer("operator", "gz-civil-affairs");
      const other = await request(gateway.app).get("/v1/me").set("Authorization", unregistered).expect(200);
      expect(other.body.department).to.deep.equal({ key: "gz-civil-affairs", id: null, name: null });
    });

    it("lets operators and council members call operator routes", async function () {
      await request(gateway.app).post("/v1/widgets").set("Authorization", operator).send(WIDGET).expect(201);
      await request(gateway.app).post("/v1/widgets").set("Authorization", council).send(WIDGET).expect(201);
    });

    it("answers 403 to an auditor on a write route", async function () {
      const res = await request(gateway.app).post("/v1/widgets").set("Authorization", auditor).send(WIDGET);
      expect(res.status).to.equal(403);
      expect(res.body.type).to.equal("https://kuajie.dev/problems/forbidden");
    });

    it("answers 403 to an operator on a council route, 202 to a council member", async function () {
      const res = await request(gateway.app).post("/v1/council/widgets").set("Authorization", operator);
      expect(res.status).to.equal(403);
      expect(res.body.needed).to.deep.equal(["council"]);
      await request(gateway.app).post("/v1/council/widgets").set("Authorization", council).expect(202);
    });

    it("keeps auditor routes for auditors", async function () {
      await request(gateway.app).get("/v1/audit/widgets").set("Authorization", auditor).expect(200);
      await request(gateway.app).get("/v1/audit/widgets").set("Authorization", council).expect(403);
    });

    it("lets an auditor read, but not compute a subject reference (an oracle for identity numbers)", async function () {
      await request(gateway.app).get("/v1/widgets/7").set("Authorization", auditor).expect(200);
      await request(gateway.app)
        .post("/v1/subjects/ref")
        .set("Authorization", auditor)
        .send({ idType: "passport", idNumber: "E12345678" })
        .expect(403);
    });

    it("checks the token before validating the body", async function () {
      await request(gateway.app).post("/v1/widgets").send({}).expect(401);
    });
  });

  describe("failed-attempt limit", function () {
    it("answers 429 after 20 failures a minute from one address, valid token or not, then recovers", async function () {
      let now = 1_000_000;
      const gateway = buildGateway({ authFailures: { now: () => now } });
      const valid = gateway.bearer("operator");
      for (let i = 0; i < 20; i++) {
        await request(gateway.app)
          .get("/v1/me")
          .set("Authorization", `Bearer kj_${"C".repeat(43)}`)
          .expect(401);
      }
      const limited = await request(gateway.app).get("/v1/me").set("Authorization", valid);
      expect(limited.status).to.equal(429);
      expect(limited.body.type).to.equal("https://kuajie.dev/problems/too_many_requests");
      expect(Number(limited.headers["retry-after"])).to.be.within(1, 60);
      now += 61_000;
      await request(gateway.app).get("/v1/me").set("Authorization", valid).expect(200);
    });

    it("counts per address", function () {
      const limiter = new RateLimiter({ limit: 2, windowMs: 1000, now: () => 0 });
      limiter.record("a");
      limiter.record("a");
      expect(limiter.blockedFor("a")).to.equal(1);
      expect(limiter.blockedFor("b")).to.equal(null);
    });
  });
});
