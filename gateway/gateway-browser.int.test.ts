// The consumer page end to end in Debian's Chromium (playwright-core, no browser download): the
// gateway inside a real registry serves the page, the esbuild-bundled verifier fetches the label
// bundle and checks it against the pinned keys. Screenshots go to test-output/gateway/.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesEqual, utf8 } from "../log/bytes.js";
import { FIXTURE_NOW, openFixture, type Fixture } from "../test/gateway/registry-fixture.js";

const OUT = join(process.cwd(), "test-output", "gateway");
const PHONE = { width: 390, height: 844 };

let fx: Fixture;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  fx = await openFixture();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

async function open(path: string, locale = "zh-CN"): Promise<Page> {
  const ctx = await browser.newContext({ viewport: PHONE, locale });
  const page = await ctx.newPage();
  // The browser's clock is the gateway's, so the verifier reads expiry as the page does.
  await page.clock.setFixedTime(FIXTURE_NOW);
  await page.goto(`${fx.gw.url}${path}`);
  return page;
}

const verdict = async (page: Page) => {
  await expect
    .poll(() => page.locator("#verify-status").getAttribute("data-state"), { timeout: 15_000 })
    .not.toBe("pending");
  return {
    state: await page.locator("#verify-status").getAttribute("data-state"),
    text: (await page.locator("#verify-status").textContent()) ?? "",
  };
};

describe("consumer page in Chromium", () => {
  it("a valid label's page shows it verified against the checkpoint", async () => {
    const page = await open("/l/CCRC-1", "en-US");
    const v = await verdict(page);
    expect(v.state).toBe("ok");
    expect(v.text).toContain(`checkpoint ${fx.registry.view.size}`);
    expect(await page.locator(".status .badge").textContent()).toBe("Active");
    await page.screenshot({ path: join(OUT, "valid.en.png"), fullPage: true });
    await page.context().close();
  });

  it("a revoked label's page says revoked, and the log proves it", async () => {
    const page = await open("/l/CCRC-2");
    expect(await page.locator("section.status").getAttribute("class")).toContain("s-revoked");
    expect(await page.locator(".status .badge").textContent()).toBe("已撤销");
    expect((await verdict(page)).state).toBe("ok");
    await page.screenshot({ path: join(OUT, "revoked.zh-CN.png"), fullPage: true });
    await page.context().close();
  });

  it("the language switch leads to the other language and back", async () => {
    const page = await open("/l/CCRC-1");
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
    await page.locator("a.lang").click();
    await page.waitForURL(/\?lang=en$/);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    expect((await verdict(page)).state).toBe("ok");
    await page.screenshot({ path: join(OUT, "switched.en.png"), fullPage: true });
    await page.locator("a.lang").click();
    await page.waitForURL(/\?lang=zh-CN$/);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
    await page.context().close();
  });

  it("an unknown label gets the 404 page", async () => {
    const page = await open("/l/CCRC-404", "en-US");
    expect(await page.locator("h1").textContent()).toBe("No such label");
    await page.screenshot({ path: join(OUT, "unknown.en.png"), fullPage: true });
    await page.context().close();
  });

  // Last: it corrupts the store under the registry.
  it("when the gateway serves a tampered bundle (an entry changed in storage), the page shows the failure in red", async () => {
    const index = fx.registry.view.state.labels.get("CCRC-3")!.history[0]!.index;
    const entry = fx.memLog.entries[index]!;
    const model = utf8("EV-TAMPER");
    let at = -1;
    for (let i = 0; i + model.length <= entry.length && at < 0; i++)
      if (bytesEqual(entry.subarray(i, i + model.length), model)) at = i;
    expect(at).toBeGreaterThan(0);
    entry[at + 3] = "X".charCodeAt(0); // EV-XAMPER: still a well-formed statement, no longer the logged one
    const page = await open("/l/CCRC-3", "en-US");
    const v = await verdict(page);
    expect(v.state).toBe("failed");
    expect(v.text).toMatch(/^Verification failed: the proofs do not show that this record is in the log\./);
    expect(await page.locator("#verify-status").getAttribute("title")).toMatch(/inclusion/i);
    // The status box above no longer says "Active" without a word: it says it is not confirmed.
    expect(await page.locator("#status-check").textContent()).toMatch(/^Not confirmed/);
    const bg = await page.locator("#verify-status").evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe("rgb(179, 38, 30)");
    await page.screenshot({ path: join(OUT, "tampered.en.png"), fullPage: true });
    await page.context().close();
  });
});
