// The HTTP gateway's request handler: routes a request, asks the right part for a reply, writes
// it, counts it. It owns no socket (gateway/server.ts listens), so it mounts on any node:http or
// node:https server, inside the registry process or on its own.

import type { IncomingMessage, ServerResponse } from "node:http";
import { StoreUnavailableError } from "../services/store/port.js";
import { ClientAbortLog, isClientAbort } from "./http/client-abort.js";
import { DEFAULT_LIMITS, type GatewayLimits } from "./http/limits.js";
import { send, textReply, type Reply } from "./http/reply.js";
import { parseRoute, RouteError, type Route } from "./http/route.js";
import { BadBundleError } from "./labels/bundle-label-source.js";
import { htmlErrorReply, LabelRoutes, lookupReply } from "./labels/label-routes.js";
import type { LabelSource } from "./labels/label-source.js";
import type { PageWitnesses } from "./page/label-page.js";
import { jsonLogger, loggablePath, type Logger } from "./ops/log.js";
import { GatewayMetrics } from "./ops/metrics.js";
import type { TenderCheck } from "./tender/tender-check.js";
import { tenderPageReply } from "./tender/tender-page.js";
import type { LogSource } from "./tiles/log-source.js";
import { acceptsGzip, TlogReadPath } from "./tiles/tlog.js";
import type { ReadApi } from "./api/read-api.js";
import { SiteRoutes } from "./home/site-routes.js";

/** Static files the gateway serves under /assets/ (the in-browser verifier). */
export interface Asset {
  readonly contentType: string;
  readonly body: Uint8Array;
  /** The body gzip-compressed, sent to clients that accept it. */
  readonly gz?: Uint8Array;
  /** Versioned names are immutable; others are cached briefly. */
  readonly immutable: boolean;
}

/** A streaming answer writes the whole response itself. */
export type Streamer = (res: ServerResponse) => Promise<void>;

/** The JSON API under /api/v1/ (gateway/api/json-api.ts); answers undefined for paths it does not know. */
export interface ApiHandler {
  answer(route: Extract<Route, { kind: "api" }>, req: IncomingMessage): Promise<Reply | Streamer | undefined>;
}

export interface GatewayOptions {
  /** The tlog-tiles read path's data. */
  readonly log: LogSource;
  /**
   * Enables the label pages: where labels are read, and the log's verifier key pinned in them.
   * Without it only the log is served.
   */
  readonly registry?: {
    readonly labels: LabelSource;
    readonly logVerifierKey: string;
    readonly witnesses?: PageWitnesses;
  };
  /** The log's size for /metrics, when known without a read (the registry's view). */
  readonly logSize?: () => number;
  /** The gateway's public base URL (what QR codes and canonical links hold), e.g. https://labels.example.cn. */
  readonly publicBaseUrl: string;
  /** True when publicBaseUrl is only the listen address (no --public-url): printed labels say so. */
  readonly publicBaseUrlIsDefault?: boolean;
  readonly limits?: Partial<GatewayLimits>;
  readonly metrics?: GatewayMetrics;
  readonly logger?: Logger;
  /** Log every request (method, path without query, status, ms). Errors are always logged. */
  readonly accessLog?: boolean;
  /** Bytes of full tiles and bundles cached in memory. */
  readonly cacheBytes?: number;
  readonly assets?: ReadonlyMap<string, Asset>;
  /** The in-browser verifier, when its bundle is among the assets. */
  readonly verifier?: { readonly bundleUrl: string; readonly dataUrl: (labelId: string) => string };
  readonly api?: ApiHandler;
  /** Enables the home and search page (`/`) and the statistics (`/stats`, `/stats.csv`). */
  readonly reads?: ReadApi;
  /** Enables the tender upload page, /tender (it needs the pinned keys to verify what it states). */
  readonly tender?: TenderCheck;
  readonly now?: () => Date;
}

/** The status metrics record for a request its client abandoned (nginx's "client closed request"). */
const CLIENT_CLOSED = 499;

