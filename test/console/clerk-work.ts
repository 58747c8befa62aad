/**
 * The clerks' forms and the council's cases in the browser (issue 12), on the stack of console.test.ts (its start is
 * the expensive part, so this suite runs inside it, last): a provider clerk registers a catalog entry and publishes a
 * new version, each mistake shown at its field, whether the console or the gateway found it; reply deadlines in
 * working days; a co-requester's seal; a council member admits a department; and, once the chain's clock has passed a
 * request's reply deadline, the council sees the escalated request with both parties' positions and decides it.
 * The clock moves forward here, so this suite stays the last one on the stack.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Page } from "playwright-core";
import type { Credentials } from "../../scripts/lib/dev-files";
import { expectAccessible, screenshot } from "./support/browser";
import { CASE_PURPOSE, CO_REQUESTER, movePast, newDepartment, requestWithCoRequester } from "./support/cases";
import { COUNCIL, CONSUMER, PROVIDER, department, indexedAt, type Department } from "./support/story";

interface ConsoleStack {
  credentials: Credentials;
  /** Health's health-card resource, registered before the story. */
  resourceId: string;
}

export interface ConsoleBrowser {
  stack(): ConsoleStack;
  newPage(locale?: string): Promise<Page>;
  signIn(page: Page, who: { gateway: string; token: string }): Promise<void>;
}

interface AgreementJson {
  status: string;
  overdue: boolean;
  replyDeadline: string | null;
  replyDeadlineDate: string | null;
  replyWorkingDaysLeft: number | null;
  termsHash: string;
}

/** The agreement as the gateway answers it, read with the page's own session. */
export async function agreementJson(page: Page, agreementId: string): Promise<AgreementJson> {
  return (await page.evaluate(
    async (id) => (await fetch(`/v1/agreements/${id}`)).json(),
    agreementId,
  )) as AgreementJson;
}

/** The deadline's date as the console writes it in Chinese: 2026-12-01 → 2026年12月1日. */
function chineseDate(date: string): string {
  const [year, month, day] = date.split("-").map(Number);
  return `${year}年${month}月${day}日`;
}

/** What the console says of the time left, from the gateway's own count of working days. */
export function expectedWorkingDays(a: AgreementJson): string {
  if (a.overdue) return `已逾期（期限 ${chineseDate(a.replyDeadlineDate!)}）`;
  if (a.replyWorkingDaysLeft === 0) return "今天是最后一个工作日";
  return `剩余 ${a.replyWorkingDaysLeft} 个工作日`;
}

