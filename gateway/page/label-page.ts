// The consumer page at /l/<label id>: server-rendered HTML that says everything without
// JavaScript, with one slot (#verify-status) that the in-browser verifier fills in.

import { dateFormat, DEFAULT_TIME_ZONE, type DateFormat } from "./dates.js";
import { escapeHtml as e, jsonForScript, safeHttpUrl } from "./escape.js";
import {
  LABEL_EVENT_KINDS,
  LABEL_STATUSES,
  TIERS,
  type LabelHistoryEntry,
  type LabelView,
  type Tier,
} from "./label-view.js";
import { labelPageUrl } from "./label-url.js";
import type { Lang } from "./lang.js";
import { KEY_INDICATOR_IDS, MESSAGES, type KeyIndicatorId, type Messages } from "./messages.js";
import { PAGE_CSS } from "./page-style.js";

export interface LabelPageOptions {
  readonly lang: Lang;
  /** The gateway's public base URL; the page's canonical address is `<base>/l/<label id>`. */
  readonly publicBaseUrl: string;
  /** The log's verifier key (C2SP signed-note vkey), pinned in the page for the verifier script. */
  readonly logVerifierKey: string;
  /** The authority's Ed25519 public key (base64), the root of issuer keys, pinned for the verifier script. */
  readonly authorityPublicKey?: string;
  /** URL of the in-browser verifier's JS module (the esbuild bundle). Without it, the page has no script. */
  readonly bundleUrl?: string;
  /** URL of the label's proof bundle that the verifier fetches; handed to it in the page config. */
  readonly dataUrl?: string;
  /** The registry's witnesses, pinned for the verifier script: it then requires their cosignatures. */
  readonly witnesses?: PageWitnesses;
  /** IANA time zone in which dates are shown; default Asia/Shanghai. */
  readonly timeZone?: string;
  /** The present, to tell whether security support has ended; default the current time. */
  readonly now?: Date;
}

/**
 * The id of the element the verifier script writes its result into. It starts with
 * `data-state="pending"` and the "verifying…" text; the script sets `data-state` to `ok` (green)
 * or `failed` (red, bold) and replaces the text. It is a live region, so screen readers hear it.
 */
export const VERIFY_STATUS_ID = "verify-status";
/**
 * The id of an empty line in the status box that the verifier script fills when it could not
 * confirm the status (or is awaiting witnesses), so the status box never contradicts the check.
 */
export const STATUS_CHECK_ID = "status-check";
/** The id of the `<script type="application/json">` holding {@link PageConfig}. */
export const PAGE_CONFIG_ID = "label-config";

/** A witness policy as the page pins it: k (`required`) of these cosignature verifier keys. */
export interface PageWitnesses {
  readonly verifierKeys: readonly string[];
  readonly required: number;
}

/** What the page hands the verifier script, as JSON in #label-config. */
export interface PageConfig {
  readonly labelId: string;
  readonly lang: Lang;
  readonly logVerifierKey: string;
  readonly authorityPublicKey?: string;
  /** When set, a checkpoint verifies only with `required` cosignatures from these witnesses. */
  readonly witnesses?: PageWitnesses;
  /** The status the page shows; the verifier checks the log says the same. */
  readonly status: LabelView["status"];
  readonly checkpointSize: number;
  readonly dataUrl?: string;
  /** The IANA zone the page shows times in: the verifier shows the checkpoint's time in it too. */
  readonly timeZone: string;
  /** Result texts in the page's language, with `{size}`, `{witnesses}`, `{reason}`, `{time}` to fill in. */
  readonly messages: Messages["verifier"];
}

/** The view violates LabelView's contract (a tier or status outside its set): a mapping bug upstream. */
export class InvalidLabelViewError extends Error {
  constructor(message: string) {
    super(`label page: ${message}`);
    this.name = "InvalidLabelViewError";
  }
}

function checkView(view: LabelView): void {
  if (!TIERS.includes(view.tier)) throw new InvalidLabelViewError(`tier ${String(view.tier)} is not 1, 2 or 3`);
  if (!LABEL_STATUSES.includes(view.status)) throw new InvalidLabelViewError(`unknown status ${String(view.status)}`);
  for (const h of view.history) {
    if (!LABEL_EVENT_KINDS.includes(h.kind)) throw new InvalidLabelViewError(`unknown event kind ${String(h.kind)}`);
    if (h.tier !== undefined && !TIERS.includes(h.tier))
      throw new InvalidLabelViewError(`history tier ${String(h.tier)}`);
  }
}

const time = (df: DateFormat, d: Date, text: string, instant = false): string => {
  const attr = instant ? df.isoInstant(d) : df.isoDate(d);
  return attr === undefined ? e(text) : `<time datetime="${e(attr)}">${e(text)}</time>`;
};

function stars(m: Messages, tier: Tier): string {
  return (
    `<p class="stars"><span aria-hidden="true"><span class="on">${"★".repeat(tier)}</span>` +
    `<span class="off">${"★".repeat(3 - tier)}</span></span><span class="vh">${e(m.starsAlt(tier))}</span></p>`
  );
}