export class Gateway {
  readonly limits: GatewayLimits;
  readonly metrics: GatewayMetrics;
  readonly tlog: TlogReadPath;
  private readonly labels: LabelRoutes | undefined;
  private readonly site: SiteRoutes | undefined;
  private readonly logger: Logger;
  private readonly aborts: ClientAbortLog;

  constructor(private readonly opts: GatewayOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.metrics = opts.metrics ?? new GatewayMetrics();
    this.logger = opts.logger ?? jsonLogger;
    this.aborts = new ClientAbortLog(this.logger);
    this.tlog = new TlogReadPath(opts.log, opts.cacheBytes === undefined ? {} : { cacheBytes: opts.cacheBytes });
    this.labels =
      opts.registry &&
      new LabelRoutes({
        source: opts.registry.labels,
        logVerifierKey: opts.registry.logVerifierKey,
        ...(opts.registry.witnesses ? { witnesses: opts.registry.witnesses } : {}),
        publicBaseUrl: opts.publicBaseUrl,
        ...(opts.publicBaseUrlIsDefault ? { publicBaseUrlIsDefault: true } : {}),
        ...(opts.verifier ? { verifier: opts.verifier } : {}),
        ...(opts.now ? { now: opts.now } : {}),
      });
    this.site = opts.reads && new SiteRoutes(opts.reads);
    if (opts.logSize) this.metrics.setLogSize(opts.logSize);
  }

