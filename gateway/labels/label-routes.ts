// The consumer's routes: /l/<id> (the page the QR code leads to), /l/<id>/qr.svg, qr.png and
// label.svg, answered from the registry's committed projections.

import { toBase64 } from "../../log/bytes.js";
import { parseCosignatureVerifierKey } from "../../log/cosignature.js";
import { witnessPolicy } from "../../log/witness-policy.js";
import { LABEL_ID } from "../../services/domain/syntax.js";
import { renderAbsentPage } from "../page/absent-page.js";
import { renderHomePage } from "../page/home-page.js";
import { renderLabelPage } from "../page/label-page.js";
import { labelSvg } from "../page/label-svg.js";
import { labelPageUrl } from "../page/label-url.js";
import { pickLanguage, type Lang } from "../page/lang.js";
import { qrPng, qrSvg } from "../page/qr.js";
import type { Reply } from "../http/reply.js";
import type { LabelResource } from "../http/route.js";
import { labelErrorPage, type LabelErrorKind } from "./error-page.js";
import type { LabelSource } from "./label-source.js";
import { pageStatusAt } from "./label-view-map.js";
import type { LabelRecord } from "../../services/domain/state.js";
import type { LabelView } from "../page/label-view.js";
import type { PageWitnesses } from "../page/label-page.js";

/** The page script may come only from this gateway; styles are inline; nothing may frame the page. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** The home page's lookup form submits to this gateway; nothing else changes from PAGE_CSP. */
export const HOME_CSP = PAGE_CSP.replace("form-action 'none'", "form-action 'self'");
/** A label's status can change at any moment (a revocation): pages are cached only briefly. */
export const PAGE_CACHE = "public, max-age=10";
/** The QR code depends only on the label id and the public base URL. */
export const QR_CACHE = "public, max-age=86400";

export interface LabelRoutesOptions {
  /** Where labels are read: the registry's view in-process, or its GetLabel over gRPC. */
  readonly source: LabelSource;
  readonly logVerifierKey: string;
  /** The registry's witness policy, pinned in pages so the verifier script requires it. */
  readonly witnesses?: PageWitnesses;
  readonly publicBaseUrl: string;
  /**
   * Set when no public URL was configured and publicBaseUrl is only the listen address: printed
   * labels then say their QR code leads there (a phone cannot reach 127.0.0.1).
   */
  readonly publicBaseUrlIsDefault?: boolean;
  /** The in-browser verifier: its module URL, and the URL of a label's bundle for it to check. */
  readonly verifier?: { readonly bundleUrl: string; readonly dataUrl: (labelId: string) => string };
  readonly now?: () => Date;
}

/** The headers of an HTML page in `lang`. */
function htmlHeaders(lang: Lang, cacheControl: string, csp = PAGE_CSP): Record<string, string> {
  return {
    "content-type": "text/html; charset=utf-8",
    "content-language": lang,
    vary: "Accept-Language",
    "cache-control": cacheControl,
    "content-security-policy": csp,
    "referrer-policy": "no-referrer",
  };
}

/** The home page, with its lookup form. */
export function homeReply(lang: Lang): Reply {
  return { status: 200, headers: htmlHeaders(lang, "public, max-age=300", HOME_CSP), body: renderHomePage(lang) };
}

/**
 * The lookup form's answer: a redirect (303) to the page of the label number typed, read as
 * people type it (any case, spaces around and inside), or the home page again (400) saying that
 * what was typed is not a label number.
 */
export function lookupReply(typed: string, lang: Lang): Reply {
  const id = typed.replace(/\s+/g, "").toUpperCase();
  if (!LABEL_ID.test(id))
    return { status: 400, headers: htmlHeaders(lang, "no-store", HOME_CSP), body: renderHomePage(lang, typed.trim()) };
  return {
    status: 303,
    headers: { location: `/l/${encodeURIComponent(id)}?lang=${lang}`, "cache-control": "no-store" },
    body: "",
  };
}

export function htmlErrorReply(status: 400 | 404, kind: LabelErrorKind, lang: Lang, labelId?: string): Reply {
  return { status, headers: htmlHeaders(lang, "no-store"), body: labelErrorPage(kind, lang, labelId) };
}

export class LabelRoutes {
  /**
   * Rendered pages per record (records are immutable, replaced on change), keyed by everything
   * else the HTML depends on. Rendering costs most of a millisecond; a scanned label is hot.
   */
  private readonly pages = new WeakMap<LabelRecord, Map<string, string>>();

