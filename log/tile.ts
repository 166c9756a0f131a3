// C2SP tlog-tiles v1 coordinates and paths: hash tiles `tile/<L>/<N>[.p/<W>]` and entry
// bundles `tile/entries/<N>[.p/<W>]`, and which tiles describe a tree or a growth of it.
//
// Tiles have height 8: a tile at level L holds up to 256 consecutive hashes of complete
// subtrees of height 8·L (level 0: leaf hashes). Tree sizes and indices are JavaScript
// numbers, so every coordinate is limited to trees of at most 2^53 - 1 entries; arithmetic
// uses division by powers of two (exact in floating point), never 32-bit bit operations.
import { HASH_SIZE } from "./hash.js";

/** Tile height in tree levels: a full tile is a complete subtree of 2^8 hashes. */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile. */
export const TILE_WIDTH = 256;
/** The highest tile level C2SP allows in a path. */
export const MAX_TILE_LEVEL = 63;
/** Entries a bundle path can hold at most, like a level-0 tile. */
export const BUNDLE_WIDTH = TILE_WIDTH;

/** A hash tile: `width` hashes (1..256, 256 = full) at tile level `level`, tile number `index`. */
export interface TileCoord {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** An entry bundle: entries [index·256, index·256 + width), width 1..256 (256 = full). */
export interface BundleCoord {
  readonly index: number;
  readonly width: number;
}

/** A tlog-tiles path that is malformed or names a tile no tree of at most 2^53 - 1 entries has. */
export class TilePathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`tlog-tiles: invalid path ${JSON.stringify(path.length > 120 ? path.slice(0, 120) + "…" : path)}: ${reason}`);
    this.name = "TilePathError";
  }
}

/**
 * Number of complete hashes at tile level `level` (tree height 8·level) in a tree of `size`:
 * floor(size / 256^level). The level-`level` tiles of the tree hold exactly these hashes.
 */
