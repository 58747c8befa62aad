import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import request from "supertest";
import { openDatabase } from "../../../server/src/common/db";
import { SessionService } from "../../../server/src/modules/auth/sessions";
import { TokenService } from "../../../server/src/modules/auth/service";
import { registerConsoleRoutes } from "../../../server/src/modules/console/routes";
import { ConsoleBundler } from "../../../server/src/modules/console/bundle";
import { consoleStaticRouter, findConsoleDir } from "../../../server/src/modules/console/static";
import { SessionStore } from "../../../server/src/store/sessions";
import { TokenStore } from "../../../server/src/store/tokens";
import { DEPARTMENTS, buildGateway } from "../support/gateway";
import { widgetsModule } from "../support/widgets";

const HOUR = 3_600_000;
const WIDGET = { name: "w", fields: [{ name: "a", type: "string" }] };

/** The console's sessions at the HTTP level (the browser walks them in test/console/). */
describe("console sessions", function () {
  let clock: number;
  let gateway: ReturnType<typeof buildGateway>;

  beforeEach(function () {
    clock = Date.UTC(2026, 10, 30, 9);
    const db = openDatabase(":memory:");
    const sessions = new SessionService(new SessionStore(db), new TokenService(new TokenStore(db)), () => clock);
    const departments = { byKey: (key: string) => DEPARTMENTS.find((d) => d.key === key) ?? null };
    gateway = buildGateway({
      db,
      now: () => clock,
      modules: [(registry) => registerConsoleRoutes(registry, sessions, departments), widgetsModule()],
    });
  });

  async function signIn(bearer = gateway.bearer("operator", "health"), host = "127.0.0.1") {
    const answer = await request(gateway.app).post("/console/session").set("authorization", bearer).set("host", host);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    const setCookie = ([] as string[]).concat(answer.headers["set-cookie"] ?? []);
    const cookie = setCookie[0].split(";")[0];
    return { answer, setCookie: setCookie[0], cookie, csrf: answer.body.csrfToken as string };
  }

  it("exchanges a token for an HttpOnly, SameSite=Strict cookie that expires after eight hours", async function () {
    const { answer, setCookie, cookie } = await signIn();
    expect(answer.body).to.include({ role: "operator", expiresAt: new Date(clock + 8 * HOUR).toISOString() });
    expect(answer.body.department).to.include({ key: "health" });
    expect(answer.body.csrfToken).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie).to.match(/^kj_session=ks_[A-Za-z0-9_-]{43}$/);
    expect(setCookie).to.include("HttpOnly").and.include("SameSite=Strict").and.include("Path=/");
    expect(setCookie).to.include(`Expires=${new Date(clock + 8 * HOUR).toUTCString()}`);
    expect(setCookie, "no Secure on loopback").not.to.include("Secure");
    const session = await request(gateway.app).get("/console/session").set("cookie", cookie);
    expect(session.status).to.equal(200);
    expect(session.body.csrfToken).to.equal(answer.body.csrfToken);
  });

  it("marks the cookie Secure when the console is reached by a name other than loopback", async function () {
    const { setCookie } = await signIn(undefined, "gateway.health.example.gov.cn");
    expect(setCookie).to.include("Secure");
  });

  it("keeps only the hash of the session id", async function () {
    const { cookie } = await signIn();
    const stored = JSON.stringify(gateway.db.prepare("SELECT * FROM console_sessions").all());
    expect(stored).not.to.include(cookie.split("=")[1]);
  });

  it("refuses sign-in without a bearer token, or with a bad one, and sets no cookie", async function () {
    const none = await request(gateway.app).post("/console/session");
    expect(none.status).to.equal(401);
    const bad = await request(gateway.app)
      .post("/console/session")
      .set("authorization", `Bearer kj_${"A".repeat(43)}`);
    expect(bad.status).to.equal(401);
    expect(bad.headers["set-cookie"]).to.equal(undefined);
  });

  it("authenticates API reads by the cookie, and writes only with the session's CSRF token", async function () {
    const { cookie, csrf } = await signIn();
    expect((await request(gateway.app).get("/v1/me").set("cookie", cookie)).body).to.deep.include({ role: "operator" });
    const without = await request(gateway.app).post("/v1/widgets").set("cookie", cookie).send(WIDGET);
    expect(without.status).to.equal(403);
    expect(without.body.type).to.equal("https://kuajie.dev/problems/csrf_failed");
    const wrong = await request(gateway.app)
      .post("/v1/widgets")
      .set("cookie", cookie)
      .set("x-csrf-token", `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}`)
      .send(WIDGET);
    expect(wrong.status).to.equal(403);
    const right = await request(gateway.app)
      .post("/v1/widgets")
      .set("cookie", cookie)
      .set("x-csrf-token", csrf)
      .send(WIDGET);
    expect(right.status).to.equal(201);
  });

  it("leaves bearer-token calls as they are: no CSRF token needed", async function () {
    const answer = await request(gateway.app)
      .post("/v1/widgets")
      .set("authorization", gateway.bearer("operator", "health"))
      .send(WIDGET);
    expect(answer.status).to.equal(201);
  });

  it("ends the session at its expiry: 401 session_ended", async function () {
    const { cookie } = await signIn();
    clock += 8 * HOUR - 1;
    expect((await request(gateway.app).get("/v1/me").set("cookie", cookie)).status).to.equal(200);
    clock += 1;
    const expired = await request(gateway.app).get("/v1/me").set("cookie", cookie);
    expect(expired.status).to.equal(401);
    expect(expired.body.type).to.equal("https://kuajie.dev/problems/session_ended");
  });

  it("ends the session with its token", async function () {
    const issued = gateway.tokens.create({ departmentKey: "health", role: "operator" });
    const { cookie } = await signIn(`Bearer ${issued.token}`);
    gateway.tokens.revoke(issued.id);
    expect((await request(gateway.app).get("/v1/me").set("cookie", cookie)).status).to.equal(401);
  });

  it("signs out: the session is gone and the cookie cleared (sign-out needs the CSRF token too)", async function () {
    const { cookie, csrf } = await signIn();
    expect((await request(gateway.app).delete("/console/session").set("cookie", cookie)).status).to.equal(403);
    const out = await request(gateway.app).delete("/console/session").set("cookie", cookie).set("x-csrf-token", csrf);
    expect(out.status).to.equal(204);
    expect(String(out.headers["set-cookie"])).to.match(/^kj_session=; .*Expires=Thu, 01 Jan 1970/);
    expect((await request(gateway.app).get("/v1/me").set("cookie", cookie)).status).to.equal(401);
  });

  it("keeps auditors read-only through a session as with their token", async function () {
    const { cookie, csrf } = await signIn(gateway.bearer("auditor"));
    const write = await request(gateway.app)
      .post("/v1/widgets")
      .set("cookie", cookie)
      .set("x-csrf-token", csrf)
      .send(WIDGET);
    expect(write.status).to.equal(403);
  });
});

