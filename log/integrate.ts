// The integrator: extends a tree by a batch of entries, producing exactly the hash tiles the
// growth creates or widens (Go's tlog.NewTiles set) and the new root, from the right edge alone.
//
// Work: one leaf hash per entry, one node hash per entry amortized (appending leaf s merges the
// trailing-ones count of s frontier subtrees; over a run that averages one), plus one root fold
// of at most 53 hashes per batch. Every 8th merge height is a tile boundary: the merged hash is
// the root of a just-filled tile and is, by definition, the next hash of the tile level above.
// Nothing of the tree is reread.
//
// Entry bundles are not built here: the store keeps entries (AppendBatch.entries) and the
// read path assembles `tile/entries/...` from them with encodeBundle; `bundles` names the
// bundle coordinates this growth creates or widens, for caches to invalidate or prebuild.
import { HASH_SIZE, type Hash } from "./hash.js";
import { hasher } from "./hasher.js";
import { checkEntrySize } from "./bundle.js";
import { TILE_HEIGHT, TILE_WIDTH, bundlesOfGrowth, type BundleCoord, type TileData } from "./tile.js";
import { rootOfFrontier, type TreeState } from "./tree-state.js";

export interface Integration {
  /** The state after the batch; the input state stays valid (a lost compare-and-set keeps it). */
  readonly state: TreeState;
  /**
   * Hash tiles created or widened, each at its width in the new tree, ordered by level then
   * index. Full tiles are immutable; a partial tile replaces any narrower one at (level, index).
   * The data arrays are shared with `state`: never mutate them.
   */
  readonly tiles: TileData[];
  /** Entry bundles created or widened (built from the stored entries on read). */
  readonly bundles: BundleCoord[];
}

/**
 * Appends `entries` (each at most 65,535 bytes, else BundleError from checkEntrySize) after
 * `state`. Pure: no I/O, and `state` is not changed. The leaf hashes are in the level-0 tiles.
 */
export function integrate(state: TreeState, entries: readonly Uint8Array[]): Integration {
  entries.forEach(checkEntrySize);
  // One call for the batch's leaf hashes, in one array: holding thousands of short-lived hash
  // objects at once pushed them into the old generation, at a tenth of large batches' time.
  const all = hasher.leafHashes(entries);
  return extend(state, entries.length, (i) => all.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
}

/** As integrate, from leaf hashes already computed (each 32 bytes, else RangeError). */
export function integrateLeafHashes(state: TreeState, leafHashes: readonly Hash[]): Integration {
  leafHashes.forEach((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
      throw new RangeError(`integrate: leaf hash ${i} is not ${HASH_SIZE} bytes`);
  });
  return extend(state, leafHashes.length, (i) => leafHashes[i]!);
}

function extend(state: TreeState, count: number, leafAt: (i: number) => Hash): Integration {
  const newSize = state.size + count;
  if (!Number.isSafeInteger(newSize)) throw new RangeError("integrate: the tree would exceed 2^53 - 1 entries");
  if (count === 0) return { state, tiles: [], bundles: [] };

  const edge = new TileEdge(state);
  const frontier = state.frontier.slice();
  let size = state.size;
  for (let i = 0; i < count; i++) {
    const leaf = leafAt(i);
    edge.append(0, leaf);
    let h = leaf;
    let height = 0;
    // The trailing one bits of `size` are the frontier subtrees the new leaf completes.
    for (let t = size; t % 2 === 1; t = (t - 1) / 2) {
      h = hasher.nodeHash(frontier.pop()!, h);
      height++;
      if (height % TILE_HEIGHT === 0) edge.append(height / TILE_HEIGHT, h);
    }
    frontier.push(h);
    size++;
  }
  const tiles = edge.finish();
  // The newest frontier hash may be a leaf hash viewing a batch-wide array (leafHashes): a state
  // holds its own 32 bytes, not the whole batch's, and posts to a worker as 32 bytes.
  const top = frontier[frontier.length - 1]!;
  if (top.byteLength !== top.buffer.byteLength) frontier[frontier.length - 1] = top.slice();
  return {
    state: { size, root: rootOfFrontier(frontier), frontier, edge: edge.levels },
    tiles,
    bundles: bundlesOfGrowth(state.size, size),
  };
}

const TILE_BYTES = TILE_WIDTH * HASH_SIZE;

/**
 * How many leading bytes of each tile buffer this module allocated are in use. A state's partial
 * tile is a view of [0, claimed) of such a buffer, so the integration that extends the newest
 * state writes past the claim in place, and every view older states hold stays unchanged. A
 * second integration from the same state (a retry after a lost compare-and-set) finds the buffer
 * claimed past its view and copies it. Copying the partial tile every batch, up to 8 KiB a level,
 * was a third of the cost of integrating one entry at a time (bench:log).
 */
const claimed = new WeakMap<ArrayBufferLike, number>();

/** The partial tiles being extended: a level's buffer is taken (in place, or copied) when first touched. */
class TileEdge {
  readonly levels: Uint8Array[];
  private readonly work: (Uint8Array | undefined)[] = [];
  private readonly width: number[] = [];
  private readonly index: number[] = [];
  private readonly out: TileData[] = [];

  constructor(private readonly state: TreeState) {
    this.levels = state.edge.slice();
  }

  private take(level: number): Uint8Array {
    const old = this.levels[level];
    let buf: Uint8Array;
    if (
      old !== undefined &&
      old.byteOffset === 0 &&
      old.buffer.byteLength === TILE_BYTES &&
      claimed.get(old.buffer) === old.length
    ) {
      buf = new Uint8Array(old.buffer, 0, TILE_BYTES);
    } else {
      buf = new Uint8Array(TILE_BYTES);
      if (old !== undefined) buf.set(old);
    }
    // Held until finish() records the final width; a tile that fills up stays held for good.
    claimed.set(buf.buffer, Infinity);
    this.work[level] = buf;
    this.width[level] = (old?.length ?? 0) / HASH_SIZE;
    this.index[level] = Math.floor(this.state.size / TILE_WIDTH ** (level + 1));
    return buf;
  }

  append(level: number, h: Hash): void {
    const buf = this.work[level] ?? this.take(level);
    const w = this.width[level]!;
    buf.set(h, w * HASH_SIZE);
    if (w + 1 < TILE_WIDTH) {
      this.width[level] = w + 1;
      return;
    }
    this.out.push({ level, index: this.index[level]!, width: TILE_WIDTH, data: buf });
    const next = new Uint8Array(TILE_BYTES);
    claimed.set(next.buffer, Infinity);
    this.work[level] = next;
    this.width[level] = 0;
    this.index[level] = this.index[level]! + 1;
  }

  /** Emits the widened partial tiles and sets the new edge; returns every tile written. */
  finish(): TileData[] {
    for (let level = 0; level < this.work.length; level++) {
      const buf = this.work[level];
      if (buf === undefined) continue;
      const w = this.width[level]!;
      const data = buf.subarray(0, w * HASH_SIZE);
      claimed.set(buf.buffer, data.length);
      this.levels[level] = data;
      if (w > 0) this.out.push({ level, index: this.index[level]!, width: w, data });
    }
    return this.out.sort((a, b) => a.level - b.level || a.index - b.index);
  }
}
