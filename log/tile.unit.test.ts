import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  TilePathError,
  bundlePath,
  bundlesOfGrowth,
  formatTileIndex,
  parseBundlePath,
  parseTilePath,
  parseTlogPath,
  partialTilesOfTree,
  tilePath,
  tileWidthInTree,
  tilesOfGrowth,
  tilesOfTree,
} from "./tile.js";
import { oracleTiles } from "../test/oracle-tree.js";

describe("tile paths", () => {
  it("formats indices in x-prefixed 3-digit groups", () => {
    expect(formatTileIndex(0)).toBe("000");
    expect(formatTileIndex(67)).toBe("067");
    expect(formatTileIndex(999)).toBe("999");
    expect(formatTileIndex(1000)).toBe("x001/000");
    expect(formatTileIndex(1234067)).toBe("x001/x234/067");
    expect(formatTileIndex(Number.MAX_SAFE_INTEGER)).toBe("x009/x007/x199/x254/x740/991");
  });

  it("formats and parses hash tiles and entry bundles", () => {
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe("tile/0/x001/x234/067");
    expect(tilePath({ level: 2, index: 0, width: 1 })).toBe("tile/2/000.p/1");
    expect(tilePath({ level: 6, index: 0, width: 31 })).toBe("tile/6/000.p/31");
    // Syntactically valid, but no tree of at most 2^53 - 1 entries has these tiles.
    expect(() => tilePath({ level: 6, index: 0, width: 32 })).toThrow(RangeError);
    expect(() => parseTilePath("tile/63/000.p/1")).toThrow(TilePathError);
    expect(bundlePath({ index: 1234067, width: 255 })).toBe("tile/entries/x001/x234/067.p/255");
    expect(parseTilePath("tile/1/x001/x234/067.p/8")).toEqual({ level: 1, index: 1234067, width: 8 });
    expect(parseBundlePath("tile/entries/273.p/193")).toEqual({ index: 273, width: 193 });
    expect(parseTlogPath("tile/entries/000")).toEqual({ kind: "bundle", bundle: { index: 0, width: 256 } });
    expect(parseTlogPath("tile/3/000.p/4")).toEqual({ kind: "tile", tile: { level: 3, index: 0, width: 4 } });
  });

  it("parses every oracle tile path and formats it back", () => {
    const o = oracleTiles();
    const paths = [...o.tiles_of_tree.map((t) => t.path), ...o.growths.flatMap((g) => g.published.map((p) => p.path))];
    for (const p of paths) expect(tilePath(parseTilePath(p))).toBe(p);
  });

  const bad: [string, string][] = [
    ["tile/0/1", "index not 3 digits"],
    ["tile/0/0001", "index 4 digits"],
    ["tile/0/001/234", "missing x"],
    ["tile/0/x001/x234", "last group with x"],
    ["tile/0/x000/001", "leading zero group"],
    ["tile/0/x01/234", "short x group"],
    ["tile/00/000", "level with leading zero"],
    ["tile/01/000", "level with leading zero"],
    ["tile/64/000", "level above 63"],
    ["tile/-1/000", "negative level"],
    ["tile/a/000", "level not a number"],
    ["tile/0/000.p/0", "width 0"],
    ["tile/0/000.p/256", "width 256"],
    ["tile/0/000.p/01", "width with leading zero"],
    ["tile/0/000.p/", "empty width"],
    ["tile/0/000.p", "no width"],
    ["tile/0/000/", "trailing slash"],
    ["tile/0/000.p/5/6", "extra segment"],
    ["tile/0/000/extra", "extra segment"],
    ["/tile/0/000", "leading slash"],
    ["tiles/0/000", "wrong root"],
    ["tile/0", "no index"],
    ["tile/0/", "empty index"],
    ["tile/entries/000", "a bundle is not a hash tile"],
    ["tile/0/x001/x000/x000/x000/x000/x000/000", "seven groups"],
    ["tile/0/x009/x007/x199/x254/x740/991", "beyond 2^53 entries"],
    ["tile/7/001", "level 7 tile 1 starts at 2^64"],
    ["tile/0/٠٠٠", "non-ASCII digits"],
  ];
  it.each(bad)("rejects %s (%s) with TilePathError", (p) => {
    expect(() => parseTilePath(p)).toThrow(TilePathError);
  });

  it.each([
    ["tile/entries/1"],
    ["tile/entries/000.p/256"],
    ["tile/entries/000/000"],
    ["tile/0/000"],
    ["tile/entries/x000/000"],
  ])("rejects bundle path %s", (p) => {
    expect(() => parseBundlePath(p)).toThrow(TilePathError);
  });

  it("refuses to format coordinates no path has", () => {
    expect(() => tilePath({ level: 0, index: 0, width: 0 })).toThrow(RangeError);
    expect(() => tilePath({ level: 0, index: -1, width: 1 })).toThrow(RangeError);
    expect(() => tilePath({ level: 64, index: 0, width: 1 })).toThrow(RangeError);
    expect(() => bundlePath({ index: 0.5, width: 1 })).toThrow(RangeError);
  });

  const coord = fc.record({
    level: fc.integer({ min: 0, max: 63 }),
    index: fc.oneof(
      fc.integer({ min: 0, max: 2000 }),
      fc.maxSafeNat().map((n) => Math.floor(n / 256)),
    ),
    width: fc.integer({ min: 1, max: 256 }),
  });

  it("round-trips every valid coordinate (property)", () => {
    fc.assert(
      fc.property(coord, (t) => {
        let p: string;
        try {
          p = tilePath(t);
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
          return;
        }
        expect(parseTilePath(p)).toEqual(t);
        if (t.level === 0) expect(parseBundlePath(bundlePath(t))).toEqual({ index: t.index, width: t.width });
      }),
      { numRuns: 2000 },
    );
  });

  const pathish = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc
      .array(
        fc.oneof(
          fc.constantFrom("tile", "entries", "x", ".p", "0", "00", "000", "x000", "x001", "255", "256", "63", "64", ""),
          fc.string({ maxLength: 5 }),
        ),
        {
          maxLength: 9,
        },
      )
      .map((a) => a.join("/")),
    coord
      .map((t) => {
        try {
          return tilePath(t);
        } catch {
          return "tile/0/000";
        }
      })
      .chain((p) =>
        fc
          .tuple(fc.nat(p.length), fc.string({ maxLength: 3 }))
          .map(([i, s]) => p.slice(0, i) + s + p.slice(i + s.length)),
      ),
  );

  it("fuzz: any string gives a TilePathError or a path that formats back to itself", () => {
    fc.assert(
      fc.property(pathish, (p) => {
        for (const parse of [parseTilePath, parseBundlePath, parseTlogPath] as const) {
          let r: unknown;
          try {
            r = parse(p);
          } catch (e) {
            expect(e).toBeInstanceOf(TilePathError);
            continue;
          }
          const formatted =
            parse === parseBundlePath
              ? bundlePath(r as never)
              : parse === parseTilePath
                ? tilePath(r as never)
                : (r as { kind: string }).kind === "tile"
                  ? tilePath((r as { tile: never }).tile)
                  : bundlePath((r as { bundle: never }).bundle);
          expect(formatted).toBe(p);
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it("rejects huge strings quickly", () => {
    const t0 = Date.now();
    expect(() => parseTilePath("tile/0/" + "x001/".repeat(200_000) + "000")).toThrow(TilePathError);
    expect(Date.now() - t0).toBeLessThan(100);
  });
});

describe("tiles of a tree and of a growth", () => {
  it("describes the spec's example tree of size 70,000", () => {
    const tiles = tilesOfTree(70_000);
    expect(tiles.filter((t) => t.level === 0 && t.width === 256)).toHaveLength(273);
    expect(partialTilesOfTree(70_000)).toEqual([
      { level: 0, index: 273, width: 112 },
      { level: 1, index: 1, width: 17 },
      { level: 2, index: 0, width: 1 },
    ]);
    expect(tiles.filter((t) => t.level === 1)).toEqual([
      { level: 1, index: 0, width: 256 },
      { level: 1, index: 1, width: 17 },
    ]);
    expect(tilesOfTree(256).map(tilePath)).toEqual(["tile/0/000", "tile/1/000.p/1"]);
    expect(tilesOfTree(0)).toEqual([]);
  });

  it("matches the oracle's tiles of its tree", () => {
    const o = oracleTiles();
    expect(tilesOfTree(o.tree_size).map(tilePath)).toEqual(o.tiles_of_tree.map((t) => t.path));
  });

  it("growth sets: the oracle's published tiles at their widest", () => {
    for (const g of oracleTiles().growths) {
      const widest = new Map<string, string>();
      for (const p of g.published) widest.set(p.path.replace(/\.p\/\d+$/, ""), p.path);
      expect(tilesOfGrowth(g.old_size, g.new_size).map(tilePath).sort()).toEqual([...widest.values()].sort());
    }
    expect(tilesOfGrowth(5, 5)).toEqual([]);
    expect(bundlesOfGrowth(250, 520)).toEqual([
      { index: 0, width: 256 },
      { index: 1, width: 256 },
      { index: 2, width: 8 },
    ]);
    expect(() => tilesOfGrowth(6, 5)).toThrow(RangeError);
    expect(() => tilesOfTree(-1)).toThrow(RangeError);
  });

  it("a growth's tiles, applied over the old tree's, give the new tree's (property)", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.nat(1 << 20), (a, d) => {
        const b = Math.min(Number.MAX_SAFE_INTEGER, a + d);
        // Only compare the right edge for huge trees; the full set is fine below a million.
        const small = b < 200_000;
        const widths = new Map<string, number>();
        if (small) for (const t of tilesOfTree(a)) widths.set(`${t.level}/${t.index}`, t.width);
        for (const t of tilesOfGrowth(a, b)) {
          expect(tileWidthInTree(t.level, t.index, b)).toBe(t.width);
          expect(t.width).toBeGreaterThan(tileWidthInTree(t.level, t.index, a));
          widths.set(`${t.level}/${t.index}`, t.width);
        }
        if (small) {
          expect(widths).toEqual(new Map(tilesOfTree(b).map((t) => [`${t.level}/${t.index}`, t.width])));
        }
        for (const t of partialTilesOfTree(b)) expect(tileWidthInTree(t.level, t.index, b)).toBe(t.width);
      }),
      { numRuns: 150 },
    );
  });
});
