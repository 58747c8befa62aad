/**
 * Headless Chromium for the console tests: Debian's own `chromium` package driven by playwright-core (no browser is
 * downloaded), axe-core run inside each page, and the screenshots the README shows.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Where Debian's `chromium` package puts the browser; KUAJIE_CHROMIUM names another. */
export function chromiumPath(): string | null {
  const candidates = [process.env.KUAJIE_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((candidate): candidate is string => !!candidate && fs.existsSync(candidate)) ?? null;
}

/** A host name the browser resolves to loopback: a page there is another site than 127.0.0.1 (an attacker's). */
export const ATTACKER_HOST = "attacker.test";

export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [`--host-resolver-rules=MAP ${ATTACKER_HOST} 127.0.0.1`, "--disable-dev-shm-usage"],
  });
}

/** A clerk's browser: its own cookies, Chinese by default as the users' browsers are; CSP violations collected. */
export async function openContext(browser: Browser, locale = "zh-CN"): Promise<BrowserContext> {
  return browser.newContext({ locale, viewport: { width: 1280, height: 860 }, timezoneId: "Asia/Shanghai" });
}

/** Every Content-Security-Policy violation a page reports (none is allowed: no inline script or style). */
export function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe-core inside the page (evaluated through the DevTools protocol, which the page's CSP does not govern, so the
 * console's own policy stays as strict as it is): no serious or critical violation. It waits for the console's
 * script to have named the page's chrome (the skip link is empty in the HTML until the messages are loaded), so that
 * a page checked right after it was opened is checked as a clerk sees it, not half drawn.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.waitForFunction(() => {
    const scope = globalThis as unknown as { document: { getElementById(id: string): { textContent: string } | null } };
    return (scope.document.getElementById("skip")?.textContent ?? "") !== "";
  });
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const scope = globalThis as unknown as { axe: Axe; document: unknown };
    const results = await scope.axe.run(scope.document, { resultTypes: ["violations"] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => n.target.join(" ")),
    }));
  });
  const severe = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(severe, `${what}: axe-core violations ${JSON.stringify(severe, null, 1)}`).to.deep.equal([]);
}

interface Axe {
  run(context: unknown, options: object): Promise<AxeResults>;
}

interface AxeResults {
  violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: string[] }> }>;
}

const SCREENSHOT_DIR = path.resolve(__dirname, "../../../docs/console");

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
