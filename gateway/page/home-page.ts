// The consumer's home page: what the registry is for, and a form to look a label up by the
// number printed on it (GET /l?id=…, which the gateway redirects to the label's page). No script.

import { escapeHtml as e } from "./escape.js";
import { pageHeader } from "./label-page.js";
import type { Lang } from "./lang.js";
import { MESSAGES } from "./messages.js";
import { PAGE_CSS } from "./page-style.js";

/** The home page; `typed` is what a lookup that was not a label number held (shown, escaped, with why). */
export function renderHomePage(lang: Lang, typed?: string): string {
  const m = MESSAGES[lang];
  const h = m.home;
  const other: Lang = lang === "en" ? "zh-CN" : "en";
  const error =
    typed === undefined
      ? ""
      : `<p class="warn" id="id-error" role="alert">${e(h.notALabelNumber(typed.slice(0, 60)))}</p>`;
  return (
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light">` +
    `<title>${e(h.title)}</title><style>${PAGE_CSS}</style></head><body>${pageHeader(m, other)}` +
    `<main id="main"><section aria-labelledby="h"><h1 id="h">${e(h.title)}</h1><p>${e(h.intro)}</p>` +
    `<form class="lookup" action="/l" method="get"><label for="id">${e(h.field)}</label>` +
    `<input id="id" name="id" required maxlength="49" autocomplete="off" autocapitalize="characters" spellcheck="false"` +
    ` aria-describedby="id-hint${typed === undefined ? "" : " id-error"}" value="${e(typed ?? "")}">` +
    `<input type="hidden" name="lang" value="${lang}"><button type="submit">${e(h.submit)}</button></form>` +
    `<p class="note" id="id-hint">${e(h.hint)}</p>${error}</section>` +
    `</main><footer><p>${e(m.footer)}</p></footer></body></html>`
  );
}