  constructor(private readonly opts: LabelRoutesOptions) {
    labelPageUrl(opts.publicBaseUrl, "X-1"); // InvalidBaseUrlError at start-up, not per request
    // A bad witness key or k fails here (NoteError, WitnessPolicyError), not in every browser.
    if (opts.witnesses)
      witnessPolicy(
        opts.witnesses.required,
        opts.witnesses.verifierKeys.map((k) => parseCosignatureVerifierKey(k)),
      );
  }

  /** Chooses the language as the page does: ?lang= first, then Accept-Language. */
  static lang(acceptLanguage: string | undefined, queryLang: string | undefined): Lang {
    return pickLanguage(acceptLanguage, queryLang);
  }

  async reply(labelId: string, resource: LabelResource, lang: Lang): Promise<Reply> {
    const snap = await this.opts.source.label(labelId);
    if (!snap) {
      return resource === "page"
        ? this.absentReply(labelId, lang)
        : {
            status: 404,
            headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
            body: "no such label\n",
          };
    }
    const { record, size } = snap;
    const url = labelPageUrl(this.opts.publicBaseUrl, labelId);
    switch (resource) {
      case "qr.svg":
        return {
          status: 200,
          headers: { "content-type": "image/svg+xml", "cache-control": QR_CACHE },
          body: qrSvg(url),
        };
      case "qr.png":
        return {
          status: 200,
          headers: { "content-type": "image/png", "cache-control": QR_CACHE },
          body: await qrPng(url),
        };
      case "label.svg": {
        const now = this.opts.now?.() ?? new Date();
        const status = pageStatusAt(record, BigInt(Math.floor(now.getTime() / 1000)));
        const qrWarning = this.opts.publicBaseUrlIsDefault
          ? `QR → ${this.opts.publicBaseUrl}: set --public-url before printing`
          : undefined;
        const headers: Record<string, string> = { "content-type": "image/svg+xml", "cache-control": PAGE_CACHE };
        if (qrWarning)
          headers.warning = `299 labelreg "the QR code leads to ${this.opts.publicBaseUrl}, the listen address; start with --public-url"`;
        return {
          status: 200,
          headers,
          body: labelSvg(labelId, record.tier as 1 | 2 | 3, url, { status, ...(qrWarning ? { qrWarning } : {}) }),
        };
      }
      case "page": {
        const now = this.opts.now?.() ?? new Date();
        const lv = await snap.views.view(snap.state, record, BigInt(Math.floor(now.getTime() / 1000)), size);
        const supportEnded = lv.securitySupportEnd !== undefined && lv.securitySupportEnd.getTime() < now.getTime();
        const key = `${lang}|${lv.status}|${size}|${supportEnded}`;
        let cached = this.pages.get(record);
        if (!cached) this.pages.set(record, (cached = new Map()));
        let html = cached.get(key);
        if (html === undefined) {
          if (cached.size >= 8) cached.clear(); // old checkpoint sizes
          html = this.render(lv, lang, now);
          cached.set(key, html);
        }
        return { status: 200, headers: htmlHeaders(lang, PAGE_CACHE), body: html };
      }
    }
  }

  /**
   * The 404 page of a label id the registry does not hold: the server's answer, which the page's
   * verifier proves (or fails to prove) from the registry's proof of absence.
   */
  private absentReply(labelId: string, lang: Lang): Reply {
    const v = this.opts.verifier;
    return {
      status: 404,
      // A label may be issued under this id at any moment.
      headers: htmlHeaders(lang, "no-store"),
      body: renderAbsentPage(labelId, {
        lang,
        logVerifierKey: this.opts.logVerifierKey,
        authorityPublicKey: toBase64(this.opts.source.authorityPublicKey),
        ...(this.opts.witnesses ? { witnesses: this.opts.witnesses } : {}),
        ...(v ? { bundleUrl: v.bundleUrl, dataUrl: v.dataUrl(labelId) } : {}),
      }),
    };
  }

  private render(lv: LabelView, lang: Lang, now: Date): string {
    const v = this.opts.verifier;
    return renderLabelPage(lv, {
      lang,
      publicBaseUrl: this.opts.publicBaseUrl,
      logVerifierKey: this.opts.logVerifierKey,
      authorityPublicKey: toBase64(this.opts.source.authorityPublicKey),
      now,
      ...(this.opts.witnesses ? { witnesses: this.opts.witnesses } : {}),
      ...(v ? { bundleUrl: v.bundleUrl, dataUrl: v.dataUrl(lv.labelId) } : {}),
    });
  }
}
