// The home page, search and /stats on a phone in Debian's Chromium, in both languages: typing a
// query and submitting the form (no script on these pages) lists the labels and leads to their
// pages; a bad query says its rule; /stats draws its charts without script, fits the phone's width,
// and offers its downloads. Screenshots go to test-output/site/.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signStatement, statement } from "../../test/domain-testkit.js";
import { launchChromium } from "../../test/gateway/chromium.js";
import { startTestRegistry, type TestRegistry } from "../../test/gateway/grpc-registry.js";
import { authority, seedLabels } from "../../test/gateway/registry-fixture.js";

const OUT = join(process.cwd(), "test-output", "site");
const PHONE = { width: 390, height: 844 };
let reg: TestRegistry;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  reg = await startTestRegistry();
  const now = BigInt(Math.floor(Date.now() / 1000));
  await seedLabels(reg.registry, now);
  await reg.registry.submit(
    signStatement(authority, {
      ...statement({
        $case: "categoryPublished",
        value: { categoryId: "smart-lock", name: "智能门锁", nameEn: "Smart locks", description: "" },
      }),
      signedAtUnix: now,
      logOrigin: reg.registry.origin,
    }),
  );
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await reg?.dispose();
});

async function phone(path: string, locale: string): Promise<Page> {
  const ctx = await browser.newContext({
    viewport: PHONE,
    locale,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: false,
  });
  const page = await ctx.newPage();
  await page.goto(`${reg.http!.url}${path}`);
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });

/** Nothing on the page is wider than the phone: no sideways scrolling. */
async function fitsWidth(page: Page): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(PHONE.width);
}

describe("home, search and statistics on a phone, without script", () => {
  for (const [locale, lang, texts] of [
    [
      "zh-CN",
      "zh-CN",
      { results: "共 2 条结果。", revoked: "已撤销", rule: "规则：search-query", stats: "网络安全标识统计" },
    ],
    [
      "en-GB",
      "en",
      {
        results: "2 results.",
        revoked: "Revoked",
        rule: "rule: search-query",
        stats: "Cybersecurity label statistics",
      },
    ],
  ] as const) {
    it(`${lang}: searching by manufacturer code lists the labels, and a result opens the label page`, async () => {
      const page = await phone("/", locale);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
      await fitsWidth(page);
      await shot(page, `1-home.${lang}`);
      await page.getByRole("searchbox").fill("91330100MA2AXXXX1X");
      await page.getByRole("button").click();
      await page.waitForURL(/\?q=/);
      const results = page.locator("section", { has: page.locator("#results-h") });
      expect(await results.textContent()).toContain(texts.results);
      expect(await page.locator(".hits li").count()).toBe(2);
      expect(await page.locator(".hits").textContent()).toContain(texts.revoked);
      await fitsWidth(page);
      await shot(page, `2-results.${lang}`);
      await page.locator('.hits a[href^="/l/CCRC-2"]').click();
      await page.waitForURL(/\/l\/CCRC-2/);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
      expect(await page.locator("h1").textContent()).toBeTruthy();
      await page.context().close();
    }, 60_000);

    it(`${lang}: a query over the limit is refused with its rule (HTTP 400)`, async () => {
      const page = await phone("/", locale);
      // The box stops at 128 characters; a hand-made URL does not.
      const r = await page.goto(`${reg.http!.url}/?q=${"x".repeat(200)}&lang=${lang}`);
      expect(r!.status()).toBe(400);
      expect(await page.getByRole("alert").textContent()).toContain(texts.rule);
      await shot(page, `3-refused.${lang}`);
      await page.context().close();
    }, 60_000);

    it(`${lang}: /stats draws its charts without script, fits the phone, and links its downloads`, async () => {
      const page = await phone(`/stats?lang=${lang}`, locale);
      expect(await page.locator("h1").textContent()).toBe(texts.stats);
      const charts = page.getByRole("img");
      expect(await charts.count()).toBe(4);
      for (let i = 0; i < 4; i++) {
        const box = await charts.nth(i).boundingBox();
        expect(box!.width).toBeGreaterThan(200);
        expect(box!.width).toBeLessThanOrEqual(PHONE.width);
        expect(box!.height).toBeGreaterThan(20);
      }
      // Accessible names come from the charts' titles.
      expect(
        await page.getByRole("img", { name: lang === "en" ? "Active labels by tier" : "按等级统计的有效标识" }).count(),
      ).toBe(1);
      expect(await page.locator("#chart-category").textContent()).toContain(lang === "en" ? "Smart locks" : "智能门锁");
      await fitsWidth(page);
      await shot(page, `4-stats.${lang}`);
      const csv = page.locator('a[href="/stats.csv"]');
      expect(await csv.count()).toBe(1);
      expect(await page.locator('a[href="/api/v1/stats"]').count()).toBe(1);
      await page.context().close();
    }, 60_000);
  }
});
