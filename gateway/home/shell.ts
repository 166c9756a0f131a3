// The frame the home, search and statistics pages share: head, header with the language switch
// (to the same page, its other query parameters kept), main, footer with the site's links.
import { escapeHtml as e } from "../page/escape.js";
import { FAVICON_LINK } from "../page/favicon.js";
import type { Lang } from "../page/lang.js";
import { MESSAGES } from "../page/messages.js";
import { PAGE_CSS } from "../page/page-style.js";

/** As the label pages' policy, but the search form may submit (GET, to this site). */
export const SITE_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TEXT: Record<Lang, { home: string; stats: string; footer: string }> = {
  "zh-CN": {
    home: "查询",
    stats: "统计",
    footer: "本登记簿把每一个网络安全标识事件写入公开、只增不改的透明日志，任何人都可以核验。",
  },
  en: {
    home: "Search",
    stats: "Statistics",
    footer:
      "This registry writes every cybersecurity label event to a public, append-only transparency log that anyone can check.",
  },
};

const SITE_CSS =
  "form.search{display:flex;gap:.5rem;flex-wrap:wrap}" +
  "form.search input{flex:1 1 12rem;min-height:44px;padding:.4rem .7rem;font:inherit;border:1px solid #80868b;border-radius:10px}" +
  "form.search button{min-height:44px;padding:0 1.1rem;font:inherit;color:#fff;background:var(--link);border:0;border-radius:10px}" +
  ".hits{list-style:none;margin:0;padding:0}.hits li{padding:.6rem 0;border-top:1px solid var(--line)}.hits li:first-child{border-top:0}" +
  ".hits a{font-weight:600}.pager{display:flex;justify-content:space-between;gap:1rem}" +
  ".pill{display:inline-block;padding:0 .5rem;border-radius:999px;font-size:.85rem;color:#fff}" +
  ".p-active{background:#137333}.p-suspended{background:#8a4a00}.p-revoked{background:#b3261e}.p-expired{background:#5f6368}" +
  "nav.site-links{display:flex;gap:1rem}nav.site-links a{display:inline-flex;align-items:center;min-height:44px}" +
  "svg.chart{width:100%;height:auto;display:block}table{border-collapse:collapse;width:100%;font-size:.9rem}" +
  ".tw{overflow-x:auto}th,td{text-align:left;padding:.3rem .4rem;border-top:1px solid var(--line)}" +
  "td.n,th.n{text-align:right;overflow-wrap:normal;white-space:nowrap}" +
  ".err{border-color:#c5221f;background:#fce8e6}";

/** `path?query` with `lang` replaced: the link to this page in the other language. */
function otherLanguageHref(path: string, query: URLSearchParams, lang: Lang): string {
  const q = new URLSearchParams(query);
  q.set("lang", lang);
  return `${path}?${q.toString()}`;
}

export interface ShellOptions {
  readonly lang: Lang;
  readonly title: string;
  /** The page's path and query, for the language switch. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: string;
  readonly noindex?: boolean;
}

export function pageShell(o: ShellOptions): string {
  const m = MESSAGES[o.lang];
  const t = TEXT[o.lang];
  const other: Lang = o.lang === "en" ? "zh-CN" : "en";
  const here = (p: string) => `${p}?lang=${o.lang}`;
  return (
    `<!doctype html><html lang="${o.lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light">` +
    (o.noindex ? `<meta name="robots" content="noindex">` : "") +
    `<title>${e(o.title)}</title>${FAVICON_LINK}<style>${PAGE_CSS}${SITE_CSS}</style></head><body>` +
    `<a class="skip" href="#main">${e(m.skipToContent)}</a>` +
    `<header><a class="site" href="${e(here("/"))}">${e(m.siteName)}</a>` +
    `<a class="lang" href="${e(otherLanguageHref(o.path, o.query, other))}" hreflang="${other}" lang="${other}">${e(m.switchLanguage)}</a></header>` +
    `<main id="main">${o.body}</main>` +
    `<footer><nav class="site-links" aria-label="${e(t.home)} / ${e(t.stats)}"><a href="${e(here("/"))}">${e(t.home)}</a>` +
    `<a href="${e(here("/stats"))}">${e(t.stats)}</a></nav><p>${e(t.footer)}</p></footer></body></html>`
  );
}