export function hashesAtLevel(size: number, level: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/** The width tile (level, index) has in a tree of `size`: 0 if absent, 256 if full. */
export function tileWidthInTree(level: number, index: number, size: number): number {
  const w = hashesAtLevel(size, level) - index * TILE_WIDTH;
  return w <= 0 ? 0 : Math.min(w, TILE_WIDTH);
}

function checkSize(size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tlog-tiles: ${what} ${size} is not a tree size`);
}

/**
 * The tiles that describe a tree of `size`: every full tile, and at each level the one partial
 * tile (width floor(size/256^L) mod 256) if that width is not 0. Ordered by level, then index.
 */
export function tilesOfTree(size: number): TileCoord[] {
  return tilesOfGrowth(0, size);
}

/**
 * The right edge of a tree of `size`: its partial tiles, lowest level first. Together they
 * determine the root (every complete subtree of the size's binary decomposition lies in one).
 */
export function partialTilesOfTree(size: number): TileCoord[] {
  checkSize(size, "size");
  const out: TileCoord[] = [];
  for (let level = 0; hashesAtLevel(size, level) > 0; level++) {
    const n = hashesAtLevel(size, level);
    const w = n % TILE_WIDTH;
    if (w > 0) out.push({ level, index: Math.floor(n / TILE_WIDTH), width: w });
  }
  return out;
}

/**
 * The tiles a growth from `oldSize` to `newSize` creates or widens: at each level, the tiles that
 * became full and the new partial tile, each at its width in the new tree (as Go's tlog.NewTiles).
 * A log publishing these (plus what it published before) serves every tile the new size needs.
 */
export function tilesOfGrowth(oldSize: number, newSize: number): TileCoord[] {
  checkSize(oldSize, "old size");
  checkSize(newSize, "new size");
  if (oldSize > newSize) throw new RangeError(`tlog-tiles: old size ${oldSize} exceeds new size ${newSize}`);
  const out: TileCoord[] = [];
  for (let level = 0; hashesAtLevel(newSize, level) > 0; level++) {
    const oldN = hashesAtLevel(oldSize, level);
    const newN = hashesAtLevel(newSize, level);
    if (oldN === newN) continue;
    const lastFull = Math.floor(newN / TILE_WIDTH);
    for (let index = Math.floor(oldN / TILE_WIDTH); index < lastFull; index++) {
      out.push({ level, index, width: TILE_WIDTH });
    }
    const w = newN % TILE_WIDTH;
    if (w > 0) out.push({ level, index: lastFull, width: w });
  }
  return out;
}

/** The entry bundles a growth from `oldSize` to `newSize` creates or widens (level-0 tiles). */
export function bundlesOfGrowth(oldSize: number, newSize: number): BundleCoord[] {
  return tilesOfGrowth(oldSize, newSize)
    .filter((t) => t.level === 0)
    .map((t) => ({ index: t.index, width: t.width }));
}

// ---- paths ----

function checkCoord(level: number, index: number, width: number): string | undefined {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL)
    return `level ${level} is not in 0..${MAX_TILE_LEVEL}`;
  if (!Number.isSafeInteger(index) || index < 0) return `index ${index} is not a non-negative safe integer`;
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) return `width ${width} is not in 1..${TILE_WIDTH}`;
  // The tile's last hash must end inside a tree of at most 2^53 - 1 entries. Products that
  // exceed 2^53 round to at least 2^53, so the comparison stays correct in floating point.
  const end = index * TILE_WIDTH ** (level + 1) + width * TILE_WIDTH ** level;
  if (end > Number.MAX_SAFE_INTEGER) return "the tile lies beyond 2^53 - 1 entries";
  return undefined;
}

/** `N` as C2SP writes it: 3-digit groups, all but the last prefixed with `x` (1234067 → x001/x234/067). */
export function formatTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError(`tlog-tiles: index ${index} is not a non-negative safe integer`);
  let s = String(index % 1000).padStart(3, "0");
  for (let n = Math.floor(index / 1000); n > 0; n = Math.floor(n / 1000)) {
    s = `x${String(n % 1000).padStart(3, "0")}/${s}`;
  }
  return s;
}

function widthSuffix(width: number): string {
  return width === TILE_WIDTH ? "" : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`. Throws RangeError for coordinates no valid path has. */
export function tilePath(t: TileCoord): string {
  const bad = checkCoord(t.level, t.index, t.width);
  if (bad) throw new RangeError(`tlog-tiles: ${bad}`);
  return `tile/${t.level}/${formatTileIndex(t.index)}${widthSuffix(t.width)}`;
}

/** `tile/entries/<N>[.p/<W>]`. Throws RangeError for coordinates no valid path has. */
export function bundlePath(b: BundleCoord): string {
  const bad = checkCoord(0, b.index, b.width);
  if (bad) throw new RangeError(`tlog-tiles: ${bad}`);
  return `tile/entries/${formatTileIndex(b.index)}${widthSuffix(b.width)}`;
}

const GROUP = /^[0-9]{3}$/;
const X_GROUP = /^x[0-9]{3}$/;
const LEVEL = /^(0|[1-9][0-9]?)$/;
const WIDTH = /^[1-9][0-9]{0,2}$/;
/** 2^53 - 1 has 16 digits: six groups. */
const MAX_GROUPS = 6;

/** Parses `<N>[.p/<W>]` (already split on "/"); returns [index, width]. */
function parseIndexAndWidth(path: string, segs: string[]): [number, number] {
  let width = TILE_WIDTH;
  let groups = segs;
  const beforeLast = segs.length >= 2 ? segs[segs.length - 2]! : "";
  if (beforeLast.endsWith(".p")) {
    const w = segs[segs.length - 1]!;
    if (!WIDTH.test(w) || Number(w) > TILE_WIDTH - 1) {
      throw new TilePathError(path, `partial width ${JSON.stringify(w)} is not 1..255 without leading zeros`);
    }
    width = Number(w);
    groups = [...segs.slice(0, -2), beforeLast.slice(0, -2)];
  }
  if (groups.length === 0) throw new TilePathError(path, "missing tile index");
  if (groups.length > MAX_GROUPS) throw new TilePathError(path, "tile index has too many groups");
  let index = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    const last = i === groups.length - 1;
    if (last ? !GROUP.test(g) : !X_GROUP.test(g)) {
      throw new TilePathError(
        path,
        last
          ? `index group ${JSON.stringify(g)} is not 3 digits`
          : `index group ${JSON.stringify(g)} is not x and 3 digits`,
      );
    }
    const v = Number(last ? g : g.slice(1));
    if (i === 0 && !last && v === 0) throw new TilePathError(path, "index has a leading zero group");
    index = index * 1000 + v;
  }
  return [index, width];
}

function splitTilePath(path: string): string[] {
  if (typeof path !== "string") throw new TilePathError(String(path), "not a string");
  // Bound the work on hostile input before splitting: the longest valid path is short.
  if (path.length > 64) throw new TilePathError(path, "too long");
  const segs = path.split("/");
  if (segs[0] !== "tile" || segs.length < 3) throw new TilePathError(path, "does not start with tile/<L or entries>/");
  return segs;
}

function finish<T>(path: string, level: number, index: number, width: number, value: T): T {
  const bad = checkCoord(level, index, width);
  if (bad) throw new TilePathError(path, bad);
  return value;
}

/**
 * Parses a hash tile path `tile/<L>/<N>[.p/<W>]`; anything else throws TilePathError, including
 * well-formed paths of tiles that no tree of at most 2^53 - 1 entries has (e.g. any level above 6).
 */
export function parseTilePath(path: string): TileCoord {
  const segs = splitTilePath(path);
  const l = segs[1]!;
  if (!LEVEL.test(l)) throw new TilePathError(path, `level ${JSON.stringify(l)} is not a number without leading zeros`);
  const level = Number(l);
  const [index, width] = parseIndexAndWidth(path, segs.slice(2));
  return finish(path, level, index, width, { level, index, width });
}

/** Parses an entry bundle path `tile/entries/<N>[.p/<W>]`; anything else throws TilePathError. */
export function parseBundlePath(path: string): BundleCoord {
  const segs = splitTilePath(path);
  if (segs[1] !== "entries") throw new TilePathError(path, "not an entry bundle path (tile/entries/...)");
  const [index, width] = parseIndexAndWidth(path, segs.slice(2));
  return finish(path, 0, index, width, { index, width });
}

/** A parsed tlog-tiles resource path below the log's prefix (excluding `checkpoint`). */
export type TlogPath =
  | { readonly kind: "tile"; readonly tile: TileCoord }
  | { readonly kind: "bundle"; readonly bundle: BundleCoord };

/** Parses either kind of tile path; throws TilePathError for anything else. */
export function parseTlogPath(path: string): TlogPath {
  const segs = splitTilePath(path);
  return segs[1] === "entries"
    ? { kind: "bundle", bundle: parseBundlePath(path) }
    : { kind: "tile", tile: parseTilePath(path) };
}

// ---- tile bytes ----

/** A hash tile with its bytes: `width` concatenated 32-byte hashes (HASH_SIZE). Same shape as the store's TileWrite. */
export interface TileData extends TileCoord {
  readonly data: Uint8Array;
}

/**
 * Fetches the first `width` hashes of tile (level, index): resolves with exactly width·32 bytes,
 * or rejects (its errors pass through readers unchanged). Readers keep the bytes (in caches and
 * tree states), so the fetcher must not change them afterwards. A store keeping only the widest
 * version of a tile serves a narrower request from its prefix: tiles only ever grow.
 */
export type TileFetcher = (level: number, index: number, width: number) => Promise<Uint8Array>;

/** A fetched tile whose bytes are not `width` 32-byte hashes. */
export class TileDataError extends Error {
  constructor(
    readonly tile: TileCoord,
    readonly length: number,
  ) {
    super(
      `tlog-tiles: tile ${tile.level}/${tile.index} of width ${tile.width} came as ${length} bytes, not ${tile.width * HASH_SIZE}`,
    );
    this.name = "TileDataError";
  }
}

/** Fetches a tile and checks its length (TileDataError if wrong). */
export async function fetchTile(fetch: TileFetcher, t: TileCoord): Promise<Uint8Array> {
  const data = await fetch(t.level, t.index, t.width);
  if (!(data instanceof Uint8Array) || data.length !== t.width * HASH_SIZE)
    throw new TileDataError(t, data?.length ?? -1);
  return data;
}
