// The JSON API: the gRPC read paths (VerificationService, LogService) over HTTP, answered by the
// same transport-agnostic functions, in the proto3 JSON mapping (ts-proto's toJSON: lowerCamel
// names, 64-bit integers as strings, bytes as base64, enums by name).
//
//   GET  /api/v1/labels/{id}                        GetLabel
//   GET  /api/v1/products/{registrationCode}/{model} LookupProduct
//   POST /api/v1/labels:verify  {labelIds, compact}  VerifyLabels, as NDJSON (one response per line)
//   GET  /api/v1/labels:watch?fromIndex=&labelIds=&issuerIds=&categoryIds=&eventKinds=
//                                                    WatchLabels, as server-sent events
//   GET  /api/v1/manufacturers/{registrationCode}/products?offset=&limit=
//                                                    ListManufacturerProducts
//   GET  /api/v1/issuers, /api/v1/issuers/{id}, /api/v1/catalogue
//   GET  /api/v1/labels:search?q=&pageSize=&pageToken=  SearchLabels
//   GET  /api/v1/stats                               GetStats (gateway/stats/ serves it as /stats and /stats.csv too)
//   POST /api/v1/tender:check?minTier=&validThrough=&category=  (text/csv list)
//                                                    the tender check's canonical evidence
//
// A NOT_FOUND label, product, manufacturer or issuer is a 404 whose body carries its proof of
// absence as `absence` (a LabelBundle for a label, a MapAbsence for the others).
//   GET  /api/v1/log/checkpoint, /api/v1/log/inclusion?index=|leafHash=&treeSize=,
//        /api/v1/log/consistency?firstSize=&secondSize=

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  GetCheckpointResponse,
  GetConsistencyProofResponse,
  GetInclusionProofResponse,
} from "../../proto/gen/messages/labelreg/v1/log_service.js";
import {
  GetIssuerResponse,
  GetLabelResponse,
  LabelEventKind,
  labelEventKindFromJSON,
  ListCatalogueResponse,
  ListIssuersResponse,
  ListManufacturerProductsResponse,
  LookupProductResponse,
  GetStatsResponse,
  SearchLabelsResponse,
  VerifyLabelsResponse,
  WatchLabelsResponse,
  type WatchLabelsRequest,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { fromBase64 } from "../../log/bytes.js";
import { MAX_WATCH_FILTER_IDS, MAX_WATCH_LABEL_IDS } from "../../services/reads/limits.js";
import { pageSize } from "../../services/reads/search.js";
import { readBody } from "../http/body.js";
import { jsonReply, type Reply } from "../http/reply.js";
import type { TenderCheck } from "../tender/tender-check.js";
import { tenderCheckReply } from "../tender/tender-api.js";
import type { Route } from "../http/route.js";
import { checkpointResponse } from "../../services/logreads/log-reads.js";
import type { ReadApi } from "./read-api.js";
import { ApiRequestError, apiErrorReply } from "./status.js";

type ApiRoute = Extract<Route, { kind: "api" }>;

/** Streaming answers write to the response themselves; everything else is a Reply. */
export type ApiAnswer = Reply | ((res: ServerResponse) => Promise<void>);

export interface JsonApiOptions {
  /** The registry's reads: in-process (InProcessReadApi) or over gRPC (GrpcReadApi). */
  readonly reads: ReadApi;
  readonly maxBodyBytes: number;
  /** Enables POST /api/v1/tender:check (it needs the pinned keys to verify what it states). */
  readonly tender?: TenderCheck;
  /** SSE keep-alive comment interval; default 15 s. */
  readonly heartbeatMs?: number;
}

const ok = (json: unknown): Reply => jsonReply(200, json, { "cache-control": "no-cache" });

function intParam(q: URLSearchParams, name: string, required = false): number {
  const v = q.get(name);
  if (v === null || v === "") {
    if (required) throw new ApiRequestError("missing-parameter", `query parameter ${name} is required`);
    return 0;
  }
  if (!/^[0-9]{1,16}$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new ApiRequestError("bad-number", `${name} ${JSON.stringify(v.slice(0, 20))} is not a non-negative integer`);
  return Number(v);
}

/** intParam for a uint32 field (an offset, a limit), which must not wrap on the way to the registry. */
function uint32Param(q: URLSearchParams, name: string): number {
  const n = intParam(q, name);
  if (n > 0xffffffff) throw new ApiRequestError("bad-number", `${name} ${n} is over 4294967295`);
  return n;
}

function listParam(q: URLSearchParams, name: string, max: number): string[] {
  const v = q.get(name);
  if (!v) return [];
  const items = v.split(",", max + 1);
  if (items.length > max) throw new ApiRequestError("too-many-ids", `${name}: at most ${max} values`);
  return items;
}

async function readJsonBody(req: IncomingMessage, max: number): Promise<unknown> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw new ApiRequestError("bad-content-type", "the body must be application/json");
  const body = await readBody(req, max);
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new ApiRequestError("bad-json", "the body is not JSON");
  }
}