function tierMeaning(m: Messages, tier: Tier): string {
  const r = m.requirements;
  const items = [r.noDefaultPasswords, r.vulnerabilityManagement, r.softwareUpdates];
  if (tier >= 2) items.push(r.enhanced);
  if (tier >= 3) items.push(r.penetrationTesting);
  return (
    `<section aria-labelledby="tier-h"><h2 id="tier-h">${e(m.tierHeading)}</h2><p>${e(m.tierIntro(tier))}</p>` +
    `<ul class="req">${items.map((i) => `<li>${e(i)}</li>`).join("")}</ul></section>`
  );
}

const row = (term: string, valueHtml: string): string => `<div><dt>${e(term)}</dt><dd>${valueHtml}</dd></div>`;
const withSub = (m: Messages, main: string, sub: string | undefined, subLabel: string): string =>
  e(main) + (sub ? `<span class="sub">${e(subLabel + m.colon + sub)}</span>` : "");

function details(m: Messages, df: DateFormat, v: LabelView, now: Date): string {
  const validity = m.validityRange(df.date(v.validFrom), df.date(v.validUntil));
  let support: string;
  if (v.securitySupportEnd === undefined) support = e(m.securitySupportUndeclared);
  else {
    const text = df.date(v.securitySupportEnd);
    support =
      v.securitySupportEnd.getTime() < now.getTime()
        ? `<span class="warn">${time(df, v.securitySupportEnd, m.securitySupportEnded(text))}</span>`
        : time(df, v.securitySupportEnd, m.securitySupportUntil(text));
  }
  const idLabel = m.partyId;
  return (
    `<section aria-labelledby="details-h"><h2 id="details-h">${e(m.detailsHeading)}</h2><dl>` +
    row(m.productModel, e(v.productModel)) +
    row(m.category, e(v.category)) +
    row(m.manufacturer, withSub(m, v.manufacturer.name, v.manufacturer.registrationCode, m.registrationCode)) +
    row(m.issuer, withSub(m, v.issuer.name, v.issuer.id, idLabel)) +
    row(m.testingLab, withSub(m, v.testingLab.name, v.testingLab.id, idLabel)) +
    row(m.standard, e(v.standard)) +
    row(m.validity, e(validity)) +
    row(m.securitySupport, support) +
    `</dl></section>`
  );
}

/** A well-known indicator id in the page's words; any other name as the issuer wrote it. */
function indicatorName(m: Messages, name: string): string {
  const id = name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-");
  return (KEY_INDICATOR_IDS as readonly string[]).includes(id) ? m.keyIndicatorName[id as KeyIndicatorId] : name;
}

function indicatorValue(m: Messages, value: string): string {
  const v = value.trim().toLowerCase();
  return v === "yes" || v === "true" ? m.yes : v === "no" || v === "false" ? m.no : value;
}

function record(m: Messages, v: LabelView): string {
  const href = v.testReportUri === undefined ? undefined : safeHttpUrl(v.testReportUri);
  let report = "";
  if (href !== undefined)
    report = row(m.testReport, `<a href="${e(href)}" rel="noopener noreferrer">${e(m.openTestReport)}</a>`);
  else if (v.testReportUri) report = row(m.testReport, `<code>${e(v.testReportUri)}</code>`);
  const indicators = (v.keyIndicators ?? [])
    .map((k) => row(indicatorName(m, k.name), e(indicatorValue(m, k.value))))
    .join("");
  return (
    `<section aria-labelledby="record-h"><h2 id="record-h">${e(m.recordHeading)}</h2><dl>` +
    indicators +
    row(m.testReportDigest, `<code>${e(v.testReportDigest)}</code>`) +
    report +
    row(m.declarationDigest, `<code>${e(v.declarationDigest)}</code>`) +
    `</dl></section>`
  );
}

function historyItem(m: Messages, df: DateFormat, h: LabelHistoryEntry): string {
  const tier = h.tier === undefined ? "" : ` · ${e(m.tierLabel(h.tier))}`;
  const reason = h.reason ? `<p>${e(m.reason + m.colon + h.reason)}</p>` : "";
  return (
    `<li class="e-${h.kind}">${time(df, h.time, df.dateTime(h.time), true)}` +
    `<strong>${e(m.event[h.kind])}</strong>${tier}${reason}<span class="sub">${e(m.logEntry(h.logIndex))}</span></li>`
  );
}

function history(m: Messages, df: DateFormat, v: LabelView): string {
  const body =
    v.history.length === 0
      ? `<p>${e(m.noHistory)}</p>`
      : `<p class="note">${e(m.timesIn(df.zoneName))}</p><ol class="timeline">${v.history.map((h) => historyItem(m, df, h)).join("")}</ol>`;
  return `<section aria-labelledby="history-h"><h2 id="history-h">${e(m.historyHeading)}</h2>${body}</section>`;
}

