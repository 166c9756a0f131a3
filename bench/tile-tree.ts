// A synthetic log held in memory as tlog-tiles, built by the integrator, for the proof benchmarks.
//
// Leaf hashes are pseudo-random 32-byte strings (no entries: only their hashes matter to the
// tree), and the tiles are kept as a LogStore keeps them: the widest version of each, serving a
// narrower request from its prefix, so one build serves readers at every smaller tree size.
import type { Hash } from "../log/hash.js";
import { integrateLeafHashes } from "../log/integrate.js";
import type { TileFetcher } from "../log/tile.js";
import { emptyTreeState, type TreeState } from "../log/tree-state.js";

export interface TileTree {
  readonly state: TreeState;
  /** Serves any tile of any tree size up to state.size, as a view of the stored bytes. */
  readonly fetch: TileFetcher;
  /** Leaf hash i, read from the stored level-0 tile. */
  leafHash(i: number): Hash;
  /** Bytes of tile data stored. */
  readonly bytes: number;
}

const key = (level: number, index: number) => index * 64 + level;

/** Fills `out` with deterministic pseudo-random bytes (xorshift32 over 32-bit words). */
function fillSynthetic(out: Uint8Array, seed: number): void {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.byteLength / 4);
  let x = seed | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
}

/** Builds a tree of `size` synthetic leaves with integrateLeafHashes, `batch` leaves at a time. */
export function buildTileTree(size: number, batch = 1 << 16): TileTree {
  const tiles = new Map<number, Uint8Array>();
  let state = emptyTreeState();
  let bytes = 0;
  for (let start = 0; start < size; start += batch) {
    const n = Math.min(batch, size - start);
    const buf = new Uint8Array(n * 32);
    fillSynthetic(buf, start + 1);
    const leaves = new Array<Hash>(n);
    for (let i = 0; i < n; i++) leaves[i] = buf.subarray(i * 32, i * 32 + 32);
    const r = integrateLeafHashes(state, leaves);
    state = r.state;
    for (const t of r.tiles) {
      const k = key(t.level, t.index);
      bytes += t.data.length - (tiles.get(k)?.length ?? 0);
      tiles.set(k, t.data);
    }
  }
  const fetch: TileFetcher = (level, index, width) => {
    const t = tiles.get(key(level, index));
    if (t === undefined || t.length < width * 32)
      return Promise.reject(new Error(`no tile ${level}/${index} of width ${width}`));
    return Promise.resolve(t.subarray(0, width * 32));
  };
  return {
    state,
    fetch,
    bytes,
    leafHash(i) {
      const t = tiles.get(key(0, Math.floor(i / 256)))!;
      const at = (i % 256) * 32;
      return t.subarray(at, at + 32);
    },
  };
}
