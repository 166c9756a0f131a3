import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import type { Hash } from "./hash.js";
import { integrateLeafHashes } from "./integrate.js";
import { TileDataError, type TileFetcher } from "./tile.js";
import { TileCache, TileHashReader, TileVerificationError } from "./tile-reader.js";
import { emptyTreeState } from "./tree-state.js";
import { oracleTree } from "../test/oracle-tree.js";
import { hasher } from "./hasher.js";

const { leafHashes, roots } = oracleTree();
const N = leafHashes.length;

// Reference: every complete subtree hash of the oracle tree, level by level, by pairing.
const levels: Hash[][] = [leafHashes];
while (levels[levels.length - 1]!.length > 1) {
  const below = levels[levels.length - 1]!;
  const up: Hash[] = [];
  for (let i = 0; i + 1 < below.length; i += 2) up.push(hasher.nodeHash(below[i]!, below[i + 1]!));
  levels.push(up);
}

// Tiles of the whole tree, stored as a LogStore would: the widest version of each.
const stored = new Map<string, Uint8Array>();
for (const t of integrateLeafHashes(emptyTreeState(), leafHashes).tiles) stored.set(`${t.level}/${t.index}`, t.data);

/** A fetcher over the stored tiles that counts fetches and can be told to tamper. */
function fetcher(tamper?: (level: number, index: number, data: Uint8Array) => Uint8Array) {
  const calls: string[] = [];
  const fetch: TileFetcher = async (level, index, width) => {
    calls.push(`${level}/${index}.${width}`);
    const t = stored.get(`${level}/${index}`);
    if (!t || t.length < width * 32) throw new Error(`no tile ${level}/${index} of width ${width}`);
    const data = t.subarray(0, width * 32);
    return tamper ? tamper(level, index, data.slice()) : data;
  };
  return { fetch, calls };
}

const flip = (data: Uint8Array, at = 0) => {
  data[at % data.length]! ^= 1;
  return data;
};

/** A random id complete in a tree of `size` (level up to the tree's height). */
const idIn = (size: number) =>
  fc
    .integer({ min: 0, max: Math.floor(Math.log2(size)) })
    .chain((level) =>
      fc.integer({ min: 0, max: Math.floor(size / 2 ** level) - 1 }).map((index) => ({ level, index })),
    );

const oracleSizes = [...roots.keys()].filter((s) => s > 0).sort((a, b) => a - b);