/** The authenticity-check section; `noScript` says what the reader has without the verifier script. */
export function verifySection(m: Messages, noScript: string, hasScript: boolean): string {
  const note = `<p class="note">${e(noScript)}</p>`;
  // Without a script nothing would ever replace "verifying…", so say what the reader has instead.
  const slot = hasScript
    ? `<p id="${VERIFY_STATUS_ID}" role="status" aria-live="polite" data-state="pending">${e(m.verifying)}</p><noscript>${note}</noscript>`
    : note;
  return `<section class="verify" aria-labelledby="verify-h"><h2 id="verify-h">${e(m.verifyHeading)}</h2>${slot}</section>`;
}

/** The end of <head> of a page the verifier script checks: its config as JSON and, if any, the script. */
export function verifierHead(config: unknown, bundleUrl: string | undefined): string {
  return (
    (bundleUrl !== undefined ? `<noscript><style>#${VERIFY_STATUS_ID}{display:none}</style></noscript>` : "") +
    `<script type="application/json" id="${PAGE_CONFIG_ID}">${jsonForScript(config)}</script>` +
    (bundleUrl !== undefined ? `<script type="module" src="${e(bundleUrl)}"></script>` : "")
  );
}

/** The skip link and the header bar with the site's name and the language switch. */
export function pageHeader(m: Messages, other: Lang): string {
  return (
    `<a class="skip" href="#main">${e(m.skipToContent)}</a>` +
    `<header><span class="site">${e(m.siteName)}</span>` +
    `<a class="lang" href="?lang=${other}" hreflang="${other}" lang="${other}">${e(m.switchLanguage)}</a></header>`
  );
}

/**
 * Renders the whole page for `view` in `opts.lang`. Every string from the view is escaped; links
 * from it are shown only if http(s). The page needs no JavaScript; if `opts.bundleUrl` is given
 * it loads that module, which finds its inputs in `#label-config` ({@link PageConfig}) and writes
 * its result into `#verify-status`. Throws InvalidLabelViewError for a view outside its contract,
 * InvalidBaseUrlError for a bad base URL, InvalidLabelIdError for an id that cannot be a URL, RangeError for an unknown time zone.
 */
export function renderLabelPage(view: LabelView, opts: LabelPageOptions): string {
  checkView(view);
  const m = MESSAGES[opts.lang];
  const df = dateFormat(opts.lang, opts.timeZone);
  const now = opts.now ?? new Date();
  const canonical = labelPageUrl(opts.publicBaseUrl, view.labelId);
  const other: Lang = opts.lang === "en" ? "zh-CN" : "en";
  const status = m.status[view.status];
  const hasScript = opts.bundleUrl !== undefined;
  const config: PageConfig = {
    labelId: view.labelId,
    lang: opts.lang,
    logVerifierKey: opts.logVerifierKey,
    ...(opts.authorityPublicKey === undefined ? {} : { authorityPublicKey: opts.authorityPublicKey }),
    ...(opts.witnesses === undefined ? {} : { witnesses: opts.witnesses }),
    status: view.status,
    checkpointSize: view.checkpointSize,
    ...(opts.dataUrl === undefined ? {} : { dataUrl: opts.dataUrl }),
    timeZone: opts.timeZone ?? DEFAULT_TIME_ZONE,
    messages: m.verifier,
  };
  const title = `${m.labelName} · ${m.stars(view.tier)} · ${status.name} — ${view.productModel}`;

  return (
    `<!doctype html><html lang="${opts.lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light">` +
    `<title>${e(title)}</title><link rel="canonical" href="${e(canonical)}">` +
    `<link rel="alternate" hreflang="${other}" href="${e(`${canonical}?lang=${other}`)}">` +
    `<style>${PAGE_CSS}</style>` +
    verifierHead(config, opts.bundleUrl) +
    `</head><body>${pageHeader(m, other)}<main id="main">` +
    `<section class="hero${view.status === "active" ? "" : " inactive"}" aria-labelledby="label-h">` +
    `<p class="kind">${e(m.labelName)}</p>${stars(m, view.tier)}` +
    `<h1 id="label-h">${e(m.stars(view.tier))} · ${e(m.tierName[view.tier])}</h1>` +
    `<p class="model">${e(view.productModel)}</p><p class="maker">${e(view.manufacturer.name)}</p>` +
    `<p class="facts"><span>${time(df, view.validUntil, m.validUntil(df.date(view.validUntil)))}</span><span>${e(m.certifiedBy(view.issuer.name))}</span></p>` +
    `<p class="id">${e(m.labelId + m.colon + view.labelId)}</p></section>` +
    `<section class="status s-${view.status}" aria-labelledby="status-h">` +
    `<h2 id="status-h">${e(m.statusHeading)} <span class="badge">${e(status.name)}</span></h2><p>${e(status.meaning)}</p>` +
    (hasScript ? `<p id="${STATUS_CHECK_ID}" class="check"></p>` : "") +
    `</section>` +
    verifySection(m, m.noScript(view.checkpointSize), hasScript) +
    tierMeaning(m, view.tier) +
    details(m, df, view, now) +
    record(m, view) +
    history(m, df, view) +
    `</main><footer><p>${e(m.footer)}</p><p>${e(m.checkpointNote(view.checkpointSize))}</p></footer></body></html>`
  );
}
