// Rebuilding hash tiles from entries. Tiles are derived data: a store that writes them after the
// commit (the KurrentDB store does) may lack the tiles of the last batches after a crash, and
// rebuilds them here from the committed entries, checked against the signed checkpoint's root.
import { bytesEqual, toHex } from "../../log/bytes.js";
import { parseCheckpoint } from "../../log/checkpoint.js";
import { integrate } from "../../log/integrate.js";
import { parseSignedNote } from "../../log/note.js";
import type { TileFetcher } from "../../log/tile.js";
import { loadTreeState } from "../../log/tree-state.js";
import type { TileWrite } from "./port.js";

export class TileRebuildError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`tile rebuild: ${message}`, options);
    this.name = "TileRebuildError";
  }
}

export interface TileRebuildInput {
  /** Size up to which the stored tiles are complete. */
  readonly fromSize: number;
  /** The committed size, whose checkpoint is `note`. */
  readonly toSize: number;
  /** The signed checkpoint note for `toSize`: the rebuilt tree must have its root. */
  readonly note: Uint8Array;
  /** Stored tiles, cut to the width asked for (complete for a tree of `fromSize`). */
  readonly fetchTile: TileFetcher;
  /** Committed entries [start, end). */
  readonly readEntries: (start: number, end: number) => Promise<Uint8Array[]>;
  /** Entries read per call. Default 4096. */
  readonly chunk?: number;
}

/**
 * The tiles a tree growing from `fromSize` to `toSize` creates or widens, at their widths at
 * `toSize`, computed from the entries and the stored right edge at `fromSize`. Throws
 * TileRebuildError if the result's root is not the checkpoint's (the stored tiles or entries are
 * not what was signed) or the note is not a checkpoint.
 */
export async function rebuildTiles(input: TileRebuildInput): Promise<TileWrite[]> {
  const { fromSize, toSize } = input;
  if (!(Number.isSafeInteger(fromSize) && Number.isSafeInteger(toSize) && 0 <= fromSize && fromSize <= toSize)) {
    throw new RangeError(`tile rebuild: bad range ${fromSize}..${toSize}`);
  }
  let root: Uint8Array;
  try {
    const cp = parseCheckpoint(parseSignedNote(input.note).text);
    if (cp.size !== toSize) throw new Error(`the checkpoint is for size ${cp.size}, not ${toSize}`);
    root = cp.root;
  } catch (e) {
    throw new TileRebuildError(
      `the checkpoint of size ${toSize} cannot be read: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  let state = await loadTreeState(fromSize, input.fetchTile);
  const widest = new Map<string, TileWrite>();
  const chunk = input.chunk ?? 4096;
  for (let start = fromSize; start < toSize; start += chunk) {
    const end = Math.min(toSize, start + chunk);
    const integration = integrate(state, await input.readEntries(start, end));
    for (const t of integration.tiles) {
      // Later chunks widen the same partial tiles; keep the widest.
      const key = `${t.level}/${t.index}`;
      if ((widest.get(key)?.width ?? 0) < t.width)
        widest.set(key, { level: t.level, index: t.index, width: t.width, data: t.data.slice() });
    }
    state = integration.state;
  }
  if (!bytesEqual(state.root, root)) {
    throw new TileRebuildError(
      `entries ${fromSize}..${toSize} give root ${toHex(state.root)}, the checkpoint says ${toHex(root)}`,
    );
  }
  return [...widest.values()];
}
