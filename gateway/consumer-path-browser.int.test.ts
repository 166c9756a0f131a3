// The README's consumer path on a phone, in both languages, in Debian's Chromium: a registry run
// as `labelreg serve --witness url=vkey --witness-required 1` (gateway inside), the printed label
// (label.svg), the page its QR code leads to, the language switch, a suspended label, an unknown
// one; then a witness outage: pages of labels the outage did not touch stay green (answered from
// the last cosigned checkpoint), a label issued during it says "awaiting witnesses" in amber, in
// the page's language, and the status box agrees; when the witness is back, nobody writes and
// the page turns green. Screenshots go to test-output/consumer-path/.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosigner } from "../log/cosignature.js";
import { formatVerifierKey, parseVerifierKey, SIG_TYPE_ED25519 } from "../log/note-keys.js";
import { Tier } from "../proto/gen/messages/labelreg/v1/statement.js";
import { DAY, labelIssued, reason, signStatement, statement } from "../test/domain-testkit.js";
import { startRegistry, type RunningRegistry } from "../app/server.js";
import { startWitnessServer, type RunningWitnessServer } from "../services/witness/http.js";
import { WitnessState } from "../services/witness/state.js";
import { Witness } from "../services/witness/witness.js";
import { MESSAGES } from "./page/messages.js";
import { launchChromium } from "../test/gateway/chromium.js";
import { authority, issuerKey, seedLabels } from "../test/gateway/registry-fixture.js";

const OUT = join(process.cwd(), "test-output", "consumer-path");
const PHONE = { width: 390, height: 844 };
const witnessKey = cosigner("witness.test/consumer", new Uint8Array(32).fill(64));
let dir: string;
let registry: RunningRegistry;
let witness: RunningWitnessServer;
let witnessState: WitnessState;
let browser: Browser;
/** While true the witness answers 503, as one in an outage. */
let witnessDown = false;
const now = () => BigInt(Math.floor(Date.now() / 1000));

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), "labelreg-consumer-path-"));
  const config = {
    dataDir: join(dir, "reg"),
    grpcAddress: "127.0.0.1:0",
    origin: "consumer.test/log",
    authorityKey: formatVerifierKey("authority", SIG_TYPE_ED25519, authority.publicKey),
  };
  const first = await startRegistry(config);
  const logVerifierKey = first.logVerifierKey;
  await first.close();
  witnessState = new WitnessState(join(dir, "witness"));
  witness = await startWitnessServer(
    new Witness({ cosigner: witnessKey, logs: [parseVerifierKey(logVerifierKey)], state: witnessState }),
  );
  const handlers = witness.server.listeners("request");
  witness.server.removeAllListeners("request");
  witness.server.on("request", (req, res) => {
    if (!witnessDown) return handlers.forEach((h) => (h as (...a: unknown[]) => void)(req, res));
    req.resume();
    res.writeHead(503).end("down for maintenance\n");
  });
  registry = await startRegistry({
    ...config,
    http: { address: "127.0.0.1:0" },
    witnessing: {
      witnesses: [{ url: witness.url, verifierKey: witnessKey.verifierKey }],
      required: 1,
      timeoutMs: 500,
      retryFirstMs: 200,
      retryMaxMs: 1000,
    },
  });
  await seedLabels(registry.registry, now());
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await registry?.close();
  await witness?.close();
  witnessState?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const url = (path: string) => `${registry.http!.url}${path}`;

