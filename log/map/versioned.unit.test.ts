import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultMapHasher as h } from "./hash.js";
import { runSync } from "./plan.js";
import { proveKeys } from "./prove.js";
import { MemoryMapNodeStore } from "./store.js";
import { computeUpdate, planRoot, updateMap } from "./update.js";
import { verifyMapProof } from "./verify.js";
import { withValue } from "./proof.js";
import { VersionedMemoryMapNodeStore } from "./versioned.js";

const key = (i: number) => h.digest(new Uint8Array([i & 0xff, i >> 8]));
const value = (i: number, round: number) => new Uint8Array([i & 0xff, round]);

describe("VersionedMemoryMapNodeStore", () => {
  it("reads every kept version as that version's map: same root, proofs verify against it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 20 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 1, max: 4 }),
        (batches, keep) => {
          const versioned = new VersionedMemoryMapNodeStore();
          const plain = new MemoryMapNodeStore();
          const roots: { version: number; root: Uint8Array; values: Map<number, Uint8Array> }[] = [];
          const current = new Map<number, Uint8Array>();
          batches.forEach((ids, round) => {
            const version = 3 * round + 2; // versions need not be consecutive
            const entries = ids.map((i) => ({ key: key(i), value: value(i, round) }));
            for (const i of ids) current.set(i, value(i, round));
            const u = computeUpdate(versioned.at(Number.MAX_SAFE_INTEGER), h, entries);
            versioned.put(u.writes, version);
            expect(u.root).toEqual(updateMap(plain, h, entries));
            roots.push({ version, root: u.root, values: new Map(current) });
            if (roots.length > keep) versioned.setFloor(roots[roots.length - keep]!.version);
          });
          for (const r of roots.slice(-keep)) {
            const at = versioned.at(r.version);
            expect(runSync(planRoot(h), at)).toEqual(r.root);
            const probe = [0, 7, 150, 299, ...r.values.keys()].slice(0, 12);
            const proofs = proveKeys(at, probe.map(key));
            probe.forEach((i, j) => {
              const v = r.values.get(i);
              const p = v ? withValue(h, key(i), proofs[j]!, v) : proofs[j]!;
              expect(verifyMapProof(h, r.root, key(i), p)).toEqual(
                v ? { present: true, value: v } : { present: false },
              );
            });
          }
          if (roots.length > keep) expect(() => versioned.at(roots[0]!.version).getNodes([])).toThrow(/no longer kept/);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keeps every kept version readable across many more versions than a chain holds between cuts", () => {
    const versioned = new VersionedMemoryMapNodeStore();
    const plain = new MemoryMapNodeStore();
    const keep = 5;
    const roots: { version: number; root: Uint8Array }[] = [];
    for (let round = 0; round < 200; round++) {
      // The same few keys each round: the positions near the root get a write per version.
      const entries = [round % 7, 7 + (round % 3), 20].map((i) => ({ key: key(i), value: value(i, round) }));
      const u = computeUpdate(versioned.at(Number.MAX_SAFE_INTEGER), h, entries);
      versioned.put(u.writes, round + 1);
      expect(u.root).toEqual(updateMap(plain, h, entries));
      roots.push({ version: round + 1, root: u.root });
      if (roots.length > keep) versioned.setFloor(roots[roots.length - keep]!.version);
      for (const r of roots.slice(-keep)) expect(runSync(planRoot(h), versioned.at(r.version))).toEqual(r.root);
    }
  });

  it("refuses a version that is not above the last", () => {
    const s = new VersionedMemoryMapNodeStore();
    s.put([], 5);
    expect(() => s.put([], 5)).toThrow(/not above/);
  });
});
