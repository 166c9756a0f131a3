// A HashReader over tlog-tiles: serves the hash of any complete subtree of a tree of size N
// from the tiles that describe it, like Go's tlog.TileHashReader.
//
// A subtree at level h = 8·L + k (k in 0..7) is 2^k consecutive hashes of one tile at tile
// level L; its hash is computed by hashing up inside that tile. Each cached tile keeps the
// levels it has hashed up (at most 255 more hashes per tile, computed at once on the first
// read above level 0), so that with a warm cache a proof costs map lookups, not hashing.
//
// Verification (option `root`): for tiles from an untrusted source (a mirror, a CDN, a browser
// fetching the public read path). The right edge (the partial tiles, at most one per level)
// is fetched once and must hash to `root`; every full tile must hash to the entry for it in
// its parent tile, itself verified the same way, up to the right edge. So every hash the
// reader returns is bound to `root`. Without `root` the fetcher is trusted (the server
// reading its own store) and only tile lengths are checked.
import { HASH_SIZE, type Hash } from "./hash.js";
import { hasher } from "./hasher.js";
import { ByteLru } from "./lru.js";
import { bytesEqual, toHex } from "./bytes.js";
import type { HashReader, SubtreeId } from "./subtree.js";
import {
  TILE_HEIGHT,
  TILE_WIDTH,
  fetchTile,
  partialTilesOfTree,
  tileWidthInTree,
  type TileCoord,
  type TileFetcher,
} from "./tile.js";
import { stateFromEdge } from "./tree-state.js";

/** A fetched tile that does not hash to what the tree's root (through its parent tiles) requires. */
export class TileVerificationError extends Error {
  constructor(
    readonly tile: TileCoord,
    message: string,
  ) {
    super(`tlog-tiles: tile ${tile.level}/${tile.index} (width ${tile.width}) ${message}`);
    this.name = "TileVerificationError";
  }
}

/**
 * A tile as cached: `data` (its hashes), and `up`, the hashes of levels 1..8 above them
 * (floor(width / 2^k) at level k), concatenated, computed on the first read above level 0.
 */
interface CachedTile {
  /** tileKey(level, index). */
  readonly key: number;
  readonly width: number;
  readonly data: Uint8Array;
  up: Uint8Array | undefined;
  /** Checked against a root by a verifying reader. */
  verified: boolean;
  bytes: number;
}

/** Per-entry bookkeeping beyond the hash bytes, so that maxBytes bounds real memory roughly. */
const ENTRY_OVERHEAD = 160;

/**
 * A bounded LRU cache of tiles (log/lru.ts), shareable by several readers (e.g. one per tree size
 * as the log grows): a tile cached at some width serves any reader needing that width or less,
 * as tiles only ever grow. Readers verifying against a root use only entries some verifying
 * reader checked; share one cache between verifying readers only for tree heads known to be
 * consistent (one log, consistency proven), since a tile checked against one root is trusted
 * for all of them.
 */
export class TileCache {
  private readonly lru: ByteLru<number, CachedTile>;

  /** `maxBytes`: tile data plus hashed-up levels; a full tile costs about 16 KiB once hashed up. */
  constructor(maxBytes: number = 64 * 1024 * 1024) {
    if (!(maxBytes > 0)) throw new RangeError("TileCache: maxBytes must be positive");
    this.lru = new ByteLru(maxBytes, (t) => t.bytes);
  }

  get maxBytes(): number {
    return this.lru.maxBytes;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.lru.bytes;
  }

  /** Tiles held now. */
  get size(): number {
    return this.lru.size;
  }

  /** @internal */
  get(key: number): CachedTile | undefined {
    return this.lru.get(key);
  }

  /** @internal Replaces any narrower entry. */
  put(key: number, t: CachedTile): void {
    const old = this.lru.peek(key);
    if (old !== undefined && (old.width > t.width || (old.width === t.width && old.verified && !t.verified))) return;
    this.lru.set(key, t);
  }

  /** @internal A cached tile hashed up another level. */
  grew(t: CachedTile, delta: number): void {
    t.bytes += delta;
    this.lru.resized(t.key, t);
  }
}

/** Cache key of tile (level, index): indices stay below 2^46, so this is a safe integer. */
function tileKey(level: number, index: number): number {
  return index * 64 + level;
}

export interface TileHashReaderOptions {
  /** Shared cache; by default a private one of 64 MiB. */
  cache?: TileCache;
  /** The tree's root (from a verified checkpoint): if given, every tile is verified against it. */
  root?: Hash;
}

