// The gateway's routes: one pure function from (method, request target) to a typed route or a
// typed refusal, so the whole surface can be fuzzed without a socket. Paths are matched exactly
// (no normalisation of "//", "." or ".."): a public cache must see one name per resource.

import { parseTlogPath, TilePathError, type BundleCoord, type TileCoord } from "../../log/tile.js";
import { LABEL_ID } from "../../services/domain/syntax.js";
import { DEFAULT_LIMITS, type GatewayLimits } from "./limits.js";

export type LabelResource = "page" | "qr.svg" | "qr.png" | "label.svg";

export type Route =
  | { readonly kind: "checkpoint" }
  | { readonly kind: "tile"; readonly tile: TileCoord }
  | { readonly kind: "bundle"; readonly bundle: BundleCoord }
  | {
      readonly kind: "label";
      readonly labelId: string;
      readonly resource: LabelResource;
      readonly lang: string | undefined;
    }
  | { readonly kind: "asset"; readonly name: string }
  /** The lookup form: /l?id=<label id>, answered with a redirect to the label's page. */
  | { readonly kind: "lookup"; readonly id: string; readonly lang: string | undefined }
  | { readonly kind: "api"; readonly segments: readonly string[]; readonly query: URLSearchParams }
  | { readonly kind: "tender"; readonly lang: string | undefined }
  | { readonly kind: "healthz" }
  | { readonly kind: "metrics" }
  /** The home page, and search results when the query has `q`. */
  | { readonly kind: "home"; readonly query: URLSearchParams }
  | { readonly kind: "stats"; readonly format: "html" | "csv"; readonly query: URLSearchParams }
  | { readonly kind: "favicon" };

/** A request the router refuses, with the HTTP status to answer and, for 405, the allowed methods. */
export class RouteError extends Error {
  constructor(
    readonly status: 400 | 404 | 405 | 414,
    message: string,
    readonly allow?: string,
  ) {
    super(message);
    this.name = "RouteError";
  }
}

const READ_METHODS = "GET, HEAD";
/** API paths that take a POST body (bulk requests); every other route is read-only. */
const API_POST = new Set(["labels:verify", "tender:check"]);
const ASSET_NAME = /^[a-z0-9][a-z0-9.-]{0,63}\.(?:js|css|svg|png)$/;
const LABEL_RESOURCES = new Set<string>(["qr.svg", "qr.png", "label.svg"]);
const API_SEGMENT = /^[A-Za-z0-9._:~%-]{1,128}$/;

function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

function decodeSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw new RouteError(400, "malformed percent-encoding in the path");
  }
}

function methodFor(kind: Route["kind"], method: string, apiName?: string): void {
  // The tender upload page is a form: read it, post the list to it.
  if (kind === "tender") {
    if (method === "GET" || method === "HEAD" || method === "POST") return;
    throw new RouteError(405, `method ${method.slice(0, 16)} not allowed`, "GET, HEAD, POST");
  }
  const post = kind === "api" && apiName !== undefined && API_POST.has(apiName);
  if (post ? method === "POST" : method === "GET" || method === "HEAD") return;
  throw new RouteError(405, `method ${method.slice(0, 16)} not allowed`, post ? "POST" : READ_METHODS);
}

/** Only a few query parameters mean anything; a malformed query is refused rather than guessed at. */
function parseQuery(q: string): URLSearchParams {
  if (/[^A-Za-z0-9._~%+=&:,*-]/.test(q)) throw new RouteError(400, "malformed query string");
  return new URLSearchParams(q);
}

/** The ?lang= of a page's query, cut to the longest tag the page could use. */
function langParam(query: URLSearchParams): string | undefined {
  return query.get("lang")?.slice(0, 35) ?? undefined;
}

/**
 * Maps a request to its route. `target` is the raw request target (`req.url`): an origin-form
 * path with an optional query. Throws RouteError: 414 for a target or query over the limits,
 * 400 for a malformed path or id, 404 for no such route, 405 for a method the route does not take.
 * Never throws anything else.
 */
export function parseRoute(method: string, target: string, limits: GatewayLimits = DEFAULT_LIMITS): Route {
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long targets need counting.
  if (
    target.length > limits.maxUrlBytes ||
    (target.length * 3 > limits.maxUrlBytes && utf8Bytes(target) > limits.maxUrlBytes)
  )
    throw new RouteError(414, "request target too long");
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? "" : target.slice(q + 1);
  if (rawQuery.length > limits.maxQueryBytes) throw new RouteError(414, "query string too long");
  if (!path.startsWith("/")) throw new RouteError(400, "request target is not an absolute path");
  if (path.includes("#")) throw new RouteError(400, "fragment in request target");

  const route = match(path, rawQuery);
  methodFor(route.kind, method, route.kind === "api" ? route.segments.join("/") : undefined);
  return route;
}

function match(path: string, rawQuery: string): Route {
  const segs = path.slice(1).split("/");
  const first = segs[0];
  if (path === "/checkpoint") return { kind: "checkpoint" };
  if (path === "/l") {
    const query = parseQuery(rawQuery);
    // What a reader typed: the redirect checks it (case, spaces) and says what is wrong with it.
    return { kind: "lookup", id: (query.get("id") ?? "").slice(0, 100), lang: langParam(query) };
  }
  if (path === "/healthz") return { kind: "healthz" };
  if (path === "/metrics") return { kind: "metrics" };
  if (path === "/") return { kind: "home", query: parseQuery(rawQuery) };
  if (path === "/stats") return { kind: "stats", format: "html", query: parseQuery(rawQuery) };
  if (path === "/stats.csv") return { kind: "stats", format: "csv", query: parseQuery(rawQuery) };
  if (path === "/favicon.svg" || path === "/favicon.ico") return { kind: "favicon" };
  if (path === "/tender") return { kind: "tender", lang: parseQuery(rawQuery).get("lang")?.slice(0, 35) };
  if (first === "tile") {
    try {
      const p = parseTlogPath(path.slice(1));
      return p.kind === "tile" ? { kind: "tile", tile: p.tile } : { kind: "bundle", bundle: p.bundle };
    } catch (e) {
      if (e instanceof TilePathError) throw new RouteError(400, e.reason);
      throw e;
    }
  }
  if (first === "l" && (segs.length === 2 || segs.length === 3)) {
    const labelId = decodeSegment(segs[1] ?? "");
    if (!LABEL_ID.test(labelId)) throw new RouteError(400, "malformed label id");
    let resource: LabelResource = "page";
    if (segs.length === 3) {
      const r = segs[2] ?? "";
      if (!LABEL_RESOURCES.has(r)) throw new RouteError(404, "no such label resource");
      resource = r as LabelResource;
    }
    return { kind: "label", labelId, resource, lang: langParam(parseQuery(rawQuery)) };
  }
  if (first === "assets" && segs.length === 2 && ASSET_NAME.test(segs[1] ?? ""))
    return { kind: "asset", name: segs[1] ?? "" };
  if (first === "api" && segs[1] === "v1" && segs.length >= 3 && segs.length <= 6) {
    const rest = segs.slice(2);
    if (!rest.every((s) => API_SEGMENT.test(s))) throw new RouteError(400, "malformed API path");
    return { kind: "api", segments: rest.map(decodeSegment), query: parseQuery(rawQuery) };
  }
  throw new RouteError(404, "not found");
}
