// The small state a sequencer keeps in memory to extend the tree without rereading it: the
// right edge. For a tree of size N that is, at each tile level, the partial tile (the hashes
// past the last full tile), plus the "frontier": the hashes of the complete subtrees of N's
// binary decomposition (at most 53), from which the root is one fold. Together at most a few
// kilobytes per level, whatever N is.
import { HASH_SIZE, type Hash } from "./hash.js";
import { hasher } from "./hasher.js";
import { bytesEqual, toHex } from "./bytes.js";
import { TILE_WIDTH, fetchTile, partialTilesOfTree, type TileFetcher } from "./tile.js";

/**
 * An immutable snapshot of the right edge of a tree. Obtain one from emptyTreeState,
 * loadTreeState or integrate; never mutate its arrays (later states share them).
 */
export interface TreeState {
  readonly size: number;
  /** RFC 9162 root of the tree of `size` (SHA-256 of "" for size 0). */
  readonly root: Hash;
  /** Hashes of the complete subtrees of the binary decomposition of `size`, largest (leftmost) first. */
  readonly frontier: readonly Hash[];
  /**
   * edge[L]: the partial tile at tile level L, (floor(size / 256^L) mod 256) hashes, possibly
   * empty, for every level L with floor(size / 256^L) > 0.
   */
  readonly edge: readonly Uint8Array[];
}

/** The state of the empty tree. */
export function emptyTreeState(): TreeState {
  return { size: 0, root: hasher.emptyRoot, frontier: [], edge: [] };
}

/** The right edge of a loaded tree does not produce the root it was expected to. */
export class TreeStateError extends Error {
  constructor(message: string) {
    super(`tree state: ${message}`);
    this.name = "TreeStateError";
  }
}

/** MTH of `count` (a power of two) consecutive hashes of `data` starting at hash `start`: count - 1 node hashes. */
export function hashRange(data: Uint8Array, start: number, count: number): Hash {
  if (count === 1) return data.slice(start * HASH_SIZE, (start + 1) * HASH_SIZE);
  const half = count / 2;
  return hasher.nodeHash(hashRange(data, start, half), hashRange(data, start + half, half));
}

/** Folds a frontier (largest subtree first) into the root. */
export function rootOfFrontier(frontier: readonly Hash[]): Hash {
  if (frontier.length === 0) return hasher.emptyRoot;
  let root = frontier[frontier.length - 1]!;
  for (let i = frontier.length - 2; i >= 0; i--) root = hasher.nodeHash(frontier[i]!, root);
  return root;
}

/**
 * Builds the state of a tree of `size` from its partial tiles (`edge[L]` as in TreeState; the
 * data of partialTilesOfTree(size), empty arrays where a level has none). Costs at most 255 hashes
 * per level. Throws TreeStateError if a tile has the wrong length.
 */
export function stateFromEdge(size: number, edge: readonly Uint8Array[]): TreeState {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tree state: ${size} is not a tree size`);
  const levels: Uint8Array[] = [];
  for (let level = 0, n = size; n > 0; level++, n = Math.floor(n / TILE_WIDTH)) {
    const data = edge[level] ?? new Uint8Array(0);
    if (data.length !== (n % TILE_WIDTH) * HASH_SIZE) {
      throw new TreeStateError(
        `partial tile at level ${level} has ${data.length} bytes, expected ${(n % TILE_WIDTH) * HASH_SIZE}`,
      );
    }
    levels.push(data);
  }
  const frontier: Hash[] = [];
  for (let level = levels.length - 1; level >= 0; level--) {
    const data = levels[level]!;
    const width = data.length / HASH_SIZE;
    let start = 0;
    for (let count = TILE_WIDTH / 2; count >= 1; count /= 2) {
      if ((width & count) === 0) continue;
      frontier.push(hashRange(data, start, count));
      start += count;
    }
  }
  return { size, root: rootOfFrontier(frontier), frontier, edge: levels };
}

/**
 * Loads the state of a tree of `size` by fetching its partial tiles (at most one per level) and
 * hashing them up. If `expectedRoot` is given (the root of the latest checkpoint), a mismatch
 * throws TreeStateError: a sequencer must not extend a tree whose stored tiles disagree with
 * what it signed.
 */
export async function loadTreeState(
  size: number,
  fetch: TileFetcher,
  options: { expectedRoot?: Hash } = {},
): Promise<TreeState> {
  const edge: Uint8Array[] = [];
  const tiles = partialTilesOfTree(size);
  const data = await Promise.all(tiles.map((t) => fetchTile(fetch, t)));
  tiles.forEach((t, i) => (edge[t.level] = data[i]!));
  const state = stateFromEdge(size, edge);
  if (options.expectedRoot && !bytesEqual(state.root, options.expectedRoot)) {
    throw new TreeStateError(
      `tiles of size ${size} give root ${toHex(state.root)}, expected ${toHex(options.expectedRoot)}`,
    );
  }
  return state;
}
