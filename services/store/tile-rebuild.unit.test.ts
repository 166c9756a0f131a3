// Rebuilding tiles from entries gives exactly the tiles the integrator wrote, checked against the
// signed checkpoint, and refuses when the entries, the tiles below, or the note disagree.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCheckpoint } from "../../log/checkpoint.js";
import { utf8 } from "../../log/bytes.js";
import { integrate } from "../../log/integrate.js";
import { signNote } from "../../log/note.js";
import { ed25519NoteSigner } from "../../log/note-keys.js";
import type { TileFetcher } from "../../log/tile.js";
import { emptyTreeState, type TreeState } from "../../log/tree-state.js";
import type { TileWrite } from "./port.js";
import { TileRebuildError, rebuildTiles } from "./tile-rebuild.js";

const signer = ed25519NoteSigner("rebuild.test/log", new Uint8Array(32).fill(3));
const entry = (i: number) => utf8(`entry ${i} ${"x".repeat(i % 37)}`);

/** A log grown batch by batch: its entries, its tiles (widest kept), and each size's state. */
function grow(batchSizes: number[]) {
  const entries: Uint8Array[] = [];
  const tiles = new Map<string, TileWrite>();
  const states = new Map<number, TreeState>([[0, emptyTreeState()]]);
  const tilesOfBatch: TileWrite[][] = [];
  let state = emptyTreeState();
  for (const n of batchSizes) {
    const batch = Array.from({ length: n }, (_, k) => entry(state.size + k));
    const it = integrate(state, batch);
    entries.push(...batch);
    tilesOfBatch.push(it.tiles);
    state = it.state;
    states.set(state.size, state);
  }
  return { entries, tiles, states, tilesOfBatch, state };
}

function storeTiles(into: Map<string, TileWrite>, tiles: readonly TileWrite[]): void {
  for (const t of tiles) {
    const key = `${t.level}/${t.index}`;
    if ((into.get(key)?.width ?? 0) < t.width) into.set(key, t);
  }
}

const fetcherOf =
  (tiles: Map<string, TileWrite>): TileFetcher =>
  async (level, index, width) => {
    const t = tiles.get(`${level}/${index}`);
    if (!t || t.width < width) throw new Error(`tile ${level}/${index}/${width} missing`);
    return t.data.subarray(0, width * 32);
  };

const noteFor = (s: TreeState) =>
  utf8(signNote(formatCheckpoint({ origin: signer.name, size: s.size, root: s.root, extensions: [] }), [signer]));

describe("rebuildTiles", () => {
  it("recomputes exactly the tiles of the batches whose tiles were never written", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.integer({ min: 1, max: 999 }),
        async (batches, cut, chunk) => {
          const log = grow(batches);
          // Tiles of the first `written` batches reached the store; the rest were lost in a crash.
          const written = cut % (batches.length + 1);
          const stored = new Map<string, TileWrite>();
          log.tilesOfBatch.slice(0, written).forEach((t) => storeTiles(stored, t));
          const fromSize = batches.slice(0, written).reduce((a, b) => a + b, 0);
          const want = new Map<string, TileWrite>();
          log.tilesOfBatch.slice(written).forEach((t) => storeTiles(want, t));

          const rebuilt = await rebuildTiles({
            fromSize,
            toSize: log.state.size,
            note: noteFor(log.state),
            fetchTile: fetcherOf(stored),
            readEntries: async (a, b) => log.entries.slice(a, b),
            chunk,
          });
          expect(new Map(rebuilt.map((t) => [`${t.level}/${t.index}`, t]))).toEqual(want);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("refuses entries that are not what the checkpoint signed", async () => {
    const log = grow([300, 20]);
    const stored = new Map<string, TileWrite>();
    storeTiles(stored, log.tilesOfBatch[0]!);
    const tampered = log.entries.map((e, i) => (i === 310 ? utf8("forged") : e));
    await expect(
      rebuildTiles({
        fromSize: 300,
        toSize: 320,
        note: noteFor(log.state),
        fetchTile: fetcherOf(stored),
        readEntries: async (a, b) => tampered.slice(a, b),
      }),
    ).rejects.toThrow(TileRebuildError);
  });

  it("refuses a note that is not a checkpoint of the size, and a bad range", async () => {
    const log = grow([10]);
    const base = {
      fromSize: 0,
      toSize: 10,
      fetchTile: fetcherOf(new Map()),
      readEntries: async (a: number, b: number) => log.entries.slice(a, b),
    };
    await expect(rebuildTiles({ ...base, note: utf8("synthetic checkpoint\n") })).rejects.toThrow(TileRebuildError);
    await expect(rebuildTiles({ ...base, note: noteFor(log.states.get(0)!) })).rejects.toThrow(/size 0, not 10/);
    await expect(rebuildTiles({ ...base, fromSize: 11, note: noteFor(log.state) })).rejects.toThrow(RangeError);
    const all = new Map<string, TileWrite>();
    storeTiles(all, log.tilesOfBatch[0]!);
    expect(await rebuildTiles({ ...base, fromSize: 10, fetchTile: fetcherOf(all), note: noteFor(log.state) })).toEqual(
      [],
    );
  });
});
