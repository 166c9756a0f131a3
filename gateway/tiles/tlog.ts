// The C2SP tlog-tiles v1 read path: /checkpoint, hash tiles and entry bundles, built from the
// log store. Full tiles and bundles are immutable, so they are cached here (bounded LRU) and
// marked cacheable for a year by anyone; partial ones and the checkpoint only briefly.

import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { encodeBundle } from "../../log/bundle.js";
import { HASH_SIZE } from "../../log/hash.js";
import { BUNDLE_WIDTH, TILE_WIDTH, type BundleCoord, type TileCoord } from "../../log/tile.js";
import { textReply, type Reply } from "../http/reply.js";
import { ByteLru } from "../../log/lru.js";
import type { LogSource } from "./log-source.js";

const gzipAsync = promisify(gzip);

export const IMMUTABLE = "public, max-age=31536000, immutable";
/** Partial tiles and bundles are replaced by wider ones as the log grows. */
export const PARTIAL_CACHE = "public, max-age=10";
/** tlog-tiles: the checkpoint must not be cached beyond a few seconds. */
export const CHECKPOINT_CACHE = "public, max-age=2";
/** On /checkpoint: the size of a newer checkpoint still awaiting witness cosignatures. */
export const PENDING_CHECKPOINT_HEADER = "labelreg-pending-checkpoint-size";
const OCTETS = "application/octet-stream";
const FULL_TILE_HEADERS = { "content-type": OCTETS, "cache-control": IMMUTABLE };

interface CachedBundle {
  readonly raw: Uint8Array;
  /** Filled in shortly after the bundle is first built; until then gzip clients get it raw. */
  gz: Uint8Array | undefined;
  readonly byteLength: number;
}

/** True when Accept-Encoding admits gzip (a listed `gzip` without q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(",", 16)) {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding !== "gzip") continue;
    return !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
  }
  return false;
}

export interface TlogOptions {
  /** Bytes of full tiles and full bundles kept in memory; default 64 MiB. */
  readonly cacheBytes?: number;
}

export class TlogReadPath {
  private readonly tiles: ByteLru<string, Uint8Array>;
  private readonly bundles: ByteLru<number, CachedBundle>;

  constructor(
    private readonly source: LogSource,
    opts: TlogOptions = {},
  ) {
    const bytes = opts.cacheBytes ?? 64 * 1024 * 1024;
    this.tiles = new ByteLru(Math.floor(bytes / 2), (d) => d.byteLength);
    this.bundles = new ByteLru(Math.floor(bytes / 2), (b) => b.byteLength);
  }

  async checkpoint(): Promise<Reply> {
    const cp = await this.source.checkpoint();
    if (!cp) return textReply(404, "the log is empty: no checkpoint yet", { "cache-control": CHECKPOINT_CACHE });
    const headers: Record<string, string> = {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": CHECKPOINT_CACHE,
    };
    // A newer checkpoint exists but lacks its witnesses' cosignatures: say so beside the one served.
    if (cp.pendingSize !== undefined) headers[PENDING_CHECKPOINT_HEADER] = String(cp.pendingSize);
    return { status: 200, headers, body: cp.note };
  }

  /** A cached full tile's reply, without touching the store; undefined on a miss. */
  cachedTile(t: TileCoord): Reply | undefined {
    if (t.width !== TILE_WIDTH) return undefined;
    const data = this.tiles.get(`${t.level}/${t.index}`);
    return data && { status: 200, headers: FULL_TILE_HEADERS, body: data };
  }

  /**
   * Hash tile `t`: 404 while the log has not grown to hold it (a partial `.p/W` wider than the
   * tile is now, or a full tile not yet full). A narrower `.p/W` of a tile that has grown since is
   * served from the wider tile's first W hashes: tiles only grow, so those hashes never change.
   */
  async tile(t: TileCoord): Promise<Reply> {
    const hit = this.cachedTile(t);
    if (hit) return hit;
    const stored = await this.source.readTile(t.level, t.index);
    if (!stored || stored.width < t.width) return textReply(404, "no such tile yet", { "cache-control": NO_CACHE_404 });
    const data = stored.width === t.width ? stored.data : stored.data.subarray(0, t.width * HASH_SIZE);
    if (t.width === TILE_WIDTH) {
      this.tiles.set(`${t.level}/${t.index}`, data);
      return { status: 200, headers: { "content-type": OCTETS, "cache-control": IMMUTABLE }, body: data };
    }
    return { status: 200, headers: { "content-type": OCTETS, "cache-control": PARTIAL_CACHE }, body: data };
  }

  /**
   * Entry bundle `b`, gzip-encoded when `gzipOk` (tlog-tiles: bundles SHOULD be compressed). 404
   * while the tree is smaller than the bundle's end; like tiles, a narrower `.p/W` of a bundle
   * that has grown since is served.
   */
  async bundle(b: BundleCoord, gzipOk: boolean): Promise<Reply> {
    const full = b.width === BUNDLE_WIDTH;
    if (full) {
      const hit = this.bundles.get(b.index);
      if (hit) return bundleReply(hit.raw, gzipOk ? hit.gz : undefined, IMMUTABLE);
    }
    const start = b.index * BUNDLE_WIDTH;
    const end = start + b.width;
    let cp = await this.source.checkpoint();
    if (!cp || cp.size < end) cp = await this.source.freshCheckpoint();
    if (!cp || cp.size < end) return textReply(404, "no such entry bundle yet", { "cache-control": NO_CACHE_404 });
    const raw = encodeBundle(await this.source.readEntries(start, end));
    if (!full) return bundleReply(raw, gzipOk ? await gzipAsync(raw) : undefined, PARTIAL_CACHE);
    const cached: CachedBundle = { raw, gz: undefined, byteLength: raw.byteLength };
    this.bundles.set(b.index, cached);
    // Compress off the request path; the LRU accounts only the raw bytes (gzip is smaller).
    gzipAsync(raw).then(
      (gz) => {
        cached.gz = gz;
      },
      () => undefined,
    );
    return bundleReply(raw, undefined, IMMUTABLE);
  }
}

/** A 404 for something that may exist a moment later must not be cached. */
const NO_CACHE_404 = "no-store";

function bundleReply(raw: Uint8Array, gz: Uint8Array | undefined, cacheControl: string): Reply {
  const headers = { "content-type": OCTETS, "cache-control": cacheControl, vary: "Accept-Encoding" };
  return gz
    ? { status: 200, headers: { ...headers, "content-encoding": "gzip" }, body: gz }
    : { status: 200, headers, body: raw };
}
