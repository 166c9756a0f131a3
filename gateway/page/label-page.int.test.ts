// The label page and images in a real browser (Debian's chromium, driven by playwright-core):
// a real HTML parser against our escaping, the verifier slot's contract with a module script,
// the no-JavaScript view, contrast and phone layout, and XML well-formedness of the SVGs.
// Screenshots go to test-output/label-page/.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderLabelPage, type LabelPageOptions } from "./label-page.js";
import { labelSvg } from "./label-svg.js";
import { labelPageUrl } from "./label-url.js";
import { LABEL_STATUSES, type LabelView } from "./label-view.js";
import { LANGS, type Lang } from "./lang.js";
import { qrSvg } from "./qr.js";
import { sampleLabelInStatus, sampleLabelView } from "./sample-label.js";

const OUT = join(process.cwd(), "test-output", "label-page");
const PHONE = { width: 390, height: 844 };
const VKEY = "labels.example.cn/log+3b1a5c2e+AUfIHKBsRYQjZsTQZ8fdX5dZb0vhYVJ3V3lwZ3iQqS5k";

// Stands in for the verifier bundle: it uses only the page's contract (#label-config, #verify-status).
const FAKE_VERIFIER = `
const cfg = JSON.parse(document.getElementById("label-config").textContent);
const slot = document.getElementById("verify-status");
slot.dataset.state = "ok";
slot.textContent = cfg.messages.verified.replace("{size}", String(cfg.checkpointSize));
window.__config = cfg;`;
const FAKE_BUNDLE = `data:text/javascript;base64,${Buffer.from(FAKE_VERIFIER).toString("base64")}`;

const opts = (lang: Lang, more: Partial<LabelPageOptions> = {}): LabelPageOptions => ({
  lang,
  publicBaseUrl: "https://labels.example.cn",
  logVerifierKey: VKEY,
  bundleUrl: FAKE_BUNDLE,
  now: new Date("2027-08-01T00:00:00+08:00"),
  ...more,
});

let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
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
});

async function phonePage(html: string, javaScriptEnabled = true): Promise<Page> {
  const ctx = await browser.newContext({ viewport: PHONE, javaScriptEnabled });
  const page = await ctx.newPage();
  await page.setContent(html, { waitUntil: "load" });
  return page;
}

/** Text that fails WCAG AA contrast against its (opaque) background, as "text: ratio". */
async function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rgba = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r = 0, g = 0, b = 0]: number[]) => {
      const ch = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const bgOf = (el: Element | null): number[] => {
      for (; el; el = el.parentElement) {
        const c = rgba(getComputedStyle(el).backgroundColor);
        if ((c[3] ?? 1) > 0) return c;
      }
      return [255, 255, 255];
    };
    const bad: string[] = [];
    for (const el of document.body.querySelectorAll("*")) {
      if (el.closest("[aria-hidden=true]") || el.closest(".vh")) continue;
      const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
      const style = getComputedStyle(el);
      if (!own || style.display === "none" || style.visibility === "hidden") continue;
      if ((el as HTMLElement).offsetParent === null && style.position !== "fixed") continue;
      const [a, b] = [lum(rgba(style.color)), lum(bgOf(el))].sort((x, y) => y - x);
      const ratio = ((a ?? 0) + 0.05) / ((b ?? 0) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) bad.push(`${el.textContent?.trim().slice(0, 30)}: ${ratio.toFixed(2)}`);
    }
    return bad;
  });
}