describe("console pages", function () {
  it("serves /console/ from the repository's console folder under a CSP without inline script", async function () {
    const dir = findConsoleDir();
    expect(dir).to.be.a("string");
    const gateway = buildGateway({ modules: [(registry) => registry.router.use(consoleStaticRouter(dir!))] });
    expect((await request(gateway.app).get("/console")).headers.location).to.equal("/console/");
    const page = await request(gateway.app).get("/console/");
    expect(page.status).to.equal(200);
    expect(page.text).to.match(/<script type="module" src="js\/main\.[0-9a-f]{16}\.js"><\/script>/);
    expect(page.headers["cache-control"]).to.equal("no-cache");
    expect(page.text).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
    const csp = page.headers["content-security-policy"];
    expect(csp).to.include("script-src 'self'").and.include("style-src 'self'").and.include("frame-ancestors 'none'");
    expect(csp).not.to.include("unsafe-inline");
    const messages = await request(gateway.app).get("/console/messages/zh-CN.json");
    expect(messages.body.nav.inbox).to.equal("待办");
  });
});

/** A copy of the console's folder, to change its sources without touching the repository's. */
function consoleCopy(): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-console-"));
  fs.cpSync(findConsoleDir()!, copy, { recursive: true });
  return copy;
}

function bundleName(index: string): string {
  const match = /src="js\/(main\.[0-9a-f]{16}\.js)"/.exec(index);
  expect(match, index).to.not.equal(null);
  return match![1];
}