/**
 * Reads hashes of complete subtrees of the tree of `size` (hence of every smaller tree too) from
 * its tiles. Ids not complete in the tree are refused with RangeError; fetcher errors pass
 * through; wrong-length tiles give TileDataError, tiles contradicting `root` TileVerificationError.
 */
export class TileHashReader implements HashReader {
  private readonly cache: TileCache;
  private readonly root: Hash | undefined;
  private readonly inflight = new Map<number, Promise<CachedTile>>();
  private edge: Promise<Map<number, CachedTile>> | undefined;
  /** The verified right edge, once verifiedEdge has succeeded (so lookups stay synchronous). */
  private edgeTiles: Map<number, CachedTile> | undefined;

  constructor(
    readonly size: number,
    private readonly fetch: TileFetcher,
    options: TileHashReaderOptions = {},
  ) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`TileHashReader: ${size} is not a tree size`);
    this.cache = options.cache ?? new TileCache();
    this.root = options.root;
    if (this.root !== undefined && this.root.length !== HASH_SIZE)
      throw new RangeError("TileHashReader: root is not 32 bytes");
  }

  /** Returns fresh copies (views of one buffer per call): callers may keep or change them. */
  async readHashes(ids: readonly SubtreeId[]): Promise<Hash[]> {
    const buf = new Uint8Array(ids.length * HASH_SIZE);
    const out: Hash[] = new Array(ids.length);
    let missing: number[] | undefined;
    for (let i = 0; i < ids.length; i++) {
      const { level, index } = ids[i]!;
      this.check(level, index);
      const k = level % TILE_HEIGHT;
      const tl = (level - k) / TILE_HEIGHT;
      const per = 2 ** (TILE_HEIGHT - k);
      const ti = Math.floor(index / per);
      const t = this.lookup(tl, ti);
      if (t === undefined) (missing ??= []).push(i);
      else out[i] = this.copyHash(t, k, index - ti * per, buf, i);
    }
    if (missing === undefined) return out;

    const loads = new Map<number, Promise<CachedTile>>();
    for (const i of missing) {
      const { level, index } = ids[i]!;
      const k = level % TILE_HEIGHT;
      const tl = (level - k) / TILE_HEIGHT;
      const ti = Math.floor(index / 2 ** (TILE_HEIGHT - k));
      const key = tileKey(tl, ti);
      if (!loads.has(key)) loads.set(key, this.load(tl, ti));
    }
    // Wait for all so no load is left unobserved, then report the first failure.
    const settled = await Promise.allSettled(loads.values());
    for (const s of settled) if (s.status === "rejected") throw s.reason;
    for (const i of missing) {
      const { level, index } = ids[i]!;
      const k = level % TILE_HEIGHT;
      const tl = (level - k) / TILE_HEIGHT;
      const per = 2 ** (TILE_HEIGHT - k);
      const ti = Math.floor(index / per);
      out[i] = this.copyHash(await loads.get(tileKey(tl, ti))!, k, index - ti * per, buf, i);
    }
    return out;
  }

  private check(level: number, index: number): void {
    if (
      !Number.isInteger(level) ||
      level < 0 ||
      level > 63 ||
      !Number.isSafeInteger(index) ||
      index < 0 ||
      (index + 1) * 2 ** level > this.size
    ) {
      throw new RangeError(
        `TileHashReader: subtree (level ${level}, index ${index}) is not complete in a tree of size ${this.size}`,
      );
    }
  }

  /** A cached tile usable for (level, index) in this tree, synchronously, or undefined. */
  private lookup(level: number, index: number): CachedTile | undefined {
    const t = this.cache.get(tileKey(level, index));
    if (t !== undefined && t.width === TILE_WIDTH && (t.verified || this.root === undefined)) return t;
    // A verifying reader takes partial tiles only from its own right edge, checked against its root.
    if (this.root !== undefined) return this.edgeTiles?.get(tileKey(level, index));
    return t !== undefined && t.width >= tileWidthInTree(level, index, this.size) ? t : undefined;
  }

  /** Copies hash `pos` at `k` levels above tile t's data into slot i of buf; returns that slot. */
  private copyHash(t: CachedTile, k: number, pos: number, buf: Uint8Array, i: number): Hash {
    let src = t.data;
    let at = pos * HASH_SIZE;
    if (k > 0) {
      src = this.upper(t);
      at += upperOffset(t.width, k) * HASH_SIZE;
    }
    const o = i * HASH_SIZE;
    for (let j = 0; j < HASH_SIZE; j++) buf[o + j] = src[at + j]!;
    return buf.subarray(o, o + HASH_SIZE);
  }

  /** Levels 1..8 of tile t, hashing them up on first use. */
  private upper(t: CachedTile): Uint8Array {
    if (t.up !== undefined) return t.up;
    const up = new Uint8Array(upperOffset(t.width, TILE_HEIGHT + 1) * HASH_SIZE);
    let below = t.data;
    let o = 0;
    for (let k = 1; k <= TILE_HEIGHT; k++) {
      const n = Math.floor(t.width / 2 ** k);
      for (let j = 0; j < n; j++) {
        const l = 2 * j * HASH_SIZE;
        up.set(
          hasher.nodeHash(below.subarray(l, l + HASH_SIZE), below.subarray(l + HASH_SIZE, l + 2 * HASH_SIZE)),
          o + j * HASH_SIZE,
        );
      }
      below = up.subarray(o, o + n * HASH_SIZE);
      o += n * HASH_SIZE;
    }
    t.up = up;
    this.cache.grew(t, up.length);
    return up;
  }

  /** Fetches (once, however many callers wait) and, if verifying, verifies tile (level, index). */
  private load(level: number, index: number): Promise<CachedTile> {
    const width = tileWidthInTree(level, index, this.size);
    if (this.root !== undefined && width < TILE_WIDTH) {
      return this.verifiedEdge().then((edge) => edge.get(tileKey(level, index))!);
    }
    const cached = this.lookup(level, index);
    if (cached !== undefined) return Promise.resolve(cached);
    const key = tileKey(level, index);
    let p = this.inflight.get(key);
    if (p === undefined) {
      p = this.fetchAndVerify({ level, index, width }).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async fetchAndVerify(coord: TileCoord): Promise<CachedTile> {
    const data = await fetchTile(this.fetch, coord);
    const t = newTile(coord, data);
    if (this.root !== undefined) {
      // A full tile's own root is the hash for it in its parent tile, one tile level up.
      const up = this.upper(t);
      const own = up.subarray(up.length - HASH_SIZE);
      const parent = await this.load(coord.level + 1, Math.floor(coord.index / TILE_WIDTH));
      const at = (coord.index % TILE_WIDTH) * HASH_SIZE;
      if (!bytesEqual(own, parent.data.subarray(at, at + HASH_SIZE))) {
        throw new TileVerificationError(coord, "does not hash to its entry in the parent tile");
      }
      t.verified = true;
    }
    this.cache.put(t.key, t);
    return t;
  }

  /** The right edge, fetched once and checked against the root; retried after a failure. */
  private verifiedEdge(): Promise<Map<number, CachedTile>> {
    this.edge ??= (async () => {
      const coords = partialTilesOfTree(this.size);
      const data = await Promise.all(coords.map((c) => fetchTile(this.fetch, c)));
      const edge: Uint8Array[] = [];
      coords.forEach((c, i) => (edge[c.level] = data[i]!));
      const got = stateFromEdge(this.size, edge).root;
      if (!bytesEqual(got, this.root!)) {
        const top = coords[coords.length - 1] ?? { level: 0, index: 0, width: 0 };
        throw new TileVerificationError(
          top,
          `and the rest of the right edge give root ${toHex(got)}, not the expected ${toHex(this.root!)}`,
        );
      }
      const tiles = new Map<number, CachedTile>();
      coords.forEach((c, i) => {
        const t = newTile(c, data[i]!);
        t.verified = true;
        tiles.set(t.key, t);
      });
      this.edgeTiles = tiles;
      return tiles;
    })();
    this.edge.catch(() => (this.edge = undefined));
    return this.edge;
  }
}

function newTile(c: TileCoord, data: Uint8Array): CachedTile {
  return {
    key: tileKey(c.level, c.index),
    width: c.width,
    data,
    up: undefined,
    verified: false,
    bytes: data.length + ENTRY_OVERHEAD,
  };
}

/** Hashes of levels 1..k-1 above a tile of `width`: where level k starts in CachedTile.up. */
function upperOffset(width: number, k: number): number {
  if (width === TILE_WIDTH) return TILE_WIDTH - TILE_WIDTH / 2 ** (k - 1); // 128 + 64 + ... (k - 1 terms)
  let n = 0;
  for (let j = 1; j < k; j++) n += Math.floor(width / 2 ** j);
  return n;
}
