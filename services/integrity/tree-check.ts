// Checks stored entries against stored hash tiles and a signed root, by recomputing the tree:
// each batch of entries is integrated onto the verified right edge (log/integrate.ts), and
// every tile that growth creates or widens must equal the stored tile's prefix. So a changed
// entry is caught at its level-0 tile (its exact index), a changed tile at the first level
// where it differs, and a store rewritten consistently all the way up at the root, which it
// cannot re-sign. One leaf hash and about one node hash per entry.
import { bytesEqual, toHex } from "../../log/bytes.js";
import { HASH_SIZE, type Hash } from "../../log/hash.js";
import { integrate } from "../../log/integrate.js";
import { TILE_WIDTH } from "../../log/tile.js";
import type { TreeState } from "../../log/tree-state.js";
import type { LogStore } from "../store/port.js";
import { IntegrityError } from "./integrity-error.js";

export type TileReader = Pick<LogStore, "readTile">;

export class TreeCheck {
  constructor(
    /** The verified tree so far (the empty tree to check a log from its start). */
    private verified: TreeState,
    private readonly tiles: TileReader,
  ) {}

  get state(): TreeState {
    return this.verified;
  }

  /**
   * Checks entries [state.size, state.size + entries.length) against the stored tiles and, on
   * success, extends the verified tree by them. Throws IntegrityError (nothing is extended).
   */
  async extend(entries: readonly Uint8Array[]): Promise<TreeState> {
    const start = this.verified.size;
    if (entries.length === 0) return this.verified;
    let grown: ReturnType<typeof integrate>;
    try {
      grown = integrate(this.verified, entries);
    } catch (e) {
      throw new IntegrityError(
        "bad-entry",
        `an entry in ${start}..${start + entries.length - 1} is not a valid log entry: ${e instanceof Error ? e.message : String(e)}`,
        start,
      );
    }
    const stored = await Promise.all(grown.tiles.map((t) => this.tiles.readTile(t.level, t.index)));
    grown.tiles.forEach((t, i) => {
      const s = stored[i];
      const want = t.width * HASH_SIZE;
      const have = s && s.data.length >= want ? s.data.subarray(0, want) : undefined;
      if (have && bytesEqual(have, t.data.subarray(0, want))) return;
      // The first hash that differs names the entries under it.
      let j = 0;
      while (
        have &&
        j < t.width &&
        bytesEqual(
          have.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE),
          t.data.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE),
        )
      )
        j++;
      const span = TILE_WIDTH ** t.level;
      const first = (t.index * TILE_WIDTH + j) * span;
      const last = Math.min(first + span, grown.state.size) - 1;
      const what =
        t.level === 0
          ? `entry ${first} does not hash to its leaf hash in tile 0/${t.index}`
          : `entries ${first}..${last}: stored tile ${t.level}/${t.index} disagrees with the tree recomputed from the entries`;
      throw new IntegrityError(
        "tree-mismatch",
        have
          ? what
          : `tile ${t.level}/${t.index} of width ${t.width} is missing from the store (entries ${first}..${last})`,
        first,
      );
    });
    this.verified = grown.state;
    return grown.state;
  }

  /** Throws IntegrityError unless the verified tree has `size` entries and root `root`. */
  expectRoot(size: number, root: Hash, what: string): void {
    if (this.verified.size !== size)
      throw new IntegrityError("root-mismatch", `checked ${this.verified.size} entries, expected ${size}`);
    if (!bytesEqual(this.verified.root, root)) {
      throw new IntegrityError(
        "root-mismatch",
        `entries 0..${size - 1} hash to root ${toHex(this.verified.root)}, but ${what} signs ${toHex(root)}: an entry and every tile above it were changed consistently`,
      );
    }
  }
}
