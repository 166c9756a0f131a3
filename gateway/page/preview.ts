// Renders the sample label page in each language and status to HTML files and phone-sized
// screenshots, for a person to look at: `npx tsx gateway/page/preview.ts [outDir]`.
// Needs Debian's chromium at /usr/bin/chromium (or CHROMIUM=path).

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { renderLabelPage } from "./label-page.js";
import { LABEL_STATUSES } from "./label-view.js";
import { LANGS } from "./lang.js";
import { sampleLabelInStatus } from "./sample-label.js";

const outDir = process.argv[2] ?? "/tmp/label-page";
mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({
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
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  for (const lang of LANGS) {
    for (const status of LABEL_STATUSES) {
      const html = renderLabelPage(sampleLabelInStatus(status), {
        lang,
        publicBaseUrl: "https://labels.example.cn",
        logVerifierKey: "labels.example.cn/log+3b1a5c2e+AUfIHKBsRYQjZsTQZ8fdX5dZb0vhYVJ3V3lwZ3iQqS5k",
        bundleUrl: "/static/verify.js",
        now: new Date("2027-08-01T00:00:00+08:00"),
      });
      const base = join(outDir, `${status}.${lang}`);
      writeFileSync(`${base}.html`, html);
      await page.setContent(html, { waitUntil: "load" });
      await page.screenshot({ path: `${base}.png`, fullPage: true });
      console.log(`${base}.png (${html.length} bytes of HTML)`);
    }
  }
} finally {
  await browser.close();
}
