// The map against its definition: random key sets in random batches give the naive reference's
// root (test/naive-map.ts) whatever the batching; every key proves present with its value, other
// keys prove absent, and any damage to a proof fails it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { naiveLatest, naiveMapRoot, type NaiveEntry } from "../../test/naive-map.js";
import { bytesEqual, toHex } from "../bytes.js";
import { ProofError } from "../proof-error.js";
import { loadWasmSha256 } from "../sha256-wasm.js";
import { defaultMapHasher, mapHasherFromDigest, ZERO_HASH, type MapHasher } from "./hash.js";
import { decodeNode, encodeNode, type MapNode } from "./node.js";
import { compactSiblings, expandSiblings, withValue, type MapProof } from "./proof.js";
import { proveKeys, proveKeysAsync } from "./prove.js";
import { MemoryMapNodeStore, type NodeReads } from "./store.js";
import { computeUpdateAsync, updateMap, type MapEntry } from "./update.js";
import { verifyMapProof } from "./verify.js";

const hasher = defaultMapHasher;

/** Keys that often share long prefixes: a few stems, each key a stem with a few bits changed. */
const keyArb = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 }))
    .map(([stem, flips]) => {
      const k = new Uint8Array(32).fill(stem * 0x41);
      for (const f of flips) k[31 - (f >> 3)]! ^= 1 << (f & 7);
      return k;
    }),
);
const entryArb = fc.record({ key: keyArb, value: fc.uint8Array({ minLength: 1, maxLength: 40 }) });
/** Batches of entries; an entry may update a key of an earlier batch (or of its own). */
const batchesArb = fc.array(fc.array(entryArb, { maxLength: 30 }), { minLength: 1, maxLength: 6 }).chain((batches) =>
  fc
    .array(
      fc.record({
        batch: fc.nat(batches.length - 1),
        from: fc.nat(),
        value: fc.uint8Array({ minLength: 1, maxLength: 8 }),
      }),
      { maxLength: 10 },
    )
    .map((updates) => {
      const all = batches.flat();
      for (const u of updates)
        if (all.length > 0) batches[u.batch]!.push({ key: all[u.from % all.length]!.key, value: u.value });
      return batches;
    }),
);

function build(
  batches: readonly (readonly MapEntry[])[],
  h: MapHasher = hasher,
): { store: MemoryMapNodeStore; roots: Uint8Array[] } {
  const store = new MemoryMapNodeStore();
  return { store, roots: batches.map((b) => updateMap(store, h, b)) };
}

function proofFails(root: Uint8Array, key: Uint8Array, proof: MapProof): boolean {
  try {
    verifyMapProof(hasher, root, key, proof);
    return false;
  } catch (e) {
    if (!(e instanceof ProofError)) throw e;
    return true;
  }
}

function checkProofs(
  store: MemoryMapNodeStore,
  root: Uint8Array,
  present: readonly NaiveEntry[],
  absent: readonly Uint8Array[],
): void {
  const proofs = proveKeys(store, [...present.map((e) => e.key), ...absent]);
  present.forEach((e, i) => {
    const p = withValue(hasher, e.key, proofs[i]!, e.value);
    const r = verifyMapProof(hasher, root, e.key, p);
    expect(r.present && bytesEqual(r.value, e.value)).toBe(true);
  });
  absent.forEach((k, i) => {
    expect(verifyMapProof(hasher, root, k, proofs[present.length + i]!)).toEqual({ present: false });
  });
}