export function describeClerkWork(browser: ConsoleBrowser): void {
  describe("the clerks' forms and the council's cases", function () {
    let credentials: Credentials;
    let health: Department;
    let civil: Department;
    let coRequester: Department;
    let council: Department;
    let caseId: string;

    before(async function () {
      ({ credentials } = browser.stack());
      health = department(credentials, PROVIDER);
      civil = department(credentials, CONSUMER);
      coRequester = department(credentials, CO_REQUESTER);
      council = department(credentials, COUNCIL);
      caseId = await requestWithCoRequester(credentials, browser.stack().resourceId);
    });

    it("the message files say every thing in both languages", function () {
      const keys = (node: object, prefix = ""): string[] =>
        Object.entries(node).flatMap(([key, value]) =>
          typeof value === "object" && value !== null ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
        );
      const read = (lang: string) =>
        JSON.parse(fs.readFileSync(path.resolve(__dirname, `../../console/messages/${lang}.json`), "utf8")) as object;
      expect(keys(read("en")).sort()).to.deep.equal(keys(read("zh-CN")).sort());
    });

    describe("health's catalog clerk", function () {
      let page: Page;
      let code: string;
      const catalogPosts: string[] = [];
      const entryForm = () => page.locator('form[data-form="catalog-entry"]');
      const errorAt = (field: string) => entryForm().locator(`[data-error-for="${field}"]`);

      before(async function () {
        page = await browser.newPage();
        page.on("request", (r) => {
          if (r.method() !== "GET" && r.url().includes("/v1/catalog/resources")) catalogPosts.push(r.url());
        });
        await browser.signIn(page, health);
        const listed = (await page.evaluate(
          async (id) => (await fetch(`/v1/catalog/resources?provider=${id}`)).json(),
          health.id,
        )) as {
          items: Array<{ code: string }>;
        };
        // A code this stack has not seen: a second run against the same stack registers another one.
        code = `blood-donation-${listed.items.filter((r) => r.code.startsWith("blood-donation")).length + 1}`;
      });

      it("registers a catalog entry, each mistake shown at its field: the console's before sending, the gateway's after", async function () {
        await page.goto(`${health.gateway}/console/#/catalog`);
        await page.getByRole("link", { name: "登记目录条目" }).click();
        const form = entryForm();
        await form.waitFor();
        await form.getByLabel(/^资源代码/).fill("blood donation");
        await form.getByLabel(/^上游后端/).fill("ftp://10.0.0.5/records");
        await form.getByRole("button", { name: "登记", exact: true }).click();
        await errorAt("code").filter({ hasText: "不能含空格。" }).waitFor();
        expect(await errorAt("name").innerText()).to.equal("必填。");
        expect(await errorAt("upstream.url").innerText()).to.include("http 或 https 地址");
        expect(await errorAt("fields[0].name").innerText()).to.equal("必填。");
        expect(await form.getByLabel(/^资源代码/).getAttribute("aria-invalid")).to.equal("true");
        expect(catalogPosts, "nothing sent while the console sees a mistake").to.deep.equal([]);
        await expectAccessible(page, "catalog entry with its mistakes");

        // A code the department has already registered: only the gateway knows, and says so at the field.
        await form.getByLabel(/^资源代码/).fill("health-card");
        await form.getByLabel(/^名称/).fill("献血记录");
        await form.getByLabel(/^上游后端/).fill("http://127.0.0.1:9/blood-donation");
        await form.getByLabel("数据项 1：名称").fill("donationDate");
        await form.getByLabel("数据项 1：类型").selectOption("date");
        await form.getByRole("button", { name: "添加数据项" }).click();
        await form.getByLabel("数据项 2：名称").fill("volumeMl");
        await form.getByLabel("数据项 2：类型").selectOption("number");
        await form.getByRole("button", { name: "登记", exact: true }).click();
        await errorAt("code").filter({ hasText: "网关答复" }).waitFor();
        expect(await errorAt("code").innerText()).to.include("'health-card'");
        expect(await errorAt("name").isHidden()).to.equal(true, "the corrected field's error is gone");
        expect(catalogPosts).to.have.length(1);

        await form.getByLabel(/^资源代码/).fill(code);
        await form.getByRole("button", { name: "登记", exact: true }).click();
        await page.waitForURL(/#\/catalog$/);
        expect(await page.getByRole("status").innerText()).to.match(
          new RegExp(`^已登记 ${code}（第 1 版）。 区块 \\d+ · 交易 0x`),
        );
        const card = page.locator("li[data-resource]", { hasText: `(${code}) v1` });
        expect(await card.innerText()).to.include("donationDate, volumeMl");
      });

      it("publishes a new version of it: the existing fields kept, a new one appended", async function () {
        const card = page.locator("li[data-resource]", { hasText: `(${code}) v1` });
        await card.getByRole("link", { name: `发布 ${code} 的新版本` }).click();
        await page.getByRole("heading", { name: `${code} 的新版本（第 2 版）` }).waitFor();
        const form = entryForm();
        expect(await form.getByLabel("数据项 1：名称").getAttribute("readonly")).to.equal("");
        await form.getByRole("button", { name: "发布新版本" }).click();
        expect(await form.getByRole("alert").innerText()).to.include("没有改动：请至少修改一项。");

        await form.getByRole("button", { name: "添加数据项" }).click();
        await form.getByLabel("数据项 3：名称").fill("site");
        await form.getByLabel(/^更新周期/).selectOption("daily");
        await expectAccessible(page, "new version of a catalog entry");
        await screenshot(page, "catalog-entry");
        await form.getByRole("button", { name: "发布新版本" }).click();
        await page.waitForURL(/#\/catalog$/);
        expect(await page.getByRole("status").innerText()).to.match(new RegExp(`^${code}：已发布第 2 版。`));
        const updated = page.locator("li[data-resource]", { hasText: `(${code}) v2` });
        expect(await updated.innerText()).to.include("donationDate, volumeMl, site");
      });
    });

    describe("a request with a co-requester", function () {
      it("civil affairs' requests show its reply deadline in working days, as the gateway counts them", async function () {
        const page = await browser.newPage();
        await browser.signIn(page, civil);
        await page.goto(`${civil.gateway}/console/#/requests?status=requested`);
        const left = page.locator(`li[data-agreement="${caseId}"] [data-urgency]`);
        await left.waitFor();
        const agreement = await agreementJson(page, caseId);
        expect(agreement.replyWorkingDaysLeft, "the calendar of this year is published").to.be.a("number");
        const text = await left.innerText();
        expect(text.startsWith(expectedWorkingDays(agreement)), text).to.equal(true);
        expect(text).to.include(chineseDate(agreement.replyDeadlineDate!));
        await expectAccessible(page, "requests");
        await screenshot(page, "requests");
      });

      it("the co-requester's clerk sees the seal awaited, and seals for its department", async function () {
        const page = await browser.newPage();
        await browser.signIn(page, coRequester);
        await page.goto(`${coRequester.gateway}/console/#/requests`);
        await page.locator(`li[data-agreement="${caseId}"] [data-awaits-seal] a`).click();
        const own = page.locator(`li[data-party="${coRequester.id.toLowerCase()}"]`);
        await own.waitFor();
        expect(await own.getAttribute("data-sealed")).to.equal("false");
        expect(await page.locator("[data-seals]").innerText()).to.equal("3 方中已有 1 方签章");
        await page.getByRole("button", { name: "代表本部门签章" }).click();
        await page
          .getByRole("status")
          .filter({ hasText: `已代表本部门为协议 ${caseId} 签章：现为待答复` })
          .waitFor();
        expect(await own.getAttribute("data-sealed")).to.equal("true");
        expect(await page.locator("[data-seals]").innerText()).to.equal("3 方中已有 2 方签章");
        expect(await page.getByRole("button", { name: "代表本部门签章" }).count()).to.equal(0);
        expect(await page.locator("ol.timeline > li[data-event=AgreementSealed]").count()).to.equal(1);
        await expectAccessible(page, "agreement with its seals");
        await screenshot(page, "agreement-seals");
      });
    });

    describe("the council", function () {
      it("admits a department: the form's mistakes at their fields, then the proposal under its quorum bar", async function () {
        const page = await browser.newPage();
        await browser.signIn(page, council);
        const members = (await page.evaluate(async () => (await fetch("/v1/departments")).json())) as {
          items: unknown[];
        };
        const admitted = newDepartment(members.items.length);
        await page.goto(`${council.gateway}/console/#/council`);
        await page.getByRole("link", { name: "提议接纳部门" }).click();
        const form = page.locator('form[data-form="admit"]');
        await form.waitFor();
        await form.getByLabel("部门名称").fill(admitted.name);
        await form.getByLabel(/^统一社会信用代码/).fill(admitted.wrongCode);
        await form.getByLabel(/^行政区划代码/).fill("44010");
        await form.getByLabel(/^管理员经办账户/).fill("0x1234");
        await form.getByRole("button", { name: "提议接纳" }).click();
        await form.locator('[data-error-for="admin"]').filter({ hasText: "0x 加 40 位十六进制数" }).waitFor();
        expect(await form.locator('[data-error-for="department.regionCode"]').innerText()).to.include("六位数字");
        expect(await form.locator('[data-error-for="department.code"]').isHidden()).to.equal(true);

        // The check character is the gateway's to verify: its answer comes back at the field.
        await form.getByLabel(/^行政区划代码/).fill(admitted.regionCode);
        await form.getByLabel(/^管理员经办账户/).fill(admitted.admin);
        await form.getByLabel("上级部门").selectOption(council.id.toLowerCase());
        await form.getByRole("button", { name: "提议接纳" }).click();
        const codeError = form.locator('[data-error-for="department.code"]');
        await codeError.filter({ hasText: "网关答复" }).waitFor();
        expect(await codeError.innerText()).to.include("check character");
        await expectAccessible(page, "admission form with the gateway's answer");

        await form.getByLabel(/^统一社会信用代码/).fill(admitted.code);
        await form.getByRole("button", { name: "提议接纳" }).click();
        await page.waitForURL(/#\/council\?status=executed$/);
        const notice = await page.getByRole("status").innerText();
        const proposal = /^接纳 .+ 的提案 (\d+)：现为已执行。/.exec(notice);
        expect(proposal, notice).to.not.equal(null);
        const card = page.locator(`li[data-proposal="${proposal![1]}"]`);
        expect(await card.innerText())
          .to.include(admitted.name)
          .and.include(admitted.code)
          .and.match(/已同意 1 \/ 需 1/);
        await indexedAt(credentials, council);
        const after = (await page.evaluate(async () => (await fetch("/v1/departments")).json())) as {
          items: Array<{ name: string }>;
        };
        expect(after.items.map((d) => d.name)).to.include(admitted.name);
      });

      it("sees a request escalated past its deadline with both parties' positions, and decides it", async function () {
        const clerk = await browser.newPage();
        await browser.signIn(clerk, civil);
        const before = await agreementJson(clerk, caseId);
        await movePast(credentials, before.replyDeadline!);
        await indexedAt(credentials, civil);
        await clerk.goto(`${civil.gateway}/console/#/requests?status=requested`);
        const card = clerk.locator(`li[data-agreement="${caseId}"]`);
        expect(await card.locator("[data-urgency]").getAttribute("data-urgency")).to.equal("red");
        expect(await card.locator("[data-urgency]").innerText()).to.include(
          `已逾期（期限 ${chineseDate(before.replyDeadlineDate!)}）`,
        );
        await card.getByRole("button", { name: "提交联席会议" }).click();
        await clerk
          .getByRole("status")
          .filter({ hasText: `申请 ${caseId}` })
          .waitFor();

        await indexedAt(credentials, council);
        const page = await browser.newPage();
        await browser.signIn(page, council);
        await page.goto(`${council.gateway}/console/#/council`);
        const escalated = page.locator(`li[data-case="${caseId}"]`);
        await escalated.waitFor();
        expect(await escalated.locator("[data-deadline]").innerText()).to.include(
          chineseDate(before.replyDeadlineDate!),
        );
        // The council's gateway knows what the chain holds: the purpose's code, not the text the requester's gateway keeps.
        const consumerSide = escalated.locator('[data-position="consumer"]');
        expect(await consumerSide.innerText())
          .to.include(CASE_PURPOSE)
          .and.include("个人同意")
          .and.include("bloodType")
          .and.include("原文保存在申请方网关");
        expect(await consumerSide.locator("code[data-terms-hash]").getAttribute("title")).to.equal(before.termsHash);
        const providerSide = await escalated.locator('[data-position="provider"]').innerText();
        expect(providerSide).to.include("期限内未答复").and.include("有条件共享");
        expect(
          await escalated.locator(`li[data-party="${coRequester.id.toLowerCase()}"]`).getAttribute("data-sealed"),
        ).to.equal("true");
        await expectAccessible(page, "council with an escalated request");
        await screenshot(page, "council-cases");

        await escalated.getByRole("button", { name: "提议批准" }).click();
        await page
          .getByRole("status")
          .filter({ hasText: new RegExp(`^批准申请 ${caseId} 的提案 \\d+：现为已执行`) })
          .waitFor();
        await escalated.waitFor({ state: "detached" });
        expect((await agreementJson(page, caseId)).status).to.equal("active");
      });
    });
  });
}
