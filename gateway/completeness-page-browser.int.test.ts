// What the state map lets the consumer page say, in Debian's Chromium on a phone, in both
// languages: a label's page that the registry's answer proves complete says it is the label's
// complete, current record as of checkpoint N and its time; an answer without the proof says
// plainly that it is not proven complete; a fake label number gets a 404 page that proves, in the
// browser, that no such label exists; a tampered proof of absence leaves that page unverified,
// never claiming absence. Screenshots go to test-output/completeness-page/.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "../log/bytes.js";
import { launchChromium } from "../test/gateway/chromium.js";
import { FIXTURE_NOW, openFixture, type Fixture } from "../test/gateway/registry-fixture.js";
import { MESSAGES } from "./page/messages.js";
import { withTime } from "./verifier/page-verify.js";

const OUT = join(process.cwd(), "test-output", "completeness-page");
const PHONE = { width: 390, height: 844 };
const LANGS = ["zh-CN", "en"] as const;

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

/** Opens `path` on a phone; `rewrite` may change the JSON the page's verifier fetches from the API. */
async function phone(
  path: string,
  lang: (typeof LANGS)[number],
  rewrite?: (json: Record<string, unknown>) => void,
): Promise<{ page: Page; status: number }> {
  const ctx = await browser.newContext({
    viewport: PHONE,
    locale: lang,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const page = await ctx.newPage();
  await page.clock.setFixedTime(FIXTURE_NOW);
  if (rewrite)
    await page.route("**/api/v1/labels/*", async (route) => {
      const res = await route.fetch();
      const json = (await res.json()) as Record<string, unknown>;
      rewrite(json);
      await route.fulfill({ response: res, json });
    });
  const res = await page.goto(`${fx.gw.url}${path}?lang=${lang}`);
  return { page, status: res!.status() };
}

async function settled(page: Page): Promise<{ state: string | null; text: string; check: string }> {
  await expect
    .poll(() => page.locator("#verify-status").getAttribute("data-state"), { timeout: 20_000 })
    .not.toBe("pending");
  return {
    state: await page.locator("#verify-status").getAttribute("data-state"),
    text: (await page.locator("#verify-status").textContent()) ?? "",
    check: (await page.locator("#status-check").count())
      ? ((await page.locator("#status-check").textContent()) ?? "")
      : "",
  };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });

/** `text` with the newest commitment's checkpoint size, time and zone filled in, as the page words them. */
function atCheckpoint(text: string, lang: (typeof LANGS)[number]): string {
  const c = fx.registry.view.map.latest!;
  return withTime(
    text.replace("{size}", String(c.size + 1)),
    { lang, timeZone: "Asia/Shanghai" },
    Number(c.sequencedAtUnix),
  );
}

describe("the label page and the state map", () => {
  it("a proven answer: the label's complete, current record as of checkpoint N and its time", async () => {
    for (const lang of LANGS) {
      const { page } = await phone("/l/CCRC-1", lang);
      const v = await settled(page);
      expect(v.state, v.text).toBe("ok");
      expect(v.text).toContain(atCheckpoint(MESSAGES[lang].verifier.complete, lang));
      expect(v.check).toBe("");
      await shot(page, `1-complete.${lang}`);
      await page.context().close();
    }
  });

  it("an answer without the map proof: says plainly it is not proven complete, and does not claim it", async () => {
    for (const lang of LANGS) {
      const { page } = await phone("/l/CCRC-2", lang, (json) => {
        const b = json.bundle as Record<string, unknown>;
        delete b.commitment;
        delete b.mapProof;
      });
      const v = await settled(page);
      expect(v.state, v.text).toBe("incomplete");
      expect(v.text).toContain(MESSAGES[lang].verifier.incomplete);
      expect(v.check).toBe(MESSAGES[lang].verifier.statusIncomplete);
      expect(await page.locator("body").textContent()).not.toContain(
        lang === "en" ? "complete, current record" : "完整、最新的记录",
      );
      await shot(page, `2-not-proven-complete.${lang}`);
      await page.context().close();
    }
  });
});

describe("the page of a label number that does not exist", () => {
  it("answers 404 and proves in the browser that no such label exists as of checkpoint N, time T", async () => {
    for (const lang of LANGS) {
      const { page, status } = await phone("/l/CCRC-404", lang);
      expect(status).toBe(404);
      expect(await page.locator("h1").textContent()).toBe(MESSAGES[lang].absent.title);
      const v = await settled(page);
      expect(v.state, v.text).toBe("ok");
      expect(v.text).toBe(atCheckpoint(MESSAGES[lang].absent.verifier.proven.replace("{id}", "CCRC-404"), lang));
      const home = page.locator("a.home");
      expect(await home.getAttribute("href")).toBe("/");
      expect(await home.isVisible()).toBe(true);
      await shot(page, `3-no-such-label.${lang}`);
      await page.context().close();
    }
  });

  it("its home link leads to the lookup form, which takes a number as typed to that label's page", async () => {
    for (const lang of LANGS) {
      const { page } = await phone("/l/CCRC-404", lang);
      await page.locator("a.home").click();
      await page.waitForURL((u) => u.pathname === "/");
      expect(await page.locator("h1").textContent()).toBe(MESSAGES[lang].home.title);
      await page.locator("#id").fill(" ccrc-1 ");
      await shot(page, `5-home-lookup.${lang}`);
      await page.locator(".lookup button").click();
      await page.waitForURL((u) => u.pathname === "/l/CCRC-1");
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
      expect((await settled(page)).state).toBe("ok");
      await page.context().close();
    }
  });

  it("a tampered proof of absence: the answer could not be verified, and absence is never claimed", async () => {
    for (const lang of LANGS) {
      const { page, status } = await phone("/l/CCRC-404", lang, (json) => {
        const a = json.absence as { mapProof: string };
        const p = fromBase64(a.mapProof);
        p[p.length - 1]! ^= 1;
        a.mapProof = toBase64(p);
      });
      expect(status).toBe(404);
      const v = await settled(page);
      expect(v.state, v.text).toBe("failed");
      expect(v.text).toBe(
        MESSAGES[lang].absent.verifier.failed.replace("{reason}", MESSAGES[lang].absent.verifier.reasons.proof),
      );
      const proven = MESSAGES[lang].absent.verifier.proven;
      expect(await page.locator("body").textContent()).not.toContain(proven.slice(0, proven.indexOf("{")));
      await shot(page, `4-absence-unverified.${lang}`);
      await page.context().close();
    }
  });
});