describe("state map", () => {
  it("every batching gives the naive root; batched = one at a time = rebuilt", () => {
    fc.assert(
      fc.property(batchesArb, (batches) => {
        const { store, roots } = build(batches);
        let seen: MapEntry[] = [];
        batches.forEach((b, i) => {
          seen = seen.concat(b);
          expect(toHex(roots[i]!)).toBe(toHex(naiveMapRoot(naiveLatest(seen))));
        });
        const final = roots[roots.length - 1]!;
        expect(toHex(build(seen.map((e) => [e])).roots.at(-1) ?? ZERO_HASH)).toBe(toHex(final));
        expect(toHex(build([naiveLatest(seen)]).roots[0]!)).toBe(toHex(final));
        return store.size >= 0;
      }),
      { numRuns: 150 },
    );
  });

  it("every key proves present with its value, other keys prove absent", () => {
    fc.assert(
      fc.property(batchesArb, fc.array(keyArb, { maxLength: 10 }), (batches, others) => {
        const { store, roots } = build(batches);
        const latest = naiveLatest(batches.flat());
        const absent = others.filter((k) => !latest.some((e) => bytesEqual(e.key, k)));
        checkProofs(store, roots.at(-1)!, latest, absent);
      }),
      { numRuns: 150 },
    );
  });

  it("any flipped bit, wrong value, truncated or extended proof fails", () => {
    fc.assert(
      fc.property(batchesArb, keyArb, fc.nat(), fc.nat(), (batches, other, pick, bitAt) => {
        const latest = naiveLatest(batches.flat());
        fc.pre(latest.length > 0);
        const { store, roots } = build(batches);
        const root = roots.at(-1)!;
        const e = latest[pick % latest.length]!;
        const present = withValue(hasher, e.key, proveKeys(store, [e.key])[0]!, e.value);
        const absentKey = latest.some((x) => bytesEqual(x.key, other)) ? undefined : other;
        const cases: [Uint8Array, MapProof][] = [[e.key, present]];
        if (absentKey) cases.push([absentKey, proveKeys(store, [absentKey])[0]!]);
        for (const [key, proof] of cases) {
          expect(proofFails(root, key, proof)).toBe(false);
          const flip = (b: Uint8Array) => {
            const c = Uint8Array.from(b);
            c[(bitAt >> 3) % c.length]! ^= 1 << (bitAt & 7);
            return c;
          };
          const d = proof.siblings.length;
          // A flipped bit anywhere: the root, the key, a sibling, the terminal.
          expect(proofFails(flip(root), key, proof)).toBe(true);
          // The key: for presence any bit; for absence a bit of the path (past the path's
          // depth, the same proof rightly proves the other key absent too).
          const keyBit = (i: number) => {
            const c = Uint8Array.from(key);
            c[i >> 3]! ^= 0x80 >> (i & 7);
            return c;
          };
          if (proof.terminal.kind === "value") expect(proofFails(root, keyBit(bitAt % 256), proof)).toBe(true);
          else if (d > 0) expect(proofFails(root, keyBit(bitAt % d), proof)).toBe(true);
          if (proof.terminal.kind === "empty" && d < 256)
            expect(proofFails(root, keyBit(d + (bitAt % (256 - d))), proof)).toBe(false);
          if (d > 0) {
            const siblings = proof.siblings.slice();
            siblings[bitAt % d] = flip(siblings[bitAt % d]!);
            expect(proofFails(root, key, { ...proof, siblings })).toBe(true);
          }
          const t = proof.terminal;
          if (t.kind === "value") {
            expect(proofFails(root, key, { ...proof, terminal: { kind: "value", value: flip(t.value) } })).toBe(true);
            expect(
              proofFails(root, key, { ...proof, terminal: { kind: "value", value: Uint8Array.of(...t.value, 0) } }),
            ).toBe(true);
            expect(proofFails(root, key, { ...proof, terminal: { kind: "empty" } })).toBe(true);
          } else if (t.kind === "leaf") {
            expect(proofFails(root, key, { ...proof, terminal: { ...t, key: flip(t.key) } })).toBe(true);
            expect(proofFails(root, key, { ...proof, terminal: { ...t, valueHash: flip(t.valueHash) } })).toBe(true);
            expect(proofFails(root, key, { ...proof, terminal: { kind: "empty" } })).toBe(true);
          } else {
            expect(proofFails(root, key, { ...proof, terminal: { kind: "value", value: Uint8Array.of(1) } })).toBe(
              true,
            );
          }
          // Truncated and extended.
          if (d > 0) {
            expect(proofFails(root, key, { ...proof, siblings: proof.siblings.slice(0, d - 1) })).toBe(true);
            expect(proofFails(root, key, { ...proof, siblings: proof.siblings.slice(1) })).toBe(true);
          }
          expect(proofFails(root, key, { ...proof, siblings: [...proof.siblings, ZERO_HASH] })).toBe(true);
          expect(proofFails(root, key, { ...proof, siblings: [...proof.siblings, flip(new Uint8Array(32))] })).toBe(
            true,
          );
          expect(proofFails(root, key, { ...proof, siblings: [ZERO_HASH, ...proof.siblings] })).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("the sibling bitmap round-trips and accepts nothing else", () => {
    fc.assert(
      fc.property(batchesArb, keyArb, (batches, key) => {
        const { store } = build(batches);
        const p = proveKeys(store, [key])[0]!;
        const c = compactSiblings(p.siblings);
        expect(expandSiblings(c).map(toHex)).toEqual(p.siblings.map(toHex));
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: -2, max: 300 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 300 }),
        (depth, zeroBitmap, nonZero) => {
          try {
            const s = expandSiblings({ depth, zeroBitmap, nonZero });
            const again = compactSiblings(s);
            expect(again.depth).toBe(depth);
            expect(toHex(again.zeroBitmap)).toBe(toHex(zeroBitmap));
            expect(toHex(again.nonZero)).toBe(toHex(nonZero));
          } catch (e) {
            expect(e).toBeInstanceOf(ProofError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("verifies nothing but ProofError on arbitrary input", () => {
    const anything = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.integer(),
      fc.uint8Array({ maxLength: 40 }),
      fc.string(),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        anything,
        anything,
        fc.array(fc.uint8Array({ minLength: 31, maxLength: 33 }), { maxLength: 4 }),
        (root, key, a, b, siblings) => {
          for (const terminal of [
            a,
            { kind: "leaf", key: a, valueHash: b },
            { kind: "value", value: a },
            { kind: "empty" },
            undefined,
          ]) {
            for (const proof of [{ siblings, terminal }, a, { siblings: a, terminal }]) {
              try {
                verifyMapProof(hasher, root, key, proof as MapProof);
              } catch (e) {
                expect(e).toBeInstanceOf(ProofError);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("an asynchronous store gives the same roots and proofs as the synchronous one", async () => {
    const batches = fc.sample(batchesArb, { numRuns: 20, seed: 7 });
    for (const bs of batches) {
      const sync = build(bs);
      const mem = new MemoryMapNodeStore();
      const slow = {
        getNodes: async (paths: Parameters<MemoryMapNodeStore["getNodes"]>[0]): Promise<NodeReads> =>
          mem.getNodes(paths),
      };
      let root = ZERO_HASH;
      for (const b of bs) {
        const u = await computeUpdateAsync(slow, hasher, b);
        mem.putNodes(u.writes);
        root = u.root;
      }
      expect(toHex(root)).toBe(toHex(sync.roots.at(-1)!));
      const keys = bs.flat().map((e) => e.key);
      expect(await proveKeysAsync(slow, keys)).toEqual(proveKeys(sync.store, keys));
    }
  });

  it("stored nodes round-trip through their byte form", () => {
    const bs = fc.sample(batchesArb, { numRuns: 30, seed: 3 });
    for (const b of bs) {
      const nodes: MapNode[] = [];
      const store = new MemoryMapNodeStore();
      const spy = {
        getNodes: store.getNodes.bind(store),
        putNodes: (w: Parameters<MemoryMapNodeStore["putNodes"]>[0]) => (
          nodes.push(...w.map((x) => x.node)), store.putNodes(w)
        ),
      };
      for (const batch of b) updateMap(spy, hasher, batch);
      for (const n of nodes) expect(decodeNode(hasher, encodeNode(n))).toEqual(n);
    }
    expect(() => decodeNode(hasher, Uint8Array.of(0, 0, 0))).toThrow(/trailing/);
    expect(() => decodeNode(hasher, Uint8Array.of(2, 1))).toThrow(/truncated/);
    expect(() => decodeNode(hasher, Uint8Array.of(7, 0))).toThrow(/kind/);
  });

  it("10^5 random keys in random batches: naive root, proofs of presence and absence", () => {
    const wasm = loadWasmSha256()!;
    const fast = mapHasherFromDigest(wasm.digest);
    const n = 100_000;
    const rand = new Uint8Array(n * 32);
    for (let i = 0; i < rand.length; i += 65536) crypto.getRandomValues(rand.subarray(i, i + 65536));
    const entries = Array.from({ length: n }, (_, i) => ({
      key: rand.subarray(32 * i, 32 * i + 32),
      value: Uint8Array.of(i & 255, i >> 8, i >> 16),
    }));
    const batches: MapEntry[][] = [];
    for (let at = 0; at < n; ) {
      const size = Math.min(n - at, 1 + Math.floor(Math.random() * 20_000));
      batches.push(entries.slice(at, at + size));
      at += size;
    }
    // Updates of earlier keys ride in the last batch.
    const updates = entries
      .filter((_, i) => i % 97 === 0)
      .map((e) => ({ key: e.key, value: Uint8Array.of(9, ...e.value) }));
    batches.push(updates);
    const { store, roots } = build(batches, fast);
    const latest = naiveLatest([...entries, ...updates]);
    expect(toHex(roots.at(-1)!)).toBe(toHex(naiveMapRoot(latest)));
    const sample = latest.filter((_, i) => i % 50 === 0);
    const absent = Array.from({ length: 500 }, () => crypto.getRandomValues(new Uint8Array(32)));
    checkProofs(store, roots.at(-1)!, sample, absent);
  }, 120_000);
});