describe("console pages as one bundle", function () {
  let dir: string;
  let errors: unknown[];
  let gateway: ReturnType<typeof buildGateway>;

  beforeEach(function () {
    dir = consoleCopy();
    errors = [];
    const bundler = new ConsoleBundler(dir, (error) => errors.push(error));
    gateway = buildGateway({ modules: [(registry) => registry.router.use(consoleStaticRouter(dir, bundler))] });
  });

  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("names a bundle of every module in index.html and serves it for good, named by its content", async function () {
    const index = await request(gateway.app).get("/console/index.html");
    const name = bundleName(index.text);
    const bundle = await request(gateway.app).get(`/console/js/${name}`);
    expect(bundle.status).to.equal(200);
    expect(bundle.headers["content-type"]).to.match(/^text\/javascript/);
    expect(bundle.headers["cache-control"]).to.equal("public, max-age=31536000, immutable");
    expect(bundle.headers["content-security-policy"]).to.include("script-src 'self'");
    // main.js's own code and that of modules it imports (api.js, a page, a page's own import) are in it.
    expect(bundle.text).to.include("setCsrfToken").and.include("onSessionEnded").and.include("catalogRules");
    expect(bundle.text).not.to.match(/^import .* from "\.\.?\//m, "no relative import left");
    expect(bundle.text).to.include('import("/console/vendor/echarts.js")', "ECharts stays a file of its own");
    const digest = createHash("sha256").update(bundle.text).digest("hex").slice(0, 16);
    expect(name).to.equal(`main.${digest}.js`);
    expect((await request(gateway.app).head(`/console/js/${name}`)).status).to.equal(200);
    // Both carry a validator of their own (the app sends none elsewhere): a browser holding them is answered 304.
    expect(index.headers.etag).to.match(/^"[0-9a-f]{16}"$/);
    expect(bundle.headers.etag).to.equal(`"${digest}"`);
    const indexAgain = await request(gateway.app).get("/console/").set("if-none-match", index.headers.etag);
    expect(indexAgain.status).to.equal(304);
    const bundleAgain = await request(gateway.app).get(`/console/js/${name}`).set("if-none-match", `"${digest}"`);
    expect(bundleAgain.status).to.equal(304);
    const stale = await request(gateway.app).get("/console/").set("if-none-match", '"0123456789abcdef"');
    expect(stale.status).to.equal(200);
    // The plain modules are still there, and a name that is no bundle of this gateway is not.
    expect((await request(gateway.app).get("/console/js/api.js")).text).to.include("export function setCsrfToken");
    expect((await request(gateway.app).get("/console/js/main.0123456789abcdef.js")).status).to.equal(404);
    expect(errors).to.deep.equal([]);
  });

  it("bundles again when a module changed, and keeps serving the bundle a page loaded just before", async function () {
    const before = bundleName((await request(gateway.app).get("/console/")).text);
    expect(bundleName((await request(gateway.app).get("/console/")).text)).to.equal(before, "nothing changed");
    const flash = path.join(dir, "js/flash.js");
    fs.writeFileSync(flash, `${fs.readFileSync(flash, "utf8")}\nglobalThis.kuajieEdit = "an edit of this test";\n`);
    const after = bundleName((await request(gateway.app).get("/console/")).text);
    expect(after).to.not.equal(before);
    expect((await request(gateway.app).get(`/console/js/${after}`)).text).to.include("an edit of this test");
    expect((await request(gateway.app).get(`/console/js/${before}`)).status).to.equal(200);
  });

  it("builds once for the pages that ask during a build, off the event loop", async function () {
    const bundler = new ConsoleBundler(dir, (error) => errors.push(error));
    let turns = 0;
    const ticking = setInterval(() => (turns += 1), 0);
    const pages = [bundler.index(), bundler.index(), bundler.index()];
    const [a, b, c] = await Promise.all(pages);
    clearInterval(ticking);
    // The same answer for the three (one build, not three builds with equal results), and the event loop went on
    // turning while esbuild bundled in its own process.
    expect(b).to.equal(a);
    expect(c).to.equal(a);
    expect(bundler.bundleAt(`/js/${bundleName(a.text)}`)).to.not.equal(null);
    expect(turns).to.be.greaterThan(1);
    expect(errors).to.deep.equal([]);
  });

  it("serves index.html unchanged, the modules one by one, when they cannot be bundled", async function () {
    const flash = path.join(dir, "js/flash.js");
    const original = fs.readFileSync(flash, "utf8");
    fs.writeFileSync(flash, "export const broken = ;\n");
    const index = await request(gateway.app).get("/console/");
    expect(index.status).to.equal(200);
    expect(index.text).to.include('<script type="module" src="js/main.js"></script>');
    expect(errors).to.have.length(1);
    expect(String(errors[0])).to.include("flash.js");
    // Mended, the next load has its bundle again.
    fs.writeFileSync(flash, original);
    bundleName((await request(gateway.app).get("/console/")).text);
  });
});
