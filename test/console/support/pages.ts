/**
 * The pages of one console test suite: each in its own browser context (its own cookies), with a step timeout, every
 * Content-Security-Policy violation it reports collected for the suite to refuse, and signing in as a clerk would.
 */
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { openContext, watchCsp } from "./browser";

export class ConsolePages {
  private readonly contexts: BrowserContext[] = [];
  private readonly cspViolations: string[] = [];

  constructor(
    private readonly browser: Browser,
    private readonly stepMs: number,
  ) {}

  async newPage(locale = "zh-CN"): Promise<Page> {
    const context = await openContext(this.browser, locale);
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(this.stepMs);
    this.cspViolations.push(...watchCsp(page));
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) this.cspViolations.push(message.text());
    });
    return page;
  }

  /** Signs in with a token on the sign-in page, as a clerk does, and waits for the signed-in page. */
  async signIn(page: Page, who: { gateway: string; token: string }): Promise<void> {
    await page.goto(`${who.gateway}/console/`);
    await page.getByLabel(/API 令牌|API token/).fill(who.token);
    await page.getByRole("button", { name: /^(登录|Sign in)$/ }).click();
    await page.locator("#signout:not([hidden])").waitFor();
  }

  /** None is allowed: no page may need an inline script or style. */
  expectNoCspViolation(): void {
    expect(this.cspViolations, "Content-Security-Policy violations").to.deep.equal([]);
  }

  async close(): Promise<void> {
    for (const context of this.contexts) await context.close().catch(() => undefined);
  }
}
