// The home page: a search box for a label id, a manufacturer's name or registration code, or a
// product model, and, when asked, one page of results linking to the label pages. No script.
import {
  LabelStatus,
  SearchMatch,
  type SearchHit,
  type SearchLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { SEARCH_MAX_QUERY_CHARS } from "../../services/reads/search.js";
import { dateFormat } from "../page/dates.js";
import { escapeHtml as e } from "../page/escape.js";
import type { Lang } from "../page/lang.js";
import type { LabelStatus as PageStatus, Tier } from "../page/label-view.js";
import { MESSAGES } from "../page/messages.js";
import { nameIn, type Names } from "../page/names.js";
import { pageShell } from "./shell.js";

interface HomeText {
  readonly intro: string;
  readonly label: string;
  readonly hint: string;
  readonly resultsTitle: (q: string) => string;
  readonly count: (n: number, truncated: boolean) => string;
  readonly none: string;
  readonly match: Record<SearchMatch, string>;
  readonly validUntil: (d: string) => string;
  readonly previous: string;
  readonly next: string;
  readonly refused: string;
  readonly rule: (rule: string) => string;
}

const TEXT: Record<Lang, HomeText> = {
  "zh-CN": {
    intro: "输入标识编号、制造商名称或统一社会信用代码、产品型号，查询产品的网络安全标识及其完整记录。",
    label: "查询内容",
    hint: "例如 CCRC-2026000123、制造商名称或产品型号",
    resultsTitle: (q) => `“${q}”的查询结果`,
    count: (n, truncated) => (truncated ? `结果超过 ${n} 条，仅显示前 ${n} 条，请缩小查询范围。` : `共 ${n} 条结果。`),
    none: "没有找到符合的标识。请核对编号或型号；如果产品上印有的编号查不到，该标识可能是伪造的。",
    match: {
      [SearchMatch.SEARCH_MATCH_UNSPECIFIED]: "",
      [SearchMatch.SEARCH_MATCH_LABEL_ID]: "标识编号相符",
      [SearchMatch.SEARCH_MATCH_REGISTRATION_CODE]: "制造商代码相符",
      [SearchMatch.SEARCH_MATCH_PRODUCT_MODEL]: "产品型号相符",
      [SearchMatch.SEARCH_MATCH_MANUFACTURER_NAME]: "制造商名称相符",
      [SearchMatch.UNRECOGNIZED]: "",
    },
    validUntil: (d) => `有效期至 ${d}`,
    previous: "上一页",
    next: "下一页",
    refused: "无法执行此查询",
    rule: (rule) => `（规则：${rule}）`,
  },
  en: {
    intro:
      "Enter a label number, a manufacturer's name or registration code, or a product model to find its cybersecurity labels and their complete record.",
    label: "Search for",
    hint: "e.g. CCRC-2026000123, a manufacturer or a model",
    resultsTitle: (q) => `Results for “${q}”`,
    count: (n, truncated) =>
      truncated
        ? `More than ${n} results; the first ${n} are shown. Narrow the search.`
        : `${n} result${n === 1 ? "" : "s"}.`,
    none: "No label matches. Check the number or model; if a number printed on a product is not found, the label may be counterfeit.",
    match: {
      [SearchMatch.SEARCH_MATCH_UNSPECIFIED]: "",
      [SearchMatch.SEARCH_MATCH_LABEL_ID]: "label number",
      [SearchMatch.SEARCH_MATCH_REGISTRATION_CODE]: "manufacturer's registration code",
      [SearchMatch.SEARCH_MATCH_PRODUCT_MODEL]: "product model",
      [SearchMatch.SEARCH_MATCH_MANUFACTURER_NAME]: "manufacturer's name",
      [SearchMatch.UNRECOGNIZED]: "",
    },
    validUntil: (d) => `valid until ${d}`,
    previous: "Previous",
    next: "Next",
    refused: "This search cannot be run",
    rule: (rule) => ` (rule: ${rule})`,
  },
};

const PAGE_STATUS: Partial<Record<LabelStatus, PageStatus>> = {
  [LabelStatus.LABEL_STATUS_ACTIVE]: "active",
  // As on the label page: a label whose validity starts later shows as active, with its dates.
  [LabelStatus.LABEL_STATUS_NOT_YET_VALID]: "active",
  [LabelStatus.LABEL_STATUS_SUSPENDED]: "suspended",
  [LabelStatus.LABEL_STATUS_REVOKED]: "revoked",
  [LabelStatus.LABEL_STATUS_EXPIRED]: "expired",
};

export interface HomePageOptions {
  readonly lang: Lang;
  /** The request's query parameters (for the language switch and the pager). */
  readonly query: URLSearchParams;
  /** The search as typed, when there is one. */
  readonly q?: string;
  readonly result?: SearchLabelsResponse;
  /** Where this page of results starts, and the page size asked for. */
  readonly offset?: number;
  readonly pageSize?: number;
  /** A refused search: its rule and message. */
  readonly refusal?: { readonly rule: string; readonly message: string };
  /** Category names by id, for the hits. */
  readonly categories?: ReadonlyMap<string, Names>;
}

function hit(lang: Lang, h: SearchHit, categories: ReadonlyMap<string, Names> | undefined): string {
  const m = MESSAGES[lang];
  const t = TEXT[lang];
  const status = PAGE_STATUS[h.status] ?? "expired";
  const tier = (h.tier >= 1 && h.tier <= 3 ? h.tier : 1) as Tier;
  const category = categories?.get(h.categoryId);
  const until = dateFormat(lang).date(new Date(Number(h.validUntilUnix) * 1000));
  const href = `/l/${encodeURIComponent(h.labelId)}?lang=${lang}`;
  return (
    `<li><a href="${e(href)}">${e(h.productModel)}</a> · ${e(h.manufacturer?.name ?? "")}` +
    `<span class="sub">${e(m.tierLabel(tier))} · <span class="pill p-${status}">${e(m.status[status].name)}</span> · ${e(t.validUntil(until))}</span>` +
    `<span class="sub">${e(m.labelId + m.colon + h.labelId)}${category ? ` · ${e(nameIn(lang, category))}` : ""}` +
    `${t.match[h.match] ? ` · ${e(t.match[h.match])}` : ""}</span></li>`
  );
}

function pager(o: HomePageOptions, r: SearchLabelsResponse): string {
  const t = TEXT[o.lang];
  const at = o.offset ?? 0;
  const link = (token: string, text: string, rel: string) => {
    const q = new URLSearchParams({ q: o.q ?? "", lang: o.lang });
    if (token) q.set("page", token);
    return `<a rel="${rel}" href="/?${e(q.toString())}">${e(text)}</a>`;
  };
  const back = Math.max(0, at - (o.pageSize ?? r.hits.length));
  const prev = at > 0 ? link(back > 0 ? `p${back}` : "", t.previous, "prev") : "<span></span>";
  const next = r.nextPageToken ? link(r.nextPageToken, t.next, "next") : "";
  return prev || next ? `<nav class="pager" aria-label="${e(t.next)}">${prev}${next}</nav>` : "";
}

function results(o: HomePageOptions): string {
  const t = TEXT[o.lang];
  if (o.refusal)
    return (
      `<section class="err" aria-labelledby="results-h" role="alert"><h2 id="results-h">${e(t.refused)}</h2>` +
      `<p>${e(o.refusal.message)}${e(t.rule(o.refusal.rule))}</p></section>`
    );
  const r = o.result;
  if (!r || o.q === undefined) return "";
  const body =
    r.hits.length === 0
      ? `<p>${e(t.none)}</p>`
      : `<p>${e(t.count(r.total, r.truncated))}</p><ol class="hits" start="${(o.offset ?? 0) + 1}">${r.hits
          .map((h) => hit(o.lang, h, o.categories))
          .join("")}</ol>${pager(o, r)}`;
  return `<section aria-labelledby="results-h"><h2 id="results-h">${e(t.resultsTitle(o.q))}</h2>${body}</section>`;
}

/** The whole page. Everything from the request or the registry is escaped. */
export function renderHomePage(o: HomePageOptions): string {
  const t = TEXT[o.lang];
  // The title and button as the label pages' messages name them.
  const { title, submit } = MESSAGES[o.lang].home;
  const q = o.q ?? "";
  const form =
    `<section aria-labelledby="search-h"><h1 id="search-h">${e(title)}</h1><p>${e(t.intro)}</p>` +
    `<form class="search" role="search" method="get" action="/">` +
    `<label class="vh" for="q">${e(t.label)}</label>` +
    `<input id="q" name="q" type="search" maxlength="${SEARCH_MAX_QUERY_CHARS}" value="${e(q)}" placeholder="${e(t.hint)}" autocomplete="off" enterkeyhint="search">` +
    `<input type="hidden" name="lang" value="${o.lang}"><button type="submit">${e(submit)}</button></form></section>`;
  return pageShell({
    lang: o.lang,
    title: o.q === undefined ? title : `${t.resultsTitle(o.q)} · ${title}`,
    path: "/",
    query: o.query,
    body: form + results(o),
    ...(o.q !== undefined ? { noindex: true } : {}),
  });
}
