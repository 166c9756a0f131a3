import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesEqual, fromBase64, toHex } from "./bytes.js";
import { nobleHasher, type Hash } from "./hash.js";
import { BundleError } from "./bundle.js";
import { integrate, integrateLeafHashes } from "./integrate.js";
import { bundlesOfGrowth, tilePath, tilesOfGrowth, tilesOfTree, type TileData } from "./tile.js";
import { emptyTreeState, loadTreeState, TreeStateError, type TreeState } from "./tree-state.js";
import type { TileWrite } from "../services/store/port.js";
import { naiveRoot } from "../test/naive-merkle.js";
import { oracleTiles, oracleTree } from "../test/oracle-tree.js";

const { entries, leafHashes, roots } = oracleTree();
const oracle = oracleTiles();
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A store-like tile map: the widest version of each tile wins, as LogStore.readTile returns it. */
class TileMap {
  readonly tiles = new Map<string, TileData>();
  put(ts: readonly TileData[]): void {
    for (const t of ts) {
      const key = `${t.level}/${t.index}`;
      const old = this.tiles.get(key);
      if (old && old.width > t.width) throw new Error(`tile ${key} narrowed from ${old.width} to ${t.width}`);
      if (old && !bytesEqual(old.data, t.data.subarray(0, old.data.length)))
        throw new Error(`tile ${key} rewrote a hash`);
      this.tiles.set(key, { ...t, data: t.data.slice() });
    }
  }
  fetch = async (level: number, index: number, width: number): Promise<Uint8Array> => {
    const t = this.tiles.get(`${level}/${index}`);
    if (!t || t.width < width) throw new Error(`no tile ${level}/${index} of width ${width}`);
    return t.data.subarray(0, width * 32);
  };
}

function buildAt(size: number, batch = size): TreeState {
  let s = emptyTreeState();
  for (let i = 0; i < size; i += batch)
    s = integrateLeafHashes(s, leafHashes.slice(i, Math.min(size, i + batch))).state;
  return s;
}

describe("integrate against the Go oracle", () => {
  it("builds every tile of the whole tree at once, byte for byte", () => {
    const r = integrate(emptyTreeState(), entries);
    expect(r.state.size).toBe(oracle.tree_size);
    expect(r.tiles.map(tilePath)).toEqual(oracle.tiles_of_tree.map((t) => t.path));
    expect(r.tiles.map((t) => sha256(t.data))).toEqual(oracle.tiles_of_tree.map((t) => t.sha256));
    expect(r.tiles.map(tilePath)).toEqual(tilesOfTree(oracle.tree_size).map(tilePath));
    expect(r.bundles).toEqual(bundlesOfGrowth(0, oracle.tree_size));
    // The tiles are structurally the store port's TileWrite.
    const asWrites: readonly TileWrite[] = r.tiles;
    expect(asWrites.length).toBe(277);
  });

  it("matches the oracle root after each batch, batches ending at every size the oracle has a root for", () => {
    const sizes = [...roots.keys()].sort((a, b) => a - b);
    let s = emptyTreeState();
    for (const size of sizes) {
      s = integrateLeafHashes(s, leafHashes.slice(s.size, size)).state;
      expect(s.size).toBe(size);
      expect(toHex(s.root), `root at ${size}`).toBe(roots.get(size));
    }
    expect(sizes.length).toBeGreaterThan(100);
  });

  for (const g of oracle.growths) {
    it(`growth ${g.old_size} -> ${g.new_size}: produces Go's NewTiles set, each equal to the published tile`, () => {
      const before = buildAt(g.old_size);
      const r = integrateLeafHashes(before, leafHashes.slice(g.old_size, g.new_size));
      const published = new Map(g.published.map((p) => [p.path, p]));
      const paths = r.tiles.map(tilePath);
      expect(paths).toEqual(tilesOfGrowth(g.old_size, g.new_size).map(tilePath));
      // Go publishes every intermediate partial width too; ours is the widest at each (level, index).
      const widest = new Map<string, string>();
      for (const p of g.published) widest.set(p.path.replace(/\.p\/\d+$/, ""), p.path);
      expect(paths.sort()).toEqual([...widest.values()].sort());
      for (const t of r.tiles) {
        const p = published.get(tilePath(t))!;
        expect(p, tilePath(t)).toBeDefined();
        expect(sha256(t.data)).toBe(p.sha256);
        expect(toHex(t.data)).toBe(toHex(fromBase64(p.data_base64!)));
      }
    });
  }
});