async function phone(path: string, locale: string): Promise<Page> {
  const ctx = await browser.newContext({
    viewport: PHONE,
    locale,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const page = await ctx.newPage();
  await page.goto(url(path));
  return page;
}

async function settled(page: Page): Promise<{ state: string | null; text: string; check: string }> {
  await expect
    .poll(() => page.locator("#verify-status").getAttribute("data-state"), { timeout: 20_000 })
    .not.toBe("pending");
  return {
    state: await page.locator("#verify-status").getAttribute("data-state"),
    text: (await page.locator("#verify-status").textContent()) ?? "",
    // The page of an unknown label has no status box.
    check: (await page.locator("#status-check").count())
      ? ((await page.locator("#status-check").textContent()) ?? "")
      : "",
  };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });

/** The printed label as a shop prints it: the SVG the route serves, rendered, saved as `name`. */
async function printLabel(path: string, name: string): Promise<string> {
  const svg = await (await fetch(url(path))).text();
  const ctx = await browser.newContext({ viewport: { width: 300, height: 420 } });
  const page = await ctx.newPage();
  await page.setContent(`<body style="margin:0">${svg.replace(/^<\?xml[^>]*>\n/, "")}</body>`);
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  await ctx.close();
  return svg;
}

async function submit(key: typeof authority, s: Parameters<typeof signStatement>[1]): Promise<void> {
  await registry.registry.submit(
    signStatement(key, { ...s, signedAtUnix: now(), logOrigin: registry.registry.origin }),
  );
}

describe("the README's consumer path on a phone", () => {
  it("the printed label's QR code leads to the label page, which verifies and is witnessed, in Chinese by default", async () => {
    expect(await printLabel("/l/CCRC-1/label.svg", "1-printed-label")).not.toContain("status-band");
    const qr = await (await fetch(url("/l/CCRC-1/qr.svg"))).text();
    const target = /<title>([^<]+)<\/title>/.exec(qr)![1]!;
    expect(target).toBe(url("/l/CCRC-1"));

    const page = await phone(new URL(target).pathname, "zh-CN");
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
    const v = await settled(page);
    expect(v.state, v.text).toBe("ok");
    expect(v.text).toContain("见证方：witness.test/consumer");
    // Validity and certification body are in the first screen.
    const facts = page.locator(".hero .facts");
    expect(await facts.textContent()).toMatch(/^有效期至 .*发证机构：China Cybersecurity Review Certification$/);
    const box = await facts.boundingBox();
    expect(box!.y + box!.height).toBeLessThan(PHONE.height);
    await shot(page, "2-page.zh-CN");

    await page.locator("a.lang").click();
    await page.waitForURL(/\?lang=en$/);
    const en = await settled(page);
    expect(en.state).toBe("ok");
    expect(en.text).toContain("Witnessed by: witness.test/consumer");
    await shot(page, "3-page.en");
    await page.context().close();
  });

  it("a suspended label: the page says so with the reason; the printed label is marked across its stars, in both languages", async () => {
    await submit(
      issuerKey,
      statement(
        { $case: "labelSuspended", value: { reason: reason("unfixed CVE in firmware 1.2") } },
        { labelId: "CCRC-1", expectedLabelVersion: 2n },
      ),
    );
    for (const lang of ["zh-CN", "en"] as const) {
      const page = await phone(`/l/CCRC-1?lang=${lang}`, lang);
      expect(await page.locator(".status .badge").textContent()).toBe(MESSAGES[lang].status.suspended.name);
      expect(await page.locator(".timeline").textContent()).toContain("unfixed CVE in firmware 1.2");
      expect((await settled(page)).state).toBe("ok");
      await shot(page, `4-suspended.${lang}`);
      await page.context().close();
    }
    expect(await printLabel("/l/CCRC-1/label.svg", "5-printed-suspended")).toContain(">已暂停 · SUSPENDED</text>");
  });

  it("an unknown label: the 404 page proves absence under the witness policy, with a language switch", async () => {
    const page = await phone("/l/CCRC-404", "zh-CN");
    expect(await page.locator("h1").textContent()).toBe("未找到此标识");
    const zh = await settled(page);
    expect(zh.state, zh.text).toBe("ok");
    expect(zh.text).toMatch(/^已在您的浏览器中核验：截至日志检查点 \d+（.+），登记簿中不存在编号为 CCRC-404 的标识。$/);
    await page.locator("a.lang").click();
    await page.waitForURL(/\?lang=en$/);
    expect(await page.locator("h1").textContent()).toBe("No such label");
    expect((await settled(page)).text).toMatch(/^No label CCRC-404 exists in the registry as of checkpoint \d+, /);
    await shot(page, "6-unknown.en");
    await page.context().close();
  });

  it("a witness outage: untouched labels stay green, a new one says 'awaiting witnesses' in the page's language, and all turn green when the witness is back", async () => {
    witnessDown = true;
    const t = now();
    await submit(
      issuerKey,
      statement(
        {
          $case: "labelIssued",
          value: labelIssued({
            productModel: "EV-OUTAGE",
            tier: Tier.TIER_BASIC,
            validFromUnix: t - 10n,
            validUntilUnix: t + 365n * DAY,
          }),
        },
        { labelId: "CCRC-9" },
      ),
    );
    // /checkpoint serves the last cosigned checkpoint and names the newer one as pending.
    const cp = await fetch(url("/checkpoint"));
    expect(Number(cp.headers.get("labelreg-pending-checkpoint-size"))).toBe(registry.registry.view.size);

    const untouched = await phone("/l/CCRC-2?lang=en", "en");
    const u = await settled(untouched);
    expect(u.state, u.text).toBe("ok");
    expect(u.check).toBe("");
    await shot(untouched, "7-outage-untouched.en");
    await untouched.context().close();

    for (const lang of ["zh-CN", "en"] as const) {
      const page = await phone(`/l/CCRC-9?lang=${lang}`, lang);
      const v = await settled(page);
      expect(v.state, v.text).toBe("awaiting");
      expect(v.text).toBe(MESSAGES[lang].verifier.awaiting.replace("{size}", String(registry.registry.view.size)));
      expect(v.check).toBe(MESSAGES[lang].verifier.statusAwaiting);
      // Nothing on the page says the opposite: no red, no "failed".
      expect(await page.locator("body").textContent()).not.toContain(
        lang === "en" ? "Verification failed" : "核验失败",
      );
      await shot(page, `8-outage-new-label.${lang}`);
      await page.context().close();
    }

    witnessDown = false;
    await expect.poll(() => registry.registry.view.witnessed, { timeout: 15_000 }).toBeUndefined();
    const after = await phone("/l/CCRC-9?lang=zh-CN", "zh-CN");
    const v = await settled(after);
    expect(v.state, v.text).toBe("ok");
    expect(v.text).toContain("见证方：witness.test/consumer");
    await shot(after, "9-after-outage.zh-CN");
    await after.context().close();
    expect((await fetch(url("/checkpoint"))).headers.get("labelreg-pending-checkpoint-size")).toBeNull();
  });
});