function verifyRequest(body: unknown): { labelIds: string[]; compact: boolean } {
  const b = body as { labelIds?: unknown; compact?: unknown } | null;
  if (
    typeof b !== "object" ||
    b === null ||
    !Array.isArray(b.labelIds) ||
    !b.labelIds.every((x) => typeof x === "string")
  ) {
    throw new ApiRequestError("bad-request", 'the body must be {"labelIds": [string, ...], "compact"?: boolean}');
  }
  if (b.compact !== undefined && typeof b.compact !== "boolean")
    throw new ApiRequestError("bad-request", "compact must be a boolean");
  return { labelIds: b.labelIds as string[], compact: b.compact === true };
}

function watchRequest(q: URLSearchParams, lastEventId: string | undefined): WatchLabelsRequest {
  const from =
    lastEventId !== undefined && /^[0-9]{1,16}$/.test(lastEventId) ? Number(lastEventId) : intParam(q, "fromIndex");
  const kinds = listParam(q, "eventKinds", 16).map((k) => {
    const v = labelEventKindFromJSON(k);
    if (v === LabelEventKind.UNRECOGNIZED || v === LabelEventKind.LABEL_EVENT_KIND_UNSPECIFIED)
      throw new ApiRequestError("bad-event-kind", `unknown event kind ${JSON.stringify(k.slice(0, 40))}`);
    return v;
  });
  return {
    fromIndex: BigInt(from),
    labelIds: listParam(q, "labelIds", MAX_WATCH_LABEL_IDS),
    issuerIds: listParam(q, "issuerIds", MAX_WATCH_FILTER_IDS),
    categoryIds: listParam(q, "categoryIds", MAX_WATCH_FILTER_IDS),
    manufacturerCodes: listParam(q, "manufacturerCodes", MAX_WATCH_FILTER_IDS),
    eventKinds: kinds,
  };
}

export class JsonApi {
  constructor(private readonly opts: JsonApiOptions) {}

  /** The answer for `route`, undefined for a path the API does not have. Read errors become their HTTP status. */
  async answer(route: ApiRoute, req: IncomingMessage): Promise<ApiAnswer | undefined> {
    try {
      return await this.dispatch(route, req);
    } catch (e) {
      const r = apiErrorReply(e);
      if (r) return r;
      throw e;
    }
  }