describe("label page in Chromium", () => {
  for (const lang of LANGS) {
    for (const status of LABEL_STATUSES) {
      it(`${lang} ${status}: the verifier slot works, contrast passes AA, nothing overflows a phone`, async () => {
        const page = await phonePage(renderLabelPage(sampleLabelInStatus(status), opts(lang)));
        await expect.poll(() => page.locator("#verify-status").getAttribute("data-state")).toBe("ok");
        expect(await page.locator("#verify-status").textContent()).toContain("5120");
        expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
        expect(await page.locator("main h1").count()).toBe(1);
        expect(await page.locator("header, main, footer").count()).toBe(3);
        expect(await lowContrast(page)).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
        await page.screenshot({ path: join(OUT, `${status}.${lang}.png`), fullPage: true });
        await page.context().close();
      });
    }
  }

  it("without JavaScript shows the note instead of 'verifying…'", async () => {
    const page = await phonePage(renderLabelPage(sampleLabelView(), opts("zh-CN")), false);
    expect(await page.locator("#verify-status").isVisible()).toBe(false);
    const note = page.locator(".verify .note");
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toContain("未启用 JavaScript");
    await page.screenshot({ path: join(OUT, "no-javascript.zh-CN.png"), fullPage: true });
    await page.context().close();
  });

  it("a real HTML parser sees hostile strings as text, and the config JSON parses back to them", async () => {
    const evil = (f: string) => `</script><img src=x onerror="window.__pwned=1">'"&amp;<!--${f}`;
    const view: LabelView = sampleLabelView({
      labelId: evil("id"),
      productModel: evil("model"),
      manufacturer: { name: evil("maker"), registrationCode: evil("code") },
      issuer: { name: evil("issuer"), id: evil("issuer-id") },
      standard: evil("standard"),
      testReportUri: evil("uri"),
      history: [{ logIndex: 1, kind: "revoked", time: new Date("2026-08-01T00:00:00Z"), reason: evil("reason") }],
    });
    const page = await phonePage(renderLabelPage(view, opts("en", { logVerifierKey: evil("key") })));
    await expect.poll(() => page.locator("#verify-status").getAttribute("data-state")).toBe("ok");
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("p.model").textContent()).toBe(evil("model"));
    expect(await page.locator(".timeline li p").textContent()).toBe(`Reason: ${evil("reason")}`);
    const cfg = await page.evaluate(
      () => (window as unknown as { __config: { labelId: string; logVerifierKey: string } }).__config,
    );
    expect(cfg.labelId).toBe(evil("id"));
    expect(cfg.logVerifierKey).toBe(evil("key"));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.context().close();
  });

  it("the language switch link leads to the other language's page", async () => {
    const page = await phonePage(renderLabelPage(sampleLabelView(), opts("zh-CN")));
    const href = await page.locator("a.lang").getAttribute("href");
    expect(new URL(href ?? "", "https://labels.example.cn/l/CSL-2026-0000137").href).toBe(
      "https://labels.example.cn/l/CSL-2026-0000137?lang=en",
    );
    expect(await page.locator("a.lang").textContent()).toBe("English");
    const box = await page.locator("a.lang").boundingBox();
    expect(box?.height).toBeGreaterThanOrEqual(44); // a tap target
    await page.context().close();
  });
});

describe("SVGs in Chromium", () => {
  const parseErrors = (page: Page, svg: string) =>
    page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      const err = doc.querySelector("parsererror");
      return err === null ? (doc.documentElement.namespaceURI ?? "no namespace") : `error: ${err.textContent}`;
    }, svg);

  it("qr.svg and label.svg are well-formed SVG documents, even with a hostile label id", async () => {
    const ctx = await browser.newContext({ viewport: { width: 500, height: 700 } });
    const page = await ctx.newPage();
    const hostile = `</text><script>alert(1)</script>&'"\u0001\u{1F512}`;
    for (const id of ["CSL-2026-0000137", hostile]) {
      const url = labelPageUrl("https://labels.example.cn", id);
      expect(await parseErrors(page, qrSvg(url))).toBe("http://www.w3.org/2000/svg");
      expect(await parseErrors(page, labelSvg(id, 3, url))).toBe("http://www.w3.org/2000/svg");
    }
    const url = labelPageUrl("https://labels.example.cn", "CSL-2026-0000137");
    await page.setContent(
      `<body style="margin:0">${labelSvg("CSL-2026-0000137", 2, url).replace(/^<\?xml[^>]*>\n/, "")}</body>`,
    );
    await page.screenshot({ path: join(OUT, "label.svg.png") });
    await ctx.close();
  });
});