describe("TileHashReader", () => {
  it("serves any complete subtree, at any level, in a tree of any size (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: N })
          .chain((size) => fc.tuple(fc.constant(size), fc.array(idIn(size), { minLength: 1, maxLength: 40 }))),
        async ([size, ids]) => {
          const r = new TileHashReader(size, fetcher().fetch);
          const got = await r.readHashes(ids);
          expect(got.map(toHex)).toEqual(ids.map((id) => toHex(levels[id.level]![id.index]!)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses ids not complete in its tree with RangeError (fuzz)", async () => {
    const r = new TileHashReader(1000, fetcher().fetch);
    await expect(r.readHashes([{ level: 0, index: 1000 }])).rejects.toThrow(RangeError);
    await expect(r.readHashes([{ level: 3, index: 125 }])).rejects.toThrow(RangeError); // leaves 1000..1007
    expect((await r.readHashes([{ level: 3, index: 124 }])).length).toBe(1);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer(), fc.double()),
        fc.oneof(fc.integer(), fc.double(), fc.maxSafeNat()),
        async (level, index) => {
          try {
            const [h] = await r.readHashes([{ level, index }]);
            expect(toHex(h!)).toBe(toHex(levels[level]![index]!));
            expect((index + 1) * 2 ** level).toBeLessThanOrEqual(1000);
          } catch (e) {
            expect(e).toBeInstanceOf(RangeError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("fetches each tile once: in-flight reads are shared and a warm cache serves without fetching", async () => {
    const f = fetcher();
    const r = new TileHashReader(N, f.fetch);
    const ids = [
      { level: 0, index: 5 },
      { level: 7, index: 0 },
      { level: 3, index: 17 },
    ];
    await Promise.all([r.readHashes(ids), r.readHashes(ids), r.readHashes([{ level: 1, index: 100 }])]);
    expect(f.calls).toEqual(["0/0.256"]);
    await r.readHashes([...ids, { level: 2, index: 63 }]);
    expect(f.calls).toEqual(["0/0.256"]);
    await r.readHashes([
      { level: 8, index: 0 },
      { level: 16, index: 0 },
    ]);
    expect(f.calls.sort()).toEqual(["0/0.256", "1/0.256", "2/0.1"]);
  });

  it("keeps the cache within its bound and stays correct while evicting", async () => {
    const cache = new TileCache(100_000);
    const f = fetcher();
    const r = new TileHashReader(N, f.fetch, { cache });
    await fc.assert(
      fc.asyncProperty(fc.array(idIn(N), { minLength: 1, maxLength: 30 }), async (ids) => {
        const got = await r.readHashes(ids);
        expect(got.map(toHex)).toEqual(ids.map((id) => toHex(levels[id.level]![id.index]!)));
        expect(cache.bytes).toBeLessThanOrEqual(100_000);
      }),
      { numRuns: 100 },
    );
    expect(cache.size).toBeGreaterThan(1);
    expect(f.calls.length).toBeGreaterThan(20);
  });

  it("shares a cache across tree sizes: a wider tile serves a smaller tree, a narrower one is refetched", async () => {
    const cache = new TileCache();
    const f = fetcher();
    await new TileHashReader(300, f.fetch, { cache }).readHashes([{ level: 0, index: 299 }]);
    await new TileHashReader(280, f.fetch, { cache }).readHashes([{ level: 0, index: 270 }]);
    expect(f.calls).toEqual(["0/1.44"]);
    const [h] = await new TileHashReader(400, f.fetch, { cache }).readHashes([{ level: 0, index: 399 }]);
    expect(f.calls).toEqual(["0/1.44", "0/1.144"]);
    expect(toHex(h!)).toBe(toHex(leafHashes[399]!));
  });

  it("rejects tiles of the wrong length with TileDataError and passes fetch errors through", async () => {
    const short = new TileHashReader(N, fetcher((_l, _i, d) => d.subarray(0, 31)).fetch);
    await expect(short.readHashes([{ level: 0, index: 1 }])).rejects.toThrow(TileDataError);
    const boom = new Error("store down");
    const failing = new TileHashReader(N, () => Promise.reject(boom));
    await expect(failing.readHashes([{ level: 0, index: 1 }])).rejects.toBe(boom);
  });
});

describe("TileHashReader verifying against a root", () => {
  it("serves verified hashes for every oracle size and root", async () => {
    for (const size of oracleSizes.filter((_, i) => i % 7 === 0)) {
      const root = fromHex(roots.get(size)!);
      const r = new TileHashReader(size, fetcher().fetch, { root });
      const ids = [
        { level: 0, index: size - 1 },
        { level: 0, index: 0 },
        { level: Math.floor(Math.log2(size)), index: 0 },
      ];
      const got = await r.readHashes(ids);
      expect(got.map(toHex)).toEqual(ids.map((id) => toHex(levels[id.level]![id.index]!)));
    }
  });

  it("rejects a wrong root, and any tampered tile: full at level 0 or 1, or on the right edge", async () => {
    const size = 70_000;
    const root = fromHex(
      roots.get(size) ?? toHex(integrateLeafHashes(emptyTreeState(), leafHashes.slice(0, size)).state.root),
    );
    const wrongRoot = flip(root.slice(), 31);
    await expect(
      new TileHashReader(size, fetcher().fetch, { root: wrongRoot }).readHashes([{ level: 0, index: 0 }]),
    ).rejects.toThrow(TileVerificationError);
    const cases: [string, number, number, { level: number; index: number }][] = [
      ["full level-0 tile", 0, 5, { level: 0, index: 5 * 256 + 3 }],
      ["full level-1 tile", 1, 0, { level: 8, index: 7 }],
      ["full level-1 tile, reached from level 0", 1, 0, { level: 0, index: 12 }],
      ["partial level-0 tile", 0, 273, { level: 0, index: 69_999 }],
      ["partial level-2 tile", 2, 0, { level: 0, index: 1 }],
    ];
    for (const [what, level, index, id] of cases) {
      const f = fetcher((l, i, d) => (l === level && i === index ? flip(d, 40) : d));
      const r = new TileHashReader(size, f.fetch, { root });
      await expect(r.readHashes([id]), what).rejects.toThrow(TileVerificationError);
      // The same tampering goes unnoticed without a root: verification is what catches it.
      const trusting = new TileHashReader(size, f.fetch);
      await expect(trusting.readHashes([id])).resolves.toHaveLength(1);
    }
  });

  it("a failed edge fetch is retried by the next read", async () => {
    const size = 1000;
    const root = fromHex(
      roots.get(size) ?? toHex(integrateLeafHashes(emptyTreeState(), leafHashes.slice(0, size)).state.root),
    );
    let fail = true;
    const f = fetcher();
    const r = new TileHashReader(size, (l, i, w) => (fail ? Promise.reject(new Error("flaky")) : f.fetch(l, i, w)), {
      root,
    });
    await expect(r.readHashes([{ level: 0, index: 999 }])).rejects.toThrow("flaky");
    fail = false;
    expect(toHex((await r.readHashes([{ level: 0, index: 999 }]))[0]!)).toBe(toHex(leafHashes[999]!));
  });

  it("does not take unverified tiles from a shared cache", async () => {
    const cache = new TileCache();
    const size = 70_000;
    const root = fromHex(toHex(integrateLeafHashes(emptyTreeState(), leafHashes.slice(0, size)).state.root));
    const bad = fetcher((l, i, d) => (l === 0 && i === 3 ? flip(d) : d));
    await new TileHashReader(size, bad.fetch, { cache }).readHashes([{ level: 0, index: 3 * 256 }]);
    const good = fetcher();
    const [h] = await new TileHashReader(size, good.fetch, { cache, root }).readHashes([{ level: 0, index: 3 * 256 }]);
    expect(toHex(h!)).toBe(toHex(leafHashes[3 * 256]!));
    expect(good.calls).toContain("0/3.256");
  });
});
