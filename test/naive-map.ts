// The state map's root by direct recursion over sorted keys, straight from DESIGN.md's words and
// with its own hashing (no compression tricks, no shared code with log/map): for tests only.
import { sha256 } from "@noble/hashes/sha2.js";

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const bit = (key: Uint8Array, i: number) => (key[i >> 3]! >> (7 - (i & 7))) & 1;

export interface NaiveEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The root of a map holding `entries` (distinct keys, any order). */
export function naiveMapRoot(entries: readonly NaiveEntry[]): Uint8Array {
  return subtree(entries, 0);
}

function subtree(entries: readonly NaiveEntry[], depth: number): Uint8Array {
  if (entries.length === 0) return new Uint8Array(32);
  if (entries.length === 1) return sha256(cat(Uint8Array.of(2), entries[0]!.key, sha256(entries[0]!.value)));
  const left = entries.filter((e) => bit(e.key, depth) === 0);
  const right = entries.filter((e) => bit(e.key, depth) === 1);
  return sha256(cat(Uint8Array.of(3), subtree(left, depth + 1), subtree(right, depth + 1)));
}

/** The map `entries` leave, one value per key (the last given wins). */
export function naiveLatest(entries: readonly NaiveEntry[]): NaiveEntry[] {
  const m = new Map<string, NaiveEntry>();
  for (const e of entries) m.set(Buffer.from(e.key).toString("hex"), e);
  return [...m.values()];
}
