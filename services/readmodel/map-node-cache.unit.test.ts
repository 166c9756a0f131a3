import { describe, expect, it } from "vitest";
import {
  defaultMapHasher,
  EMPTY_CHILD,
  innerChild,
  leafChild,
  type MapNode,
  type NodePath,
} from "../../log/map/index.js";
import { MapNodeCache } from "./map-node-cache.js";

const path = (first: number, depth: number): NodePath => ({ key: new Uint8Array(32).fill(first), depth });
const inner = (tag: number): MapNode => ({ left: innerChild(new Uint8Array(32).fill(tag)), right: EMPTY_CHILD });
const leafy = (tag: number): MapNode => ({
  left: leafChild(defaultMapHasher, new Uint8Array(32).fill(tag), new Uint8Array(32).fill(tag + 1)),
  right: leafChild(defaultMapHasher, new Uint8Array(32).fill(0xff), new Uint8Array(32).fill(tag + 2)),
});

describe("MapNodeCache", () => {
  it("never answers a read at an older version with a node written later", () => {
    const cache = new MapNodeCache(1 << 20);
    const p = path(1, 8);
    cache.written(5, [{ path: p, node: inner(1) }]);
    cache.written(9, [{ path: p, node: inner(2) }]);
    expect(cache.get(p, 9)).toEqual(inner(2));
    expect(cache.get(p, 12)).toBeUndefined(); // beyond what the cache accounts for: the store's
    expect(cache.get(p, 8)).toBeUndefined(); // the version 5 node was replaced: the store has it
    expect(cache.get(p, 5)).toBeUndefined();
    // A position not written since 5 serves every version from 5 up to the newest.
    const q = path(2, 8);
    cache.written(10, [{ path: q, node: inner(3) }]);
    cache.written(11, [{ path: p, node: inner(4) }]);
    expect(cache.get(q, 11)).toEqual(inner(3));
    expect(cache.get(q, 10)).toEqual(inner(3));
    expect(cache.get(q, 9)).toBeUndefined();
  });

  it("keeps a store read only if it was made at the newest version with no write since it began", () => {
    const cache = new MapNodeCache(1 << 20);
    const p = path(3, 8);
    cache.written(4, [{ path: path(0, 0), node: inner(9) }]);
    cache.fill(cache.ticket(), 3, [p], [inner(1)]); // an older version: the node may be superseded
    expect(cache.get(p, 4)).toBeUndefined();
    const ticket = cache.ticket();
    cache.written(6, [{ path: path(0, 0), node: inner(8) }]); // a write while the read was out
    cache.fill(ticket, 4, [p], [inner(1)]);
    expect(cache.get(p, 6)).toBeUndefined();
    cache.fill(cache.ticket(), 6, [p], [inner(2)]);
    expect(cache.get(p, 6)).toEqual(inner(2));
    expect(cache.get(p, 5)).toBeUndefined(); // its write version is unknown: only reads at 6 or above
  });

  it("refreshes the positions another process wrote and keeps the rest; a stale refresh clears", () => {
    const cache = new MapNodeCache(1 << 20);
    const [p, q] = [path(1, 8), path(2, 8)];
    cache.written(3, [
      { path: p, node: inner(1) },
      { path: q, node: inner(2) },
    ]);
    cache.refresh(cache.ticket(), 7, [{ path: p, node: inner(3) }]);
    expect(cache.get(p, 7)).toEqual(inner(3));
    expect(cache.get(q, 7)).toEqual(inner(2));
    const ticket = cache.ticket();
    cache.written(8, []);
    cache.refresh(ticket, 9, [{ path: p, node: inner(4) }]);
    expect(cache.size).toBe(0);
    expect(cache.get(p, 9)).toBeUndefined();
  });

  it("stays within its byte budget, evicting, and what it keeps is still right", () => {
    const budget = 3000;
    const cache = new MapNodeCache(budget);
    for (let v = 1; v <= 40; v++) cache.written(v, [{ path: path(v, 8), node: v % 2 ? inner(v) : leafy(v) }]);
    expect(cache.bytes).toBeLessThanOrEqual(budget);
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThan(40);
    for (let v = 1; v <= 40; v++) {
      const got = cache.get(path(v, 8), 40);
      if (got !== undefined) expect(got).toEqual(v % 2 ? inner(v) : leafy(v));
    }
    // A leaf-holding node costs more than one with one inner child: its keys and hashes count.
    const one = new MapNodeCache(1 << 20);
    one.written(1, [{ path: path(1, 1), node: inner(1) }]);
    const two = new MapNodeCache(1 << 20);
    two.written(1, [{ path: path(1, 1), node: leafy(1) }]);
    expect(two.bytes).toBeGreaterThan(2 * one.bytes);
  });
});
