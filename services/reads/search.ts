// SearchLabels: finding labels the way a person asks, by label id, manufacturer registration code,
// product model or manufacturer name, over the projections' records and the search index. The
// query's rules and the limits are here; the refusals are INVALID_ARGUMENT naming them.
import { SearchMatch, type SearchHit } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { foldModel, labelStatusAt, productKey, type LabelRecord } from "../domain/state.js";
import type { Records } from "../readmodel/view-records.js";
import { LABEL_ID, REGISTRATION_CODE } from "../domain/syntax.js";
import { RegistryError } from "../sequencer/errors.js";
import { LABEL_STATUS } from "./convert.js";
import { compare, type SearchIndex } from "./search-index.js";

/** Characters in a query, after trimming. */
export const SEARCH_MAX_QUERY_CHARS = 128;
/** Hits over all pages of one query. */
export const SEARCH_MAX_HITS = 1000;
export const SEARCH_MAX_PAGE_SIZE = 100;
export const SEARCH_DEFAULT_PAGE_SIZE = 20;

// Controls (line breaks and tabs too), format characters (bidi controls, zero-width joiners)
// and lone surrogates: a query is one line of visible text.
const NOT_IN_QUERY = /[\p{Cc}\p{Cf}\p{Cs}]/u;

function refuse(rule: "search-query" | "page-token" | "page-size", message: string): RegistryError {
  return new RegistryError("INVALID_ARGUMENT", rule, message);
}

/**
 * A query as searched: NFC, trimmed, runs of white space as one space. Throws RegistryError
 * (search-query) for an empty query, one over SEARCH_MAX_QUERY_CHARS characters, or one with a
 * control or format character.
 */
export function normalizeQuery(raw: string): string {
  if (NOT_IN_QUERY.test(raw))
    throw refuse("search-query", "the query must be one line of text, without control characters");
  const q = raw.normalize("NFC").trim().replace(/\s+/gu, " ");
  if (q.length === 0) throw refuse("search-query", "the query is empty");
  const chars = [...q].length;
  if (chars > SEARCH_MAX_QUERY_CHARS)
    throw refuse("search-query", `the query has ${chars} characters, over ${SEARCH_MAX_QUERY_CHARS}`);
  return q;
}

/** The offset a page token stands for ("" = 0). Tokens are "p<offset>" as nextPageToken gives. */
export function pageOffset(token: string): number {
  if (token === "") return 0;
  const m = /^p([1-9][0-9]{0,5})$/.exec(token);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!(n < SEARCH_MAX_HITS)) throw refuse("page-token", "the page token is not one this service gave");
  return n;
}

export function pageSize(n: number): number {
  if (n === 0) return SEARCH_DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 0 || n > SEARCH_MAX_PAGE_SIZE)
    throw refuse("page-size", `page size ${n} is not within 1..${SEARCH_MAX_PAGE_SIZE}`);
  return n;
}

export interface SearchResult {
  /** At most SEARCH_MAX_HITS, in the order SearchLabelsResponse documents. */
  readonly hits: SearchHit[];
  /** More than SEARCH_MAX_HITS matched. */
  readonly truncated: boolean;
}

/** Keys per fetch: a page of hits or so, so that a search stops soon after it has enough. */
const FETCH_CHUNK = 128;

/**
 * Every label matching `query` (normalized) that the first `size` entries of the log hold, its
 * status read at `nowUnix`.
 */
export async function searchLabels(
  records: Records,
  index: SearchIndex,
  query: string,
  size: number,
  nowUnix: bigint,
): Promise<SearchResult> {
  const hits: SearchHit[] = [];
  const seen = new Set<string>();
  const full = () => hits.length > SEARCH_MAX_HITS;
  const add = (r: LabelRecord | undefined, match: SearchMatch) => {
    if (!r || seen.has(r.labelId) || r.history[0]!.index >= size || full()) return;
    seen.add(r.labelId);
    hits.push({
      labelId: r.labelId,
      manufacturer: r.manufacturer,
      productModel: r.productModel,
      categoryId: r.categoryId,
      tier: r.tier,
      status: LABEL_STATUS[labelStatusAt(r, nowUnix)],
      match,
      validUntilUnix: r.validUntilUnix,
    });
  };
  // Labels in the order given.
  const addLabels = async (ids: readonly string[], match: SearchMatch) => {
    const todo = ids.filter((id) => !seen.has(id));
    for (let at = 0; at < todo.length && !full(); at += FETCH_CHUNK)
      for (const r of await records.labels(todo.slice(at, at + FETCH_CHUNK))) add(r, match);
  };
  // Products in the order given, each product's labels newest first.
  const addProducts = async (keys: readonly string[], match: SearchMatch) => {
    for (let at = 0; at < keys.length && !full(); at += FETCH_CHUNK) {
      const products = await records.products(keys.slice(at, at + FETCH_CHUNK));
      await addLabels(
        products.flatMap((p) => (p ? [...p.labelIds].reverse() : [])),
        match,
      );
    }
  };
  // Manufacturers in the order given, each manufacturer's products by model.
  const addManufacturers = async (codes: readonly string[], match: SearchMatch) => {
    for (let at = 0; at < codes.length && !full(); at += FETCH_CHUNK) {
      const products = await records.manufacturers(codes.slice(at, at + FETCH_CHUNK));
      await addProducts(
        products.flatMap((keys) => (keys ? [...keys].sort(compare) : [])),
        match,
      );
    }
  };

  const upper = query.toUpperCase();
  if (LABEL_ID.test(upper)) await addLabels([upper], SearchMatch.SEARCH_MATCH_LABEL_ID);
  if (REGISTRATION_CODE.test(upper)) await addManufacturers([upper], SearchMatch.SEARCH_MATCH_REGISTRATION_CODE);
  const model = foldModel(query);
  // A model's codes may come from the store a page at a time: their products are fetched a
  // chunk of codes at a time, and the codes stop being read once the hits are full.
  let codes: string[] = [];
  const addModel = () =>
    addProducts(
      codes.map((code) => productKey(code, model)),
      SearchMatch.SEARCH_MATCH_PRODUCT_MODEL,
    );
  for await (const code of index.codesWithModel(model)) {
    if (full()) break;
    codes.push(code);
    if (codes.length === FETCH_CHUNK) {
      await addModel();
      codes = [];
    }
  }
  await addModel();
  const named = index.codesNamed(query.toLowerCase().split(" ")).map((n) => n.code);
  await addManufacturers(named, SearchMatch.SEARCH_MATCH_MANUFACTURER_NAME);

  const truncated = full();
  if (truncated) hits.length = SEARCH_MAX_HITS;
  return { hits, truncated };
}
