// The tender upload page in Debian's Chromium on a phone-sized viewport, in both languages, with
// JavaScript off (the page must work without it): choose a CSV file or paste the list, set the
// criteria, see the bilingual report, download the evidence file and re-verify it offline; a bad
// list shows the form again naming what is wrong; the form's second button downloads the evidence
// alone. Screenshots go to test-output/tender-page/.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyEvidence } from "../../services/verify/tender-evidence.js";
import { resolveTrust } from "../../services/verify/trust.js";
import { launchChromium } from "../../test/gateway/chromium.js";
import { authority, fixtureLogSigner, openFixture, type Fixture } from "../../test/gateway/registry-fixture.js";

const OUT = join(process.cwd(), "test-output", "tender-page");
const PHONE = { width: 390, height: 844 };
const CODE = "91330100MA2AXXXX1X";
const LIST = `label_id,registration_code,model\nCCRC-1,,\nCCRC-2,,\nCCRC-404,,\n,${CODE},EV-C200\n`;
const trust = resolveTrust({ logKey: fixtureLogSigner.verifierKey, authorityPublicKey: authority.publicKey });

let fx: Fixture;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  fx = await openFixture();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

async function open(lang: "zh-CN" | "en"): Promise<Page> {
  const ctx = await browser.newContext({
    viewport: PHONE,
    locale: lang,
    javaScriptEnabled: false,
    acceptDownloads: true,
  });
  const page = await ctx.newPage();
  await page.goto(`${fx.gw.url}/tender`);
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
/** The page fits the phone's width: nothing to scroll sideways. */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

describe("the tender upload page", () => {
  for (const lang of ["zh-CN", "en"] as const) {
    it(`${lang}: a chosen CSV file is checked, the report shown, the evidence downloaded and re-verified`, async () => {
      const page = await open(lang);
      await expect.poll(() => page.locator("html").getAttribute("lang")).toBe(lang);
      expect(await page.locator("h1").textContent()).toBe(lang === "en" ? "Tender check" : "招标核验");
      expect(await fitsWidth(page)).toBeLessThanOrEqual(PHONE.width);
      await shot(page, `form.${lang}`);

      await page.setInputFiles("#csv", { name: "list.csv", mimeType: "text/csv", buffer: Buffer.from(LIST) });
      await page.selectOption("#minTier", "3");
      await page.fill("#validThrough", "2027-06-30");
      await Promise.all([page.waitForURL(/\/tender\?lang=/), page.click("button[value=report]")]);
      const body = (await page.locator("body").textContent()) ?? "";
      expect(body).toContain("Tender check of cybersecurity labels");
      expect(body).toContain("CCRC-404");
      const outcomes = await page.locator("table:last-of-type tr td:nth-child(3)").allTextContents();
      expect(outcomes).toEqual(["符合 · Meets", "已撤销 · Revoked", "无标签 · No label", "符合 · Meets"]);
      expect(await fitsWidth(page)).toBeLessThanOrEqual(PHONE.width);
      await shot(page, `report.${lang}`);

      const [download] = await Promise.all([page.waitForEvent("download"), page.click("a[download]")]);
      expect(download.suggestedFilename()).toBe("evidence.json");
      const evidence = readFileSync((await download.path())!, "utf8");
      const check = verifyEvidence(evidence, trust);
      expect(check.problems).toEqual([]);
      expect(check.rows.map((r) => r.outcome)).toEqual(["meets", "revoked", "no-label", "meets"]);
      await page.context().close();
    });
  }

  it("en: pasted text works too, and a bad list shows the form again naming the problem", async () => {
    const page = await open("en");
    await page.fill("#text", "model\nX\n");
    await page.fill("#validThrough", "2027-06-30");
    await page.click("button[value=report]");
    await expect.poll(() => page.locator("[role=alert]").textContent()).toContain("header must name label_id");
    expect(await page.locator("#text").inputValue()).toBe("model\nX\n");
    expect(await fitsWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, "bad-list.en");

    await page.fill("#text", "label_id\nCCRC-1\n");
    await Promise.all([page.waitForURL(/\/tender\?lang=en/), page.click("button[value=report]")]);
    const outcomes = await page.locator("table:last-of-type tr td:nth-child(3)").allTextContents();
    expect(outcomes).toEqual(["符合 · Meets"]);

    // The form's second button answers the evidence file itself (for lists too large to attach).
    await page.goto(`${fx.gw.url}/tender?lang=en`);
    await page.fill("#text", "label_id\nCCRC-2\n");
    await page.fill("#validThrough", "2027-06-30");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("button[value=evidence]")]);
    expect(download.suggestedFilename()).toBe("evidence.json");
    const check = verifyEvidence(readFileSync((await download.path())!, "utf8"), trust);
    expect(check.problems).toEqual([]);
    expect(check.rows.map((r) => r.outcome)).toEqual(["revoked"]);
    await page.context().close();
  });

  it("zh-CN: a bad list is refused in Chinese, with the English detail after it", async () => {
    const page = await open("zh-CN");
    await page.fill("#text", "model\nX\n");
    await page.fill("#validThrough", "2027-06-30");
    await page.click("button[value=report]");
    const alert = page.locator("[role=alert]");
    await expect.poll(() => alert.textContent()).toContain("CSV 第一行须为列名");
    expect(await alert.locator("p[lang=en]").textContent()).toContain("header must name label_id");
    await page.context().close();
  });

  it("zh-CN: the language switch leads to the English form", async () => {
    const page = await open("zh-CN");
    await Promise.all([page.waitForURL(/lang=en/), page.click("a.lang")]);
    expect(await page.locator("h1").textContent()).toBe("Tender check");
    await page.context().close();
  });
});