  private async dispatch(route: ApiRoute, req: IncomingMessage): Promise<ApiAnswer | undefined> {
    const { reads } = this.opts;
    const [a, b, c, d] = route.segments;
    const q = route.query;
    const n = route.segments.length;
    if (a === "labels" && n === 2 && b !== undefined) return ok(GetLabelResponse.toJSON(await reads.getLabel(b)));
    if (a === "products" && n === 3 && b !== undefined && c !== undefined)
      return ok(LookupProductResponse.toJSON(await reads.lookupProduct(b, c)));
    if (a === "issuers" && n === 1) return ok(ListIssuersResponse.toJSON(await reads.listIssuers()));
    if (a === "issuers" && n === 2 && b !== undefined) return ok(GetIssuerResponse.toJSON(await reads.getIssuer(b)));
    if (a === "manufacturers" && n === 3 && b !== undefined && c === "products") {
      const r = await reads.listManufacturerProducts(b, uint32Param(q, "offset"), uint32Param(q, "limit"));
      return ok(ListManufacturerProductsResponse.toJSON(r));
    }
    if (a === "catalogue" && n === 1) return ok(ListCatalogueResponse.toJSON(await reads.listCatalogue()));
    if (a === "labels:search" && n === 1)
      return ok(
        SearchLabelsResponse.toJSON(
          await reads.searchLabels({
            query: q.get("q") ?? "",
            // Checked here too: a standalone gateway must not send a size gRPC would truncate.
            pageSize: pageSize(intParam(q, "pageSize")),
            pageToken: q.get("pageToken") ?? "",
          }),
        ),
      );
    if (a === "stats" && n === 1) return ok(GetStatsResponse.toJSON(await reads.getStats()));
    if (a === "log" && n === 2) {
      if (b === "checkpoint") {
        const cp = await reads.checkpoint();
        if (cp.note === "")
          return jsonReply(404, { code: 5, status: "NOT_FOUND", message: "no checkpoint yet", rule: "no-checkpoint" });
        return ok(GetCheckpointResponse.toJSON(checkpointResponse(cp)));
      }
      if (b === "inclusion") {
        const treeSize = intParam(q, "treeSize");
        const hash = q.get("leafHash");
        const leaf = hash !== null ? { leafHash: decodeHash(hash) } : { index: intParam(q, "index", true) };
        const r = await reads.inclusionProof(leaf, treeSize);
        return ok(
          GetInclusionProofResponse.toJSON({
            index: BigInt(r.index),
            treeSize: BigInt(r.treeSize),
            proof: r.proof,
            entry: r.entry,
            checkpoint: r.checkpoint,
          }),
        );
      }
      if (b === "consistency") {
        const r = await reads.consistencyProof(intParam(q, "firstSize", true), intParam(q, "secondSize"));
        return ok(
          GetConsistencyProofResponse.toJSON({
            firstSize: BigInt(r.firstSize),
            secondSize: BigInt(r.secondSize),
            proof: r.proof,
            checkpoint: r.checkpoint,
          }),
        );
      }
    }
    if (a === "labels:verify" && n === 1) {
      const { labelIds, compact } = verifyRequest(await readJsonBody(req, this.opts.maxBodyBytes));
      const gen = reads.verifyLabels(labelIds, compact);
      // Pull the first message before answering, so a refusal (too many ids) is still a status.
      const first = await gen.next();
      return async (res) => {
        res.writeHead(200, {
          "content-type": "application/x-ndjson",
          "cache-control": "no-store",
          "access-control-allow-origin": "*",
        });
        if (!first.done) await write(res, `${JSON.stringify(VerifyLabelsResponse.toJSON(first.value))}\n`);
        for await (const m of gen) {
          if (res.destroyed) return;
          await write(res, `${JSON.stringify(VerifyLabelsResponse.toJSON(m))}\n`);
        }
        res.end();
      };
    }
    if (a === "tender:check" && n === 1 && this.opts.tender)
      return tenderCheckReply(this.opts.tender, req, q, this.opts.maxBodyBytes);
    if (a === "labels:watch" && n === 1) {
      const wreq = watchRequest(q, req.headers["last-event-id"] as string | undefined);
      return (res) => this.sse(req, res, wreq);
    }
    void d;
    return undefined;
  }

  /** Server-sent events: `event: label` per change, `event: progress` as the feed moves; `id` is the resume index. */
  private async sse(req: IncomingMessage, res: ServerResponse, wreq: WatchLabelsRequest): Promise<void> {
    const abort = new AbortController();
    const stop = () => abort.abort();
    req.on("close", stop);
    res.on("close", stop);
    const gen = this.opts.reads.watchLabels(wreq, abort.signal);
    let first: IteratorResult<WatchLabelsResponse>;
    try {
      first = await gen.next();
    } catch (e) {
      const r = apiErrorReply(e);
      if (!r) throw e;
      res.writeHead(r.status, r.headers);
      res.end(r.body);
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      "access-control-allow-origin": "*",
      "x-accel-buffering": "no",
    });
    const beat = setInterval(() => res.write(": keep-alive\n\n"), this.opts.heartbeatMs ?? 15_000);
    try {
      const send = async (m: WatchLabelsResponse) => {
        const kind = m.message?.$case === "event" ? "label" : "progress";
        await write(
          res,
          `id: ${m.nextIndex}\nevent: ${kind}\ndata: ${JSON.stringify(WatchLabelsResponse.toJSON(m))}\n\n`,
        );
      };
      if (!first.done) await send(first.value);
      for await (const m of gen) await send(m);
    } catch (e) {
      if (!abort.signal.aborted)
        res.write(
          `event: error\ndata: ${JSON.stringify({ message: e instanceof Error ? e.message.slice(0, 200) : "error" })}\n\n`,
        );
    } finally {
      clearInterval(beat);
      res.end();
    }
  }
}

function decodeHash(s: string): Uint8Array {
  try {
    const h = fromBase64(s.replace(/-/g, "+").replace(/_/g, "/"));
    if (h.length === 32) return h;
  } catch {
    // fall through
  }
  throw new ApiRequestError("bad-leaf-hash", "leafHash must be 32 bytes in base64");
}

/** Writes with back-pressure: waits for drain when the socket's buffer is full. */
function write(res: ServerResponse, chunk: string): Promise<void> {
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
