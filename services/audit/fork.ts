// Locating where a log forked: given the right edge of a tree the auditor verified earlier (its
// partial tiles, kept in the state file) and a reader of the tree now presented, find the first
// complete subtree of the old tree whose hash differs. The old edge covers the whole old tree,
// the highest level its leftmost part, so scanning levels from the top finds the leftmost
// divergence. It is exact to the entry when that lies in the old tree's last partial level-0
// tile (the usual place: a split view diverges at its tail); otherwise it names the first entry
// of the smallest subtree the edge can tell apart.
import { bytesEqual } from "../../log/bytes.js";
import { HASH_SIZE } from "../../log/hash.js";
import type { HashReader, SubtreeId } from "../../log/subtree.js";
import { TILE_HEIGHT, TILE_WIDTH } from "../../log/tile.js";

export interface Divergence {
  /** The first entry of the first subtree that differs (the entry itself when `exact`). */
  readonly index: number;
  /** The end (exclusive) of that subtree. */
  readonly end: number;
  readonly exact: boolean;
}

/** Undefined when every subtree of the old tree has the same hash now (the trees agree). */
export async function locateDivergence(
  oldSize: number,
  oldEdge: readonly Uint8Array[],
  reader: HashReader,
): Promise<Divergence | undefined> {
  for (let level = oldEdge.length - 1; level >= 0; level--) {
    const tile = oldEdge[level]!;
    const width = tile.length / HASH_SIZE;
    if (width === 0) continue;
    const first = Math.floor(oldSize / TILE_WIDTH ** (level + 1)) * TILE_WIDTH;
    const ids: SubtreeId[] = [];
    for (let j = 0; j < width; j++) ids.push({ level: level * TILE_HEIGHT, index: first + j });
    const now = await reader.readHashes(ids);
    for (let j = 0; j < width; j++) {
      if (!bytesEqual(now[j]!, tile.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE))) {
        const span = TILE_WIDTH ** level;
        return { index: (first + j) * span, end: (first + j + 1) * span, exact: level === 0 };
      }
    }
  }
  return undefined;
}
