// The page a consumer sees when a scanned address is not a label address at all (400). It says
// plainly what that means for the product in hand. (An address of a label the registry does not
// hold gets the absent page, gateway/page/absent-page.ts, which proves it.)

import { escapeHtml as e } from "../page/escape.js";
import type { Lang } from "../page/lang.js";
import { MESSAGES } from "../page/messages.js";
import { PAGE_CSS } from "../page/page-style.js";

export type LabelErrorKind = "malformed";

const TEXT: Record<Lang, Record<LabelErrorKind, { title: string; body: string }> & { site: string }> = {
  "zh-CN": {
    site: "网络安全标识查询",
    malformed: {
      title: "标识编号格式不正确",
      body: "这个地址不是有效的网络安全标识编号。请重新扫描产品上的二维码，或核对手动输入的编号。",
    },
  },
  en: {
    site: "Cybersecurity label lookup",
    malformed: {
      title: "Not a label number",
      body: "This address does not hold a valid label number. Scan the product's QR code again, or check the number you typed.",
    },
  },
};

/** A complete HTML page for a label address that has no label. */
export function labelErrorPage(kind: LabelErrorKind, lang: Lang, labelId?: string): string {
  const t = TEXT[lang];
  const m = t[kind];
  const other: Lang = lang === "en" ? "zh-CN" : "en";
  const id = labelId === undefined ? "" : `<p class="id">${e(labelId.slice(0, 80))}</p>`;
  return (
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">` +
    `<title>${e(m.title)}</title><style>${PAGE_CSS}</style></head><body>` +
    `<header><span class="site">${e(t.site)}</span>` +
    `<a class="lang" href="?lang=${other}" hreflang="${other}" lang="${other}">${e(MESSAGES[lang].switchLanguage)}</a></header><main id="main">` +
    `<section class="status s-revoked" aria-labelledby="h"><h1 id="h">${e(m.title)}</h1>${id}<p>${e(m.body)}</p></section>` +
    `</main></body></html>`
  );
}
