/**
 * The web console in a real browser (issue 12): headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against the five gateways of `npm start`, spawned through the process harness on free ports in a temporary data
 * directory. The one-card story through the console; sign-in with a bad token; an expired session; a cross-site
 * POST and a POST without the session's CSRF token; a clerk of one department trying another's action; axe-core on
 * every page; a screenshot of each main page into docs/console/.
 *
 * Skipped, saying why, only when no Chromium binary exists (`.ci/run` installs Debian's package when it is missing).
 * KUAJIE_CONSOLE_CREDENTIALS=<data dir>/credentials.json runs it against a stack already running instead.
 */
import http from "node:http";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { StackSite, freePort, type StartProcess } from "../../scripts/harness";
import {
  backendsFileSchema,
  credentialsSchema,
  devFiles,
  gatewayFiles,
  readJsonFile,
  type BackendsFile,
  type Credentials,
} from "../../scripts/lib/dev-files";
import { ATTACKER_HOST, chromiumPath, expectAccessible, launchChromium, screenshot } from "./support/browser";
import { ConsolePages } from "./support/pages";
import { agreementJson, describeClerkWork, expectedWorkingDays } from "./clerk-work";
import {
  COUNCIL,
  CONSUMER,
  PROVIDER,
  PURPOSE,
  WANTED_FIELDS,
  citizen,
  department,
  indexedAt,
  requestHealthCard,
  type Department,
} from "./support/story";

const STEP_MS = 60_000;

/**
 * The query page's and the consents page's forms both ask for the identity number under the same label: a locator
 * scoped to the page's own form waits for that page to be mounted instead of filling the previous page's input while
 * the hash navigation is still rendering.
 */
const queryForm = (page: Page) => page.locator("form", { has: page.locator('select[name="grant"]') });
const consentForm = (page: Page) => page.locator("form", { has: page.getByRole("button", { name: "登记同意" }) });

