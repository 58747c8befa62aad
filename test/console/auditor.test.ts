/**
 * The auditor's pages of the console in a real browser (issue 12): the supervision scorecard with its charts and the
 * receipts check, on the five gateways of `npm start` after `npm run demo` has walked its story (approvals, a request
 * left unanswered and escalated, fetches delivered and refused, both sides' receipts anchored and written to
 * demo-receipts-{consumer,provider}.json). The scorecard's tables must show the gateway's figures, and those must be
 * the auditor's own (`npm run audit -- report`); the receipts check must pass the demo's files and name the violation
 * in a tampered one.
 *
 * Skipped, saying why, only when no Chromium binary exists (as test/console/console.test.ts).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { ROOT, StackSite, TS_NODE, type StartProcess } from "../../scripts/harness";
import { credentialsSchema, devFiles, readJsonFile, type Credentials } from "../../scripts/lib/dev-files";
import { chromiumPath, expectAccessible, launchChromium, screenshot } from "./support/browser";
import { runDemo } from "./support/demo";
import { ConsolePages } from "./support/pages";
import { CONSUMER, department, indexedAt, type Department } from "./support/story";

const STEP_MS = 60_000;
const DEMO_BOUND_MS = 300_000;

interface Card {
  id: string;
  name: string;
  requestsReceived: number;
  approvals: number;
  rejections: number;
  repliesPastDeadline: number;
  overdue: number;
  escalations: number;
  deliveries: number;
  failures: number;
  denialsByReason: Record<string, number>;
  consentsRecorded: number;
  grants: number;
}

interface ReceiptEntry {
  receipt: { id: string; department: string; provider: string; result: string; fieldMask: string };
  role?: string;
  requestId?: string;
}

describe("the auditor's pages in a real browser", function () {
  this.timeout(DEMO_BOUND_MS + 300_000);

  let browser: Browser;
  let site: StackSite | undefined;
  let start: StartProcess | undefined;
  let credentials: Credentials;
  let civil: Department;
  let auditorPage: Page;
  let pages: ConsolePages;
  const files = { consumer: "", provider: "" };

  before(async function () {
    const executable = chromiumPath();
    if (executable === null) {
      console.log(
        "    skipped: no Chromium binary (/usr/bin/chromium, or KUAJIE_CHROMIUM); `apt-get install chromium` installs it",
      );
      this.skip();
    }
    site = await StackSite.create({}, "kuajie-console-auditor-");
    start = site.launch();
    await start.ready();
    await runDemo(site.dataDir, DEMO_BOUND_MS);
    credentials = readJsonFile(devFiles(site.dataDir).credentials, credentialsSchema, "credentials file");
    civil = department(credentials, CONSUMER);
    await indexedAt(credentials, civil);
    files.consumer = path.join(site.dataDir, "demo-receipts-consumer.json");
    files.provider = path.join(site.dataDir, "demo-receipts-provider.json");
    browser = await launchChromium(executable!);
    pages = new ConsolePages(browser, STEP_MS);
    auditorPage = await pages.newPage();
    await pages.signIn(auditorPage, { gateway: civil.gateway, token: credentials.auditor.token });
  });

  after(async function () {
    await pages?.close();
    await browser?.close().catch(() => undefined);
    await start?.stop().catch(() => start!.killGroup());
    site?.remove();
  });

  afterEach(() => pages?.expectNoCspViolation());

  /** The scorecard as the page's own session reads it from the API. */
  async function apiScorecard(
    page: Page,
    query = "",
  ): Promise<{ from: number | null; to: number; departments: Card[] }> {
    return (await page.evaluate(async (q) => (await fetch(`/v1/audit/scorecard${q}`)).json(), query)) as {
      from: number | null;
      to: number;
      departments: Card[];
    };
  }

  /** The figure of one department in one of the page's tables, as shown. */
  function cell(page: Page, table: string, departmentId: string, field: string) {
    return page.locator(`table[data-table="${table}"] tr[data-department="${departmentId}"] td[data-field="${field}"]`);
  }

  /** `npm run audit -- report` on the stack's chain, with civil affairs' receipts (those its gateway wrote). */
  function auditorReport(): { departments: Card[] } {
    const result = spawnSync(
      TS_NODE,
      [
        "--transpile-only",
        "scripts/audit/cli.ts",
        "report",
        "--rpc",
        credentials.rpc,
        "--deployment",
        devFiles(site!.dataDir).deployment,
        "--receipts",
        files.consumer,
        "--json",
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
    );
    expect(result.status, result.stdout + result.stderr).to.equal(0);
    return (JSON.parse(result.stdout) as { data: { departments: Card[] } }).data;
  }

  describe("the supervision scorecard", function () {
    it("charts the demo's figures with a table of each, the API's and the auditor's own", async function () {
      const page = auditorPage;
      await page.goto(`${civil.gateway}/console/#/scorecard`);
      await page.locator('table[data-table="replies"]').waitFor();
      await page.locator('.chart[data-chart="replies"] svg').waitFor();
      const api = await apiScorecard(page);

      // The gateway's figures are the auditor's: the same code over the same chain and the same receipts.
      const report = auditorReport();
      const figures = (cards: Card[]) =>
        cards.map((c) => ({
          name: c.name,
          requestsReceived: c.requestsReceived,
          approvals: c.approvals,
          repliesPastDeadline: c.repliesPastDeadline,
          overdue: c.overdue,
          escalations: c.escalations,
          deliveries: c.deliveries,
          failures: c.failures,
          denialsByReason: c.denialsByReason,
          grants: c.grants,
          consentsRecorded: c.consentsRecorded,
        }));
      expect(figures(api.departments)).to.deep.equal(figures(report.departments));

      // The demo's story in the numbers: health left civil affairs' request past its deadline and it was escalated;
      // civil affairs' gateway delivered and was refused once (the withdrawn consent).
      const health = api.departments.find((c) => c.name.includes("卫生"))!;
      expect(health).to.include({ repliesPastDeadline: 1, escalations: 1 });
      const civilCard = api.departments.find((c) => c.id.toLowerCase() === civil.id.toLowerCase())!;
      expect(civilCard.deliveries).to.be.at.least(1);
      expect(civilCard.denialsByReason).to.have.property("consent_withdrawn");

      // Each figure is on the page as the API gives it, in the department's row.
      for (const card of api.departments) {
        for (const field of ["requestsReceived", "approvals", "rejections"] as const)
          expect(await cell(page, "replies", card.id, field).innerText(), `${card.name} ${field}`).to.equal(
            String(card[field]),
          );
        for (const field of ["repliesPastDeadline", "overdue", "escalations"] as const)
          expect(await cell(page, "overdue", card.id, field).innerText(), `${card.name} ${field}`).to.equal(
            String(card[field]),
          );
        for (const field of ["deliveries", "failures"] as const)
          expect(await cell(page, "deliveries", card.id, field).innerText(), `${card.name} ${field}`).to.equal(
            String(card[field]),
          );
        const denials = Object.values(card.denialsByReason).reduce((a, b) => a + b, 0);
        expect(await cell(page, "deliveries", card.id, "denials").innerText()).to.equal(String(denials));
      }
      expect(
        await page
          .locator(
            `table[data-table="denials"] tr[data-department="${civilCard.id}"] td[data-reason="consent_withdrawn"]`,
          )
          .innerText(),
      ).to.equal(String(civilCard.denialsByReason.consent_withdrawn));
      expect(await page.locator(".chart svg").count()).to.equal(3, "three charts, drawn as SVG");
      await expectAccessible(page, "scorecard");
      await screenshot(page, "scorecard");
    });

    it("takes its period from the URL, and counts nothing outside it", async function () {
      const page = auditorPage;
      await page.goto(`${civil.gateway}/console/#/scorecard?from=2020-01-01&to=2020-12-31`);
      const from = Date.parse("2020-01-01T00:00:00+08:00") / 1000;
      const to = Date.parse("2021-01-01T00:00:00+08:00") / 1000 - 1;
      // The same page drawn again for the new period: wait for its own summary, not the previous one's tables.
      await page.locator(`p[data-period="${from}-${to}"]`).waitFor();
      expect(await page.locator('input[name="from"]').inputValue()).to.equal("2020-01-01");
      const api = await apiScorecard(page, "?from=2020-01-01&to=2020-12-31");
      for (const card of api.departments) {
        expect(card.requestsReceived).to.equal(0);
        expect(await cell(page, "replies", card.id, "requestsReceived").innerText()).to.equal("0");
      }
    });

    it("shows a clerk neither the page nor its figures", async function () {
      const page = await pages.newPage();
      await pages.signIn(page, civil);
      expect(await page.locator("#nav").innerText()).not.to.include("监督评分");
      const status = await page.evaluate(async () => (await fetch("/v1/audit/scorecard")).status);
      expect(status).to.equal(403);
    });
  });

  describe("the receipts check", function () {
    async function upload(page: Page, consumer: string, provider: string) {
      await page.goto(`${civil.gateway}/console/#/exchange-check`);
      // Drawn afresh: no result of an earlier upload left on the page to be mistaken for this one's.
      await page.reload();
      const form = page.locator("form", { has: page.locator('input[name="consumer"]') });
      await form.locator('input[name="consumer"]').setInputFiles(consumer);
      await form.locator('input[name="provider"]').setInputFiles(provider);
      await form.getByRole("button", { name: "核验" }).click();
      const notice = page.locator(".exchange-result [data-verdict]").first();
      await notice.waitFor();
      return notice;
    }

    it("passes the demo's two sides, every exchange paired", async function () {
      const page = auditorPage;
      const notice = await upload(page, files.consumer, files.provider);
      expect(await notice.getAttribute("data-verdict"), await page.locator("main").innerText()).to.equal("pass");
      expect(await notice.innerText()).to.include("通过");
      const verdicts = await page
        .locator("tr[data-verdict]")
        .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-verdict")));
      expect(verdicts).to.include("delivered");
      expect(verdicts).not.to.include("violation");
      expect(await page.locator("ol.violations").count()).to.equal(0);
      await expectAccessible(page, "receipts check (pass)");
    });

    it("names the violation in a tampered file: a provider receipt moved to another request, another's fields changed", async function () {
      const consumer = JSON.parse(fs.readFileSync(files.consumer, "utf8")) as ReceiptEntry[];
      const provider = JSON.parse(fs.readFileSync(files.provider, "utf8")) as ReceiptEntry[];
      const consumerOf = (e: ReceiptEntry) =>
        consumer.find((c) => c.role === "consumer" && c.requestId === e.requestId && c.receipt.result === "delivered");
      // Exchanges both sides delivered: without its provider receipt, the consumer's delivery is unmatched.
      const delivered = provider.filter(
        (e) => e.role === "provider" && e.receipt.result === "delivered" && consumerOf(e),
      );
      expect(delivered.length, "the demo's exchanges delivered on both sides").to.be.at.least(2);
      // "Removed" by giving its envelope another requestId: its department stays in the file (a department with no
      // receipt there at all is outside the pair; the auditor's command finds its withheld batches on chain instead).
      const [moved, changed] = delivered;
      const counterpart = consumerOf(moved)!;
      const counterpartOfChanged = consumerOf(changed)!;
      const tampered = provider
        .map((e) => (e === moved ? { ...e, requestId: `0x${"ab".repeat(32)}` } : e))
        .map((e) =>
          e === changed
            ? { ...e, receipt: { ...e.receipt, fieldMask: `0x${(BigInt(e.receipt.fieldMask) * 2n).toString(16)}` } }
            : e,
        );
      const tamperedFile = path.join(site!.dataDir, "tampered-provider.json");
      fs.writeFileSync(tamperedFile, JSON.stringify(tampered, null, 2));

      const page = auditorPage;
      const notice = await upload(page, files.consumer, tamperedFile);
      expect(await notice.getAttribute("data-verdict")).to.equal("fail");
      const found = await page
        .locator("ol.violations > li")
        .evaluateAll((items) =>
          items.map((li) => `${li.getAttribute("data-rule")} ${li.getAttribute("data-receipt")}`),
        );
      expect(found).to.include.members(
        [`exchange_unmatched ${counterpart.receipt.id}`, `exchange_mismatch ${counterpartOfChanged.receipt.id}`],
        JSON.stringify({ found, moved: moved.requestId, changed: changed.requestId }),
      );
      const unmatched = page.locator(
        `ol.violations > li[data-rule="exchange_unmatched"][data-receipt="${counterpart.receipt.id}"]`,
      );
      const text = await unmatched.innerText();
      expect(text).to.include("交换缺少对方回执");
      expect(text).to.include("另一方却没有这笔交换的回执");
      expect(text).to.include("请向缺回执的一方索取");
      const mismatch = page.locator(
        `ol.violations > li[data-rule="exchange_mismatch"][data-receipt="${counterpartOfChanged.receipt.id}"]`,
      );
      expect(await mismatch.innerText()).to.include("双方回执不一致");
      expect(await page.locator(`tr[data-request="${moved.requestId}"]`).getAttribute("data-verdict")).to.equal(
        "violation",
      );
      await expectAccessible(page, "receipts check (violations)");
      await screenshot(page, "exchange-check");
    });
  });
});