  /** The node:http request listener. Never throws; every failure becomes a reply. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    let kind = "unrouted";
    const finish = (reply: Reply): void => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(req, res, reply);
      this.metrics.observeRequest(kind, reply.status, (performance.now() - started) / 1000);
      if (this.opts.accessLog || reply.status >= 500) {
        this.logger(reply.status >= 500 ? "error" : "info", "http", {
          method: req.method?.slice(0, 16),
          path: loggablePath(req.url),
          status: reply.status,
          ms: Math.round((performance.now() - started) * 100) / 100,
        });
      }
    };
    const fail = (e: unknown): void => {
      if (isClientAbort(e, req)) {
        // Nobody is left to answer: no reply, no 500, one quiet log line now and then.
        this.aborts.record({ method: req.method?.slice(0, 16), path: loggablePath(req.url) });
        this.metrics.observeRequest(kind, CLIENT_CLOSED, (performance.now() - started) / 1000);
        res.destroy();
        return;
      }
      finish(this.errorReply(e, req));
    };
    let route: Route;
    try {
      route = parseRoute(req.method ?? "", req.url ?? "", this.limits);
      kind = route.kind;
      const declared = Number(req.headers["content-length"] ?? 0);
      if (!(declared >= 0) || declared > this.limits.maxBodyBytes) {
        finish(textReply(413, `request body larger than ${this.limits.maxBodyBytes} bytes`, { connection: "close" }));
        return;
      }
      // Only POST routes read a body (parseRoute allows POST only there): refuse one elsewhere
      // rather than leave it unread on the connection.
      if (req.method !== "POST" && (declared > 0 || req.headers["transfer-encoding"] !== undefined)) {
        finish(textReply(400, `a ${req.method?.slice(0, 16)} request takes no body`, { connection: "close" }));
        return;
      }
      // Hot path: a cached full tile is answered without a promise.
      if (route.kind === "tile") {
        const hit = this.tlog.cachedTile(route.tile);
        if (hit) {
          finish(hit);
          return;
        }
      }
    } catch (e) {
      fail(e);
      return;
    }
    this.dispatch(route, req).then((r) => {
      if (typeof r !== "function") return finish(r);
      r(res).then(
        () => this.metrics.observeRequest(kind, res.statusCode, (performance.now() - started) / 1000),
        (e: unknown) => {
          if (!res.headersSent) fail(e);
          else res.destroy();
        },
      );
    }, fail);
  };

  private async dispatch(route: Route, req: IncomingMessage): Promise<Reply | Streamer> {
    switch (route.kind) {
      case "checkpoint":
        return this.tlog.checkpoint();
      case "tile":
        return this.tlog.tile(route.tile);
      case "bundle":
        return this.tlog.bundle(route.bundle, acceptsGzip(req.headers["accept-encoding"]));
      case "label": {
        const lang = LabelRoutes.lang(req.headers["accept-language"], route.lang);
        if (!this.labels) return textReply(404, "this gateway serves the log only, not label pages");
        return this.labels.reply(route.labelId, route.resource, lang);
      }
      case "lookup": {
        if (!this.labels) return textReply(404, "this gateway serves the log only, not label pages");
        return lookupReply(route.id, LabelRoutes.lang(req.headers["accept-language"], route.lang));
      }
      case "asset": {
        const a = this.opts.assets?.get(route.name);
        if (!a) return textReply(404, "no such asset");
        const headers = {
          "content-type": a.contentType,
          "cache-control": a.immutable ? "public, max-age=31536000, immutable" : "public, max-age=60",
          vary: "Accept-Encoding",
        };
        if (a.gz && acceptsGzip(req.headers["accept-encoding"]))
          return { status: 200, headers: { ...headers, "content-encoding": "gzip" }, body: a.gz };
        return { status: 200, headers, body: a.body };
      }
      case "api": {
        const r = this.opts.api && (await this.opts.api.answer(route, req));
        return r ?? textReply(404, "no such API method");
      }
      case "home":
      case "stats": {
        if (!this.site) return textReply(404, "this gateway serves the log only, not the registry's pages");
        const lang = LabelRoutes.lang(req.headers["accept-language"], route.query.get("lang")?.slice(0, 35));
        return route.kind === "home"
          ? this.site.home(route.query, lang)
          : this.site.stats(route.format, route.query, lang);
      }
      case "favicon":
        return SiteRoutes.favicon();
      case "tender": {
        if (!this.opts.tender) return textReply(404, "this gateway has no pinned keys, so it does not check tenders");
        const lang = LabelRoutes.lang(req.headers["accept-language"], route.lang);
        return tenderPageReply(this.opts.tender, req, lang, this.limits.maxBodyBytes);
      }
      case "healthz":
        return this.health();
      case "metrics": {
        const m = await this.metrics.render();
        return { status: 200, headers: { "content-type": m.contentType, "cache-control": "no-store" }, body: m.body };
      }
    }
  }

  private async health(): Promise<Reply> {
    const cp = await this.opts.log.checkpoint();
    return {
      status: 200,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
      body: JSON.stringify({ status: "ok", treeSize: cp?.size ?? 0 }),
    };
  }

  private errorReply(e: unknown, req: IncomingMessage): Reply {
    if (e instanceof RouteError) {
      if (e.status === 400 && req.url?.startsWith("/l/")) {
        return htmlErrorReply(400, "malformed", LabelRoutes.lang(req.headers["accept-language"], queryLang(req.url)));
      }
      // A person who followed a bad link gets a page that leads home; programs get the text.
      if (e.status === 404 && this.site && /\btext\/html\b/.test(String(req.headers.accept ?? ""))) {
        return htmlErrorReply(404, "page", LabelRoutes.lang(req.headers["accept-language"], queryLang(req.url)));
      }
      return textReply(e.status, e.message, e.allow ? { allow: e.allow } : {});
    }
    if (e instanceof StoreUnavailableError) {
      this.logger("warn", "store unavailable", { path: loggablePath(req.url), error: e.message.slice(0, 300) });
      return textReply(503, "the log store is unavailable; retry shortly", { "retry-after": "1" });
    }
    if (e instanceof BadBundleError) {
      // The upstream registry answered, but not with anything this gateway can vouch for: a
      // gateway error (502), logged loudly, as it means the registry or the pinned keys are wrong.
      this.logger("error", "registry answer does not verify", {
        path: loggablePath(req.url),
        error: e.message.slice(0, 300),
      });
      return textReply(
        502,
        "the registry's answer for this label does not verify under this gateway's pinned keys, so it is not shown",
      );
    }
    this.logger("error", "internal error", {
      path: loggablePath(req.url),
      error: e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}` : "non-error thrown",
    });
    return textReply(500, "internal error");
  }
}

/** The ?lang= of a URL the router refused, so its error page honours the language switch. */
function queryLang(url: string | undefined): string | undefined {
  const q = url?.indexOf("?") ?? -1;
  if (!url || q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1, q + 1 + 256)).get("lang") ?? undefined;
}