describe("integrate (leaf hashes a batch at a time)", () => {
  it("builds every oracle tile byte for byte, at once and in random batches, as from the noble leaf hashes", () => {
    const once = integrate(emptyTreeState(), entries);
    expect(once.tiles.map((t) => sha256(t.data))).toEqual(oracle.tiles_of_tree.map((t) => t.sha256));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 10 }), (cuts) => {
        let fast = emptyTreeState();
        let slow = emptyTreeState();
        for (let c = 0; fast.size < 20_000; c++) {
          const end = Math.min(20_000, fast.size + cuts[c % cuts.length]!);
          const batch = entries.slice(fast.size, end);
          const f = integrate(fast, batch);
          const s = integrateLeafHashes(slow, leafHashes.slice(slow.size, end));
          expect(f.tiles.map((t) => `${tilePath(t)} ${toHex(t.data)}`)).toEqual(
            s.tiles.map((t) => `${tilePath(t)} ${toHex(t.data)}`),
          );
          expect(toHex(f.state.root)).toBe(toHex(s.state.root));
          expect(f.state.frontier.map(toHex)).toEqual(s.state.frontier.map(toHex));
          fast = f.state;
          slow = s.state;
        }
      }),
      { numRuns: 5 },
    );
  });
});

describe("integrate: state and inputs", () => {
  it("leaves the input state usable: a lost compare-and-set can retry from it", () => {
    const s = buildAt(300);
    const snapshot = { root: toHex(s.root), edge: s.edge.map(toHex), frontier: s.frontier.map(toHex) };
    const a = integrateLeafHashes(s, leafHashes.slice(300, 600));
    integrateLeafHashes(s, leafHashes.slice(1000, 1300)); // a different batch on the same state
    expect({ root: toHex(s.root), edge: s.edge.map(toHex), frontier: s.frontier.map(toHex) }).toEqual(snapshot);
    expect(toHex(integrateLeafHashes(s, leafHashes.slice(300, 600)).state.root)).toBe(toHex(a.state.root));
  });

  it("an empty batch changes nothing", () => {
    const s = buildAt(5);
    const r = integrate(s, []);
    expect(r.state).toBe(s);
    expect(r.tiles).toEqual([]);
  });

  it("refuses entries over 65,535 bytes and leaf hashes that are not 32 bytes", () => {
    expect(() => integrate(emptyTreeState(), [new Uint8Array(65_535), new Uint8Array(65_536)])).toThrow(BundleError);
    expect(integrate(emptyTreeState(), [new Uint8Array(65_535)]).state.size).toBe(1);
    expect(() => integrateLeafHashes(emptyTreeState(), [new Uint8Array(31)])).toThrow(RangeError);
  });

  it("hashes the empty tree to SHA-256 of the empty string", () => {
    expect(toHex(emptyTreeState().root)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});

describe("loadTreeState", () => {
  const all = new TileMap();
  all.put(integrateLeafHashes(emptyTreeState(), leafHashes).tiles);

  it("loads the right edge of any size from the stored tiles and continues exactly as if never stopped", async () => {
    for (const size of [0, 1, 255, 256, 257, 65_535, 65_536, 65_537, 70_000]) {
      const built = buildAt(size);
      const loaded = await loadTreeState(size, all.fetch, { expectedRoot: built.root });
      expect(loaded.frontier.map(toHex)).toEqual(built.frontier.map(toHex));
      expect(loaded.edge.map(toHex)).toEqual(built.edge.map(toHex));
      const next = Math.min(size + 777, leafHashes.length);
      const a = integrateLeafHashes(loaded, leafHashes.slice(size, next));
      const b = integrateLeafHashes(built, leafHashes.slice(size, next));
      expect(a.tiles.map((t) => tilePath(t) + toHex(t.data))).toEqual(b.tiles.map((t) => tilePath(t) + toHex(t.data)));
      expect(toHex(a.state.root)).toBe(toHex(b.state.root));
    }
  });

  it("rejects tiles that disagree with the expected root", async () => {
    const wrong = buildAt(1000).root.slice();
    wrong[0]! ^= 1;
    await expect(loadTreeState(1000, all.fetch, { expectedRoot: wrong })).rejects.toThrow(TreeStateError);
  });
});

describe("integrate (property)", () => {
  // Independent roots by naive recursion, for every prefix up to 600 (crossing 256 and 512).
  const NAIVE_MAX = 600;
  const naiveRoots = Array.from({ length: NAIVE_MAX + 1 }, (_, n) =>
    toHex(naiveRoot(leafHashes.slice(0, n), nobleHasher)),
  );

  it("many small random batches give the same tiles as one batch, and the naive RFC 9162 root after each", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: NAIVE_MAX }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 40 }),
        (n, cuts) => {
          const once = new TileMap();
          once.put(integrateLeafHashes(emptyTreeState(), leafHashes.slice(0, n)).tiles);
          const inBatches = new TileMap();
          let s = emptyTreeState();
          let c = 0;
          while (s.size < n) {
            const end = Math.min(n, s.size + cuts[c++ % cuts.length]!);
            const r = integrateLeafHashes(s, leafHashes.slice(s.size, end));
            inBatches.put(r.tiles);
            expect(r.tiles.map(tilePath)).toEqual(tilesOfGrowth(s.size, end).map(tilePath));
            s = r.state;
            expect(toHex(s.root)).toBe(naiveRoots[end]);
          }
          expect([...inBatches.tiles.keys()].sort()).toEqual([...once.tiles.keys()].sort());
          for (const [k, t] of once.tiles) expect(toHex(inBatches.tiles.get(k)!.data)).toBe(toHex(t.data));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("extending any earlier state (forks, retries) never changes a state or tile already returned", () => {
    // Integration appends in place to the newest state's partial tiles; a fork must copy them.
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            from: fc.nat(),
            batch: fc.integer({ min: 1, max: 300 }),
            offset: fc.integer({ min: 0, max: 1 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (steps) => {
          // pure: every batch on the way used the oracle's own leaves, so the naive root applies.
          const states: { state: TreeState; pure: boolean }[] = [{ state: emptyTreeState(), pure: true }];
          const seen: {
            state: TreeState;
            edge: string[];
            frontier: string[];
            tiles: { data: Uint8Array; hex: string }[];
          }[] = [];
          for (const step of steps) {
            const { state: from, pure } = states[step.from % states.length]!;
            const end = Math.min(NAIVE_MAX, from.size + step.batch);
            if (end === from.size) continue;
            // offset 1 integrates other leaves: a fork whose hashes differ from the first branch's.
            const leaves = leafHashes.slice(from.size + step.offset * 1000, end + step.offset * 1000);
            const r = integrateLeafHashes(from, leaves);
            if (pure && step.offset === 0) expect(toHex(r.state.root)).toBe(naiveRoots[end]);
            states.push({ state: r.state, pure: pure && step.offset === 0 });
            seen.push({
              state: r.state,
              edge: r.state.edge.map(toHex),
              frontier: r.state.frontier.map(toHex),
              tiles: r.tiles.map((t) => ({ data: t.data, hex: toHex(t.data) })),
            });
            for (const v of seen) {
              expect(v.state.edge.map(toHex)).toEqual(v.edge);
              expect(v.state.frontier.map(toHex)).toEqual(v.frontier);
              for (const t of v.tiles) expect(toHex(t.data)).toBe(t.hex);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("across the level-2 boundary (65,536), random batches agree with the tiles built at once", () => {
    const whole = new TileMap();
    whole.put(integrateLeafHashes(emptyTreeState(), leafHashes).tiles);
    const start = buildAt(65_000);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 10 }), (cuts) => {
        const got = new TileMap();
        let s = start;
        let c = 0;
        while (s.size < 67_000) {
          const r = integrateLeafHashes(
            s,
            leafHashes.slice(s.size, Math.min(67_000, s.size + cuts[c++ % cuts.length]!)),
          );
          got.put(r.tiles);
          s = r.state;
          const root: Hash | undefined = roots.has(s.size) ? s.root : undefined;
          if (root) expect(toHex(root)).toBe(roots.get(s.size));
        }
        for (const [k, t] of got.tiles) {
          const w = whole.tiles.get(k)!;
          expect(toHex(w.data.subarray(0, t.data.length)), k).toBe(toHex(t.data));
        }
        expect(got.tiles.get("2/0")?.width).toBe(1);
      }),
      { numRuns: 15 },
    );
  });
});
