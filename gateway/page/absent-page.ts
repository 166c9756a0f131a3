// The page for a label number the registry does not hold (HTTP 404), as a scanned fake label
// leads to. The server's answer alone is only its word, so the page says it as such; the
// in-browser verifier then checks the registry's proof of absence against the signed checkpoint
// and, only if it verifies, says that no such label exists as of that checkpoint.

import { DEFAULT_TIME_ZONE } from "./dates.js";
import { escapeHtml as e } from "./escape.js";
import { pageHeader, verifierHead, verifySection, type PageWitnesses } from "./label-page.js";
import type { Lang } from "./lang.js";
import { MESSAGES, type Messages } from "./messages.js";
import { PAGE_CSS } from "./page-style.js";

export interface AbsentPageOptions {
  readonly lang: Lang;
  readonly logVerifierKey: string;
  readonly authorityPublicKey?: string;
  readonly witnesses?: PageWitnesses;
  /** The verifier module; without it the page has no script and says it cannot verify. */
  readonly bundleUrl?: string;
  /** Where the verifier fetches the registry's answer (the JSON API's label read). */
  readonly dataUrl?: string;
  readonly timeZone?: string;
}

/** What the absent page hands the verifier script, as JSON in #label-config. */
export interface AbsentPageConfig {
  readonly kind: "absent";
  readonly labelId: string;
  readonly lang: Lang;
  readonly logVerifierKey: string;
  readonly authorityPublicKey?: string;
  readonly witnesses?: PageWitnesses;
  readonly dataUrl?: string;
  readonly timeZone: string;
  readonly messages: Messages["absent"]["verifier"];
}

/** The whole page; `labelId` has the label id syntax (the router checked it). */
export function renderAbsentPage(labelId: string, opts: AbsentPageOptions): string {
  const m = MESSAGES[opts.lang];
  const a = m.absent;
  const other: Lang = opts.lang === "en" ? "zh-CN" : "en";
  const config: AbsentPageConfig = {
    kind: "absent",
    labelId,
    lang: opts.lang,
    logVerifierKey: opts.logVerifierKey,
    ...(opts.authorityPublicKey === undefined ? {} : { authorityPublicKey: opts.authorityPublicKey }),
    ...(opts.witnesses === undefined ? {} : { witnesses: opts.witnesses }),
    ...(opts.dataUrl === undefined ? {} : { dataUrl: opts.dataUrl }),
    timeZone: opts.timeZone ?? DEFAULT_TIME_ZONE,
    messages: a.verifier,
  };
  return (
    `<!doctype html><html lang="${opts.lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light">` +
    `<meta name="robots" content="noindex"><title>${e(a.title)}</title><style>${PAGE_CSS}</style>` +
    verifierHead(config, opts.bundleUrl) +
    `</head><body>${pageHeader(m, other)}` +
    `<main id="main"><section class="status s-revoked" aria-labelledby="h"><h1 id="h">${e(a.title)}</h1>` +
    `<p class="id">${e(m.labelId + m.colon + labelId)}</p><p>${e(a.serverSays(labelId))}</p><p>${e(a.advice)}</p></section>` +
    verifySection(m, a.noScript, opts.bundleUrl !== undefined) +
    `<p><a class="home" href="/">${e(a.home)}</a></p>` +
    `</main><footer><p>${e(m.footer)}</p></footer></body></html>`
  );
}