describe("the console in a real browser", function () {
  this.timeout(300_000);

  let browser: Browser;
  let site: StackSite | undefined;
  let start: StartProcess | undefined;
  let credentials: Credentials;
  let backends: BackendsFile;
  let dataDir: string;
  let request: { resourceId: string; agreementId: string };
  let health: Department;
  let civil: Department;
  let pages: ConsolePages;

  before(async function () {
    const executable = chromiumPath();
    if (executable === null) {
      console.log(
        "    skipped: no Chromium binary (/usr/bin/chromium, or KUAJIE_CHROMIUM); `apt-get install chromium` installs it",
      );
      this.skip();
    }
    const existing = process.env.KUAJIE_CONSOLE_CREDENTIALS;
    if (existing) {
      dataDir = path.dirname(existing);
    } else {
      site = await StackSite.create({}, "kuajie-console-");
      start = site.launch();
      await start.ready();
      dataDir = site.dataDir;
    }
    const files = devFiles(dataDir);
    credentials = readJsonFile(files.credentials, credentialsSchema, "credentials file");
    backends = readJsonFile(files.backends, backendsFileSchema, "backends file");
    health = department(credentials, PROVIDER);
    civil = department(credentials, CONSUMER);
    request = await requestHealthCard(credentials, backends);
    browser = await launchChromium(executable!);
    pages = new ConsolePages(browser, STEP_MS);
  });

  after(async function () {
    await pages?.close();
    await browser?.close().catch(() => undefined);
    if (start) await start.stop().catch(() => start!.killGroup());
    site?.remove();
  });

  afterEach(function () {
    pages?.expectNoCspViolation();
  });

  const newPage = (locale?: string) => pages.newPage(locale);
  const signIn = (page: Page, who: { gateway: string; token: string }) => pages.signIn(page, who);

  function exchangeResults(page: Page): Promise<Array<string | null>> {
    return page.locator("tr[data-result]").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-result")));
  }

  describe("the one-card story, through the console alone", function () {
    let idNumber: string;
    let subjectRef: string;
    let clerk: Page;
    let grantId: string;

    before(function () {
      idNumber = citizen(backends);
    });

    it("health's clerk sees civil affairs' request in the inbox, with its deadline, and approves it", async function () {
      const page = await newPage();
      await signIn(page, health);
      await expect(page.locator("h1")).to.be.ok;
      const card = page.locator(`li[data-agreement="${request.agreementId}"]`);
      await card.waitFor();
      const text = await card.innerText();
      expect(text).to.include("广州市民政局", "the requester by name");
      expect(text).to.include(PURPOSE);
      expect(text).to.include(WANTED_FIELDS.join(", "));
      expect(text).to.include("个人同意", "the legal basis in words");
      expect(text).to.match(/答复期限/);
      // The time left in working days, as the gateway counts them on the council's calendar.
      const counted = await agreementJson(page, String(request.agreementId));
      expect(await card.locator("[data-urgency]").innerText()).to.equal(expectedWorkingDays(counted));
      expect(await card.locator("[data-deadline]").getAttribute("data-deadline")).to.equal(counted.replyDeadlineDate);
      await expectAccessible(page, "inbox");
      await screenshot(page, "inbox");
      await card.getByRole("button", { name: "同意" }).click();
      await expect(await page.getByRole("status").innerText()).to.include(
        `申请 ${request.agreementId} 已同意：现为有效`,
      );
    });

    it("civil affairs' clerk issues a grant under the approved agreement", async function () {
      await indexedAt(credentials, civil);
      clerk = await newPage();
      await signIn(clerk, civil);
      await clerk.goto(`${civil.gateway}/console/#/grants`);
      const card = clerk.locator(`li[data-agreement="${request.agreementId}"]`);
      await card.getByRole("button", { name: "签发授权" }).click();
      const issued = /已在协议 (\d+) 下签发授权 (\d+)。/.exec(await clerk.getByRole("status").innerText());
      expect(issued?.[1]).to.equal(String(request.agreementId));
      grantId = issued![2];
      await expectAccessible(clerk, "grants");
      await screenshot(clerk, "grants");
    });

    it("records the citizen's consent, showing the identity number back only masked", async function () {
      await clerk.goto(`${civil.gateway}/console/#/consents`);
      await consentForm(clerk)
        .getByLabel(/^身份证号码（只发送一次/)
        .fill(idNumber);
      await clerk.getByRole("button", { name: "登记同意" }).click();
      const masked = `${idNumber.slice(0, 4)}**********${idNumber.slice(-4)}`;
      expect(await clerk.getByRole("status").innerText()).to.include(`已登记 ${masked} 的同意`);
      subjectRef = (await clerk.locator("[data-subject]").getAttribute("data-subject"))!;
      expect(subjectRef).to.match(/^0x[0-9a-f]{64}$/);
      expect(await clerk.locator('[data-consent] [data-status="active"]').innerText()).to.equal("有效");
      expect(await clerk.content()).not.to.include(idNumber, "the identity number is never shown back");
      expect(clerk.url()).not.to.include(idNumber);
      await expectAccessible(clerk, "consents");
      await screenshot(clerk, "consents");
    });

    it("queries the record and sees only the granted fields, with the receipt and its anchoring", async function () {
      // Both gateways decide on their own view of the chain: each has to have seen the grant and the consent.
      await indexedAt(credentials, civil);
      await indexedAt(credentials, health);
      await clerk.goto(`${civil.gateway}/console/#/query?grant=${grantId}`);
      await queryForm(clerk)
        .getByLabel(/^身份证号码（只发送一次/)
        .fill(idNumber);
      await clerk.getByRole("button", { name: "查询", exact: true }).click();
      const table = clerk.locator("table[data-fields]");
      await clerk.locator('table[data-fields], [role="alert"]').first().waitFor();
      expect(await clerk.locator('[role="alert"]').count(), await clerk.locator("main").innerText()).to.equal(0);
      expect(await table.getAttribute("data-fields")).to.equal(WANTED_FIELDS.join(","));
      expect(await clerk.locator("[data-receipt]").getAttribute("data-receipt")).to.match(/^0x[0-9a-f]{64}$/);
      const status = clerk.locator("[data-receipt-status]");
      for (let tries = 0; (await status.getAttribute("data-receipt-status")) !== "anchored"; tries += 1) {
        expect(tries, "the receipt is anchored within a minute").to.be.below(60);
        await clerk.getByRole("button", { name: "查看上链状态" }).click();
        await clerk.waitForTimeout(1_000);
      }
      expect(await clerk.locator(".receipt").innerText()).to.match(/已上链 .*批次 \d+ 区块 \d+ · 交易 0x/);
      expect(await clerk.content()).not.to.include(idNumber);
      await expectAccessible(clerk, "query");
      await screenshot(clerk, "query");
    });

    it("withdraws the consent at the citizen's request", async function () {
      await clerk.goto(`${civil.gateway}/console/#/consents?subject=${subjectRef}`);
      const active = clerk.locator("[data-consent]", { has: clerk.locator('[data-status="active"]') });
      await active.getByRole("button", { name: "应本人要求撤回" }).click();
      expect(await clerk.getByRole("status").innerText()).to.match(/现为已撤回/);
      expect(await clerk.locator('[data-consent] [data-status="active"]').count()).to.equal(0);
    });

    it("the next query is refused, the reason shown in words", async function () {
      await indexedAt(credentials, civil);
      await indexedAt(credentials, health);
      await clerk.goto(`${civil.gateway}/console/#/query?grant=${grantId}`);
      await queryForm(clerk)
        .getByLabel(/^身份证号码（只发送一次/)
        .fill(idNumber);
      await clerk.getByRole("button", { name: "查询", exact: true }).click();
      const refusal = clerk.locator('[role="alert"][data-reason]');
      await refusal.waitFor();
      expect(await refusal.getAttribute("data-reason")).to.equal("consent_withdrawn");
      const text = await refusal.innerText();
      expect(text).to.include("已拒绝：本次使用所依据的同意已被公民撤回");
      expect(text).to.include("请先在“同意管理”页登记新的同意");
      expect(await clerk.locator("table[data-fields]").count()).to.equal(0, "no data shown");
      await screenshot(clerk, "query-refused");
    });

    it("the auditor's timeline of the citizen shows both fetches and the withdrawal", async function () {
      const page = await newPage();
      await signIn(page, { gateway: civil.gateway, token: credentials.auditor.token });
      await page.goto(`${civil.gateway}/console/#/timeline?subject=${subjectRef}`);
      const entries = page.locator("ol.timeline > li");
      await entries.first().waitFor();
      const events = await entries.evaluateAll((items) => items.map((item) => item.getAttribute("data-event")));
      // In time order: her consent, the delivered fetch, the withdrawal, the refused fetch (earlier runs on the same
      // stack may add their own entries before these).
      expect(events.slice(-4)).to.deep.equal(["recorded", "fetch-delivered", "withdrawn", "fetch-denied"]);
      expect(await entries.last().innerText()).to.include("同意已撤回");
      await expectAccessible(page, "timeline");
      await screenshot(page, "timeline");
    });

    it("health's clerk sees its catalog entry, the agreement's history on chain and the exchange it served", async function () {
      const page = await newPage();
      await signIn(page, health);
      await page.goto(`${health.gateway}/console/#/catalog`);
      await page.locator(`li[data-resource="${request.resourceId}"]`).waitFor();
      await expectAccessible(page, "catalog");
      await screenshot(page, "catalog");

      await page.goto(`${health.gateway}/console/#/agreement?id=${request.agreementId}`);
      const steps = page.locator("ol.timeline > li");
      await steps.first().waitFor();
      const events = await steps.evaluateAll((items) => items.map((item) => item.getAttribute("data-event")));
      expect(events).to.include.members(["AgreementRequested", "AgreementApproved"]);
      expect(await page.locator("ol.timeline").innerText()).to.match(/区块 \d+ · 交易 0x/);
      await expectAccessible(page, "agreement");
      await screenshot(page, "agreement");
      // Its provider suspends it and resumes it from the same page; each step is a new event on chain.
      await page.getByRole("button", { name: "暂停" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: `协议 ${request.agreementId}：现为已暂停` })
        .waitFor();
      await page.getByRole("button", { name: "恢复" }).click();
      // The page is drawn again with the new state: wait for its notice, not the one before.
      await page
        .getByRole("status")
        .filter({ hasText: `协议 ${request.agreementId}：现为有效` })
        .waitFor();
      const after = await steps.evaluateAll((items) => items.map((item) => item.getAttribute("data-event")));
      expect(after).to.include.members(["AgreementSuspended", "AgreementResumed"]);

      await page.goto(`${health.gateway}/console/#/exchanges`);
      await page.locator("tr[data-result]").first().waitFor();
      expect(await exchangeResults(page)).to.include("delivered", "the exchange it served");
      await expectAccessible(page, "exchanges");
    });

    it("civil affairs' clerk sees its exchanges, delivered and refused (the refusal was its own gateway's)", async function () {
      await clerk.goto(`${civil.gateway}/console/#/exchanges`);
      await clerk.locator("tr[data-result]").first().waitFor();
      expect(await exchangeResults(clerk)).to.include.members(["delivered", "denied"]);
      await clerk.goto(`${civil.gateway}/console/#/exchanges?result=denied`);
      // The same page re-renders for the filter: wait for the unfiltered list's rows to go, not for any row.
      await clerk.locator('tr[data-result="delivered"]').first().waitFor({ state: "detached" });
      await clerk.locator("tr[data-result]").first().waitFor();
      expect(new Set(await exchangeResults(clerk))).to.deep.equal(new Set(["denied"]), "the filter in the URL");
      expect(await clerk.locator("tr[data-result]").first().innerText()).to.include("同意已撤回");
      await expectAccessible(clerk, "exchanges");
      await screenshot(clerk, "exchanges");
    });

    it("civil affairs' clerk sees its request in force", async function () {
      await clerk.goto(`${civil.gateway}/console/#/requests?status=active`);
      const card = clerk.locator(`li[data-agreement="${request.agreementId}"]`);
      await card.waitFor();
      expect(await card.innerText()).to.include("有效");
      await expectAccessible(clerk, "requests");
    });

    it("switches to English, dates and all", async function () {
      await clerk.goto(`${civil.gateway}/console/#/consents?subject=${subjectRef}`);
      await clerk.locator("#lang").selectOption("en");
      await clerk.getByRole("heading", { name: "A citizen's consents" }).waitFor();
      expect(await clerk.locator("html").getAttribute("lang")).to.equal("en");
      expect(await clerk.locator("[data-consent]").first().innerText()).to.match(/withdrawn/);
      await expectAccessible(clerk, "consents (English)");
      await clerk.locator("#lang").selectOption("zh-CN");
      await clerk.getByRole("heading", { name: "公民的同意记录" }).waitFor();
    });
  });

  describe("the council's page", function () {
    it("lists the proposals with their quorum bar", async function () {
      const page = await newPage();
      await signIn(page, department(credentials, COUNCIL));
      await page.goto(`${department(credentials, COUNCIL).gateway}/console/#/council?status=executed`);
      const first = page.locator("li[data-proposal]").first();
      await first.waitFor();
      expect(await first.innerText()).to.match(/已同意 1 \/ 需 1/);
      expect(await first.getByRole("progressbar").getAttribute("aria-valuenow")).to.equal("1");
      await expectAccessible(page, "council");
      await screenshot(page, "council");
    });
  });

  describe("refusals", function () {
    it("refuses sign-in with a bad token, and sets no cookie", async function () {
      const page = await newPage();
      await page.goto(`${civil.gateway}/console/`);
      await page.getByLabel("API 令牌").waitFor();
      await expectAccessible(page, "sign-in");
      await screenshot(page, "sign-in");
      await page.getByLabel("API 令牌").fill(`kj_${"A".repeat(43)}`);
      await page.getByRole("button", { name: "登录" }).click();
      expect(await page.getByRole("alert").innerText()).to.include("此令牌在本网关不被接受");
      expect(await page.context().cookies()).to.deep.equal([]);
    });

    it("refuses another department's token at this gateway", async function () {
      const page = await newPage();
      await page.goto(`${civil.gateway}/console/`);
      await page.getByLabel("API 令牌").fill(health.token);
      await page.getByRole("button", { name: "登录" }).click();
      expect(await page.getByRole("alert").innerText()).to.include("属于其他部门的网关");
    });

    it("sets the session cookie HttpOnly, SameSite=Strict and expiring", async function () {
      const page = await newPage();
      await signIn(page, civil);
      const [cookie] = await page.context().cookies();
      expect(cookie).to.include({ name: "kj_session", httpOnly: true, sameSite: "Strict", secure: false });
      const hours = (cookie.expires * 1000 - Date.now()) / 3_600_000;
      expect(hours).to.be.within(7.9, 8.01);
      expect(
        await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie),
      ).to.equal("", "not readable by scripts");
    });

    it("sends an expired session back to sign-in, and the API refuses its cookie", async function () {
      const page = await newPage();
      await signIn(page, civil);
      const [cookie] = await page.context().cookies();
      // The gateway's clock cannot be moved from here: its record of the session is made to have expired.
      const db = new Database(gatewayFiles(devFiles(dataDir), CONSUMER).database);
      try {
        const expired = db
          .prepare("UPDATE console_sessions SET expires_at = ? WHERE expires_at > ?")
          .run(Date.now() - 1, Date.now());
        expect(expired.changes).to.be.at.least(1);
      } finally {
        db.close();
      }
      const api = await page.request.get(`${civil.gateway}/v1/grants`, {
        headers: { cookie: `kj_session=${cookie.value}` },
      });
      expect(api.status()).to.equal(401);
      await page.goto(`${civil.gateway}/console/#/grants`);
      await page.reload();
      expect(await page.getByRole("status").innerText()).to.equal("会话已结束，请重新登录。");
      await page.getByLabel("API 令牌").waitFor();
    });

    it("refuses a POST from another site (the browser does not send the cookie) and one without the CSRF token", async function () {
      const page = await newPage();
      await signIn(page, civil);
      const grants = await page.evaluate(async () => (await fetch("/v1/grants")).json());
      const grant = (grants as { items: Array<{ grantId: number; status: string }> }).items.find(
        (g) => g.status === "active",
      )!;
      expect(grant, "an active grant to attack").to.be.ok;

      // A page of another site that posts a form to the gateway as soon as it loads.
      const port = await freePort();
      const attacker = http.createServer((req, res) => {
        if (req.url === "/post.js") {
          res.writeHead(200, { "content-type": "text/javascript" }).end("document.forms[0].submit();");
        } else {
          res
            .writeHead(200, { "content-type": "text/html" })
            .end(
              `<!doctype html><html lang="en"><title>x</title><form method="post" action="${civil.gateway}/v1/grants/${grant.grantId}/revoke"></form><script src="/post.js"></script></html>`,
            );
        }
      });
      await new Promise<void>((resolve) => attacker.listen(port, "127.0.0.1", resolve));
      try {
        const answered = page.waitForResponse((r) => r.url().endsWith(`/v1/grants/${grant.grantId}/revoke`));
        await page.goto(`http://${ATTACKER_HOST}:${port}/`);
        expect((await answered).status()).to.equal(401, "SameSite=Strict: no cookie on a cross-site request");
      } finally {
        attacker.close();
      }

      // Same site, the cookie sent, but without the session's CSRF token: refused.
      await page.goto(`${civil.gateway}/console/#/grants`);
      const refused = await page.evaluate(async (id) => {
        const response = await fetch(`/v1/grants/${id}/pause`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        return { status: response.status, body: (await response.json()) as { type: string } };
      }, grant.grantId);
      expect(refused.status).to.equal(403);
      expect(refused.body.type).to.equal("https://kuajie.dev/problems/csrf_failed");
      const after = await page.evaluate(
        async (id) => ((await (await fetch(`/v1/grants/${id}`)).json()) as { status: string }).status,
        grant.grantId,
      );
      expect(after).to.equal("active", "nothing changed");
    });

    it("refuses a clerk of one department another department's action, and shows none of its data", async function () {
      const page = await newPage();
      await signIn(page, civil);
      // Civil affairs is no provider: its inbox holds nothing of health's.
      await page.goto(`${civil.gateway}/console/#/inbox?status=all`);
      await page.getByText("暂无。").waitFor();
      // Approving health's request (as if a crafted request from the console, with the session's cookie and CSRF
      // token) is refused by the gateway.
      const answer = await page.evaluate(async (agreementId) => {
        const session = (await (await fetch("/console/session")).json()) as { csrfToken: string };
        const response = await fetch(`/v1/agreements/${agreementId}/approve`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
          body: "{}",
        });
        const type = ((await response.json()) as { type?: string }).type ?? "";
        return { status: response.status, code: type.slice(type.lastIndexOf("/") + 1) };
      }, request.agreementId);
      expect(answer.status).to.equal(403);
      expect(answer.code).to.equal("not_party");
      // Nor is the council's page there for a clerk.
      await page.goto(`${civil.gateway}/console/#/council`);
      await page.waitForURL(/#\/inbox/);
      expect(await page.locator("#nav").innerText()).not.to.include("联席会议");
    });
  });

  // console12a: the clerks' forms and the council's cases; it moves the chain's clock, so it stays last.
  describeClerkWork({
    stack: () => ({ credentials, resourceId: request.resourceId }),
    newPage,
    signIn,
  });
});
