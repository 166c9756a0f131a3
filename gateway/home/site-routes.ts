// The site's own pages beside the label pages: `/` (home and search), `/stats` and `/stats.csv`,
// and the favicon. They read through the ReadApi, so a standalone gateway serves them too.
import { SearchMatch } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { RegistryClientError } from "../../services/client/errors.js";
import { pageOffset } from "../../services/reads/search.js";
import { RegistryError } from "../../services/sequencer/errors.js";
import { statsCsv } from "../../services/stats/csv.js";
import type { ReadApi } from "../api/read-api.js";
import type { Reply } from "../http/reply.js";
import { FAVICON_CACHE, FAVICON_SVG } from "../page/favicon.js";
import type { Lang } from "../page/lang.js";
import type { Names } from "../page/names.js";
import { renderStatsPage } from "../stats/stats-page.js";
import { renderHomePage } from "./home-page.js";
import { SITE_PAGE_CSP } from "./shell.js";

/** Results per page of the HTML search. */
export const SEARCH_PAGE_SIZE = 20;
/** Search results and statistics change with every batch: cached as briefly as label pages. */
const SHORT_CACHE = "public, max-age=10";
/** The home page without a search changes only with a release. */
const HOME_CACHE = "public, max-age=300";

function html(status: number, lang: Lang, body: string, cache: string): Reply {
  return {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-language": lang,
      vary: "Accept-Language",
      "cache-control": cache,
      "content-security-policy": SITE_PAGE_CSP,
      "referrer-policy": "no-referrer",
    },
    body,
  };
}

/** A read refused for its input (a bad query or page token): its rule and message, else undefined. */
function refusalOf(e: unknown): { rule: string; message: string } | undefined {
  if ((e instanceof RegistryError || e instanceof RegistryClientError) && e.code === "INVALID_ARGUMENT")
    return { rule: e.rule, message: e.message };
  return undefined;
}

export class SiteRoutes {
  constructor(private readonly reads: ReadApi) {}

  static favicon(): Reply {
    return {
      status: 200,
      headers: { "content-type": "image/svg+xml", "cache-control": FAVICON_CACHE },
      body: FAVICON_SVG,
    };
  }

  /**
   * `/`: the search box, and one page of results for `?q=` (400, naming the rule, for a bad
   * query). A query that is a label's number leads straight to its page (303), as a lookup should.
   */
  async home(query: URLSearchParams, lang: Lang): Promise<Reply> {
    const q = query.get("q");
    if (q === null || q.trim() === "") return html(200, lang, renderHomePage({ lang, query }), HOME_CACHE);
    const token = query.get("page") ?? "";
    try {
      const offset = pageOffset(token);
      const [result, catalogue] = await Promise.all([
        this.reads.searchLabels({ query: q, pageSize: SEARCH_PAGE_SIZE, pageToken: token }),
        this.reads.listCatalogue(),
      ]);
      const first = result.hits[0];
      if (offset === 0 && first?.match === SearchMatch.SEARCH_MATCH_LABEL_ID)
        return {
          status: 303,
          headers: { location: `/l/${encodeURIComponent(first.labelId)}?lang=${lang}`, "cache-control": "no-store" },
          body: "",
        };
      const categories = new Map<string, Names>(catalogue.categories.map((c) => [c.categoryId, c]));
      return html(
        200,
        lang,
        renderHomePage({ lang, query, q, result, offset, pageSize: SEARCH_PAGE_SIZE, categories }),
        SHORT_CACHE,
      );
    } catch (e) {
      const refusal = refusalOf(e);
      if (!refusal) throw e;
      return html(400, lang, renderHomePage({ lang, query, q, refusal }), "no-store");
    }
  }

  /** `/stats` (HTML with SVG charts) and `/stats.csv`. */
  async stats(format: "html" | "csv", query: URLSearchParams, lang: Lang): Promise<Reply> {
    const { stats } = await this.reads.getStats();
    if (!stats) throw new Error("GetStats answered without statistics");
    if (format === "csv")
      return {
        status: 200,
        headers: {
          "content-type": "text/csv; charset=utf-8; header=present",
          "content-disposition": `attachment; filename="labelreg-stats-${stats.treeSize}.csv"`,
          "cache-control": SHORT_CACHE,
        },
        body: statsCsv(stats),
      };
    return html(200, lang, renderStatsPage({ lang, query, stats }), SHORT_CACHE);
  }
}
