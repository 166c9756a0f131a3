// A state map too big to hold (10^7 keys) for the proof rows of bench:map: its root and the
// proofs of chosen keys in one recursion over sorted keys, keeping only the chosen paths. It is
// the map's definition (as test/naive-map.ts), over flat arrays; bench:map checks that it gives
// the real map's root and proofs at the sizes the real map holds in memory.
import type { Hash } from "../log/hash.js";
import { keyBit, ZERO_HASH, type MapHasher } from "../log/map/hash.js";
import type { MapProof } from "../log/map/proof.js";

export interface StreamedMap {
  readonly root: Hash;
  /** Proofs of targets[i], ending at the target's own leaf (terminal "leaf", as prove.ts gives) or not. */
  readonly proofs: MapProof[];
}

/**
 * `keys`: n sorted distinct 32-byte keys, flat; `valueAt(i)` the value of key i; `targets`:
 * sorted 32-byte keys, flat, to prove.
 */
export function streamMap(
  hasher: MapHasher,
  keys: Uint8Array,
  valueAt: (i: number) => Uint8Array,
  targets: Uint8Array,
): StreamedMap {
  const key = (i: number) => keys.subarray(32 * i, 32 * i + 32);
  const target = (t: number) => targets.subarray(32 * t, 32 * t + 32);
  const siblings: Hash[][] = Array.from({ length: targets.length / 32 }, () => []);
  const ends: { depth: number; terminal: MapProof["terminal"] }[] = new Array(siblings.length);
  const split = (lo: number, hi: number, depth: number, at: (i: number) => Uint8Array) => {
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (keyBit(at(m), depth) === 0) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  const build = (lo: number, hi: number, depth: number, tlo: number, thi: number): Hash => {
    if (hi - lo <= 1) {
      const leaf = hi > lo ? { kind: "leaf" as const, key: key(lo), valueHash: hasher.digest(valueAt(lo)) } : undefined;
      for (let t = tlo; t < thi; t++) ends[t] = { depth, terminal: leaf ?? { kind: "empty" } };
      return leaf ? hasher.leafHash(leaf.key, leaf.valueHash) : ZERO_HASH;
    }
    const mid = split(lo, hi, depth, key);
    const tmid = split(tlo, thi, depth, target);
    const left = build(lo, mid, depth + 1, tlo, tmid);
    const right = build(mid, hi, depth + 1, tmid, thi);
    for (let t = tlo; t < tmid; t++) siblings[t]![depth] = right;
    for (let t = tmid; t < thi; t++) siblings[t]![depth] = left;
    return hasher.nodeHash(left, right);
  };
  const root = build(0, keys.length / 32, 0, 0, siblings.length);
  return { root, proofs: ends.map((e, t) => ({ siblings: siblings[t]!.slice(0, e.depth), terminal: e.terminal })) };
}
