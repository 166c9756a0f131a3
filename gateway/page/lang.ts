// Choosing the page's language: an explicit `?lang=` wins, then the browser's Accept-Language
// (RFC 9110 §12.5.4), then Simplified Chinese, the scheme's home language.

export type Lang = "zh-CN" | "en";

export const LANGS: readonly Lang[] = ["zh-CN", "en"];
export const DEFAULT_LANG: Lang = "zh-CN";

// RFC 9110 language-range: "*" or 1*8ALPHA *("-" 1*8alphanum); weight: q=0, q=1, q=0.xxx, q=1.000.
const RANGE = /^(?:\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*)$/i;
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;
/** More entries than any real browser sends; the rest are ignored so a huge header costs little. */
export const MAX_RANGES = 32;

/**
 * Maps a language tag to a page language, or undefined if we have none for it.
 * Every Chinese tag (zh, zh-TW, zh-HK, zh-Hant…) gets the Simplified Chinese page: it is the only
 * Chinese we publish, and a reader of Traditional Chinese reads it more easily than English.
 */
export function langOfTag(tag: string): Lang | undefined {
  const primary = tag.toLowerCase().split("-", 1)[0];
  if (primary === "zh") return "zh-CN";
  if (primary === "en") return "en";
  return undefined;
}

interface Range {
  readonly tag: string;
  readonly q: number;
}

function parseAcceptLanguage(header: string): Range[] {
  const ranges: Range[] = [];
  for (const part of header.split(",", MAX_RANGES)) {
    const [rawTag, ...params] = part.split(";");
    const tag = (rawTag ?? "").trim();
    if (!RANGE.test(tag)) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const m = /^\s*q\s*=\s*(\S*)\s*$/i.exec(param);
      if (m === null || !QVALUE.test(m[1] ?? "")) {
        valid = false;
        break;
      }
      q = Number(m[1]);
    }
    if (valid) ranges.push({ tag, q });
  }
  return ranges;
}

/** Tags whose refusal (`q=0`) means the reader does not want our Simplified Chinese page. */
const SIMPLIFIED_CHINESE = new Set(["zh", "zh-cn", "zh-hans", "zh-hans-cn"]);

/**
 * Picks the page language. `queryParam` is the value of `?lang=` (any tag we map: `en`, `en-US`,
 * `zh-CN`, `zh`); if it is missing or unknown, the highest-weighted supported range of
 * `acceptLanguage` decides (ties keep header order). `*` and a header naming nothing we have
 * mean zh-CN, or English if the header refuses Chinese with `q=0`. Malformed entries are
 * skipped. Never throws: anything unusable yields zh-CN.
 */
export function pickLanguage(acceptLanguage: string | undefined | null, queryParam?: string | null): Lang {
  if (queryParam) {
    const fromQuery = langOfTag(queryParam.trim());
    if (fromQuery !== undefined) return fromQuery;
  }
  const ranges = parseAcceptLanguage(acceptLanguage ?? "");
  const refusesChinese = ranges.some((r) => r.q === 0 && SIMPLIFIED_CHINESE.has(r.tag.toLowerCase()));
  const fallback: Lang = refusesChinese ? "en" : DEFAULT_LANG;
  let best: { lang: Lang; q: number } | undefined;
  for (const { tag, q } of ranges) {
    if (q === 0) continue;
    const lang = tag === "*" ? fallback : langOfTag(tag);
    if (lang !== undefined && (best === undefined || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? fallback;
}
