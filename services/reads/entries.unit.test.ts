// ProvenEntries.read: any list of indices (unsorted, repeated, runs and gaps, cached or not)
// comes back in the order asked, each entry the store's bytes with a proof that verifies.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesEqual } from "../../log/bytes.js";
import { hasher } from "../../log/hasher.js";
import { verifyInclusion } from "../../log/proof.js";
import { buildFixture } from "../../test/verification-fixture.js";

describe("ProvenEntries.read", () => {
  it("answers any index list in order, with the stored bytes and valid proofs", async () => {
    const fx = await buildFixture();
    const view = fx.registry.view;
    const snap = fx.reads.snapshot();
    const all = await view.store.readEntries(0, snap.size);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(snap.size - 1), { maxLength: 12 }), fc.boolean(), async (indices, cache) => {
        const got = await fx.reads.entries.read(snap, indices, cache);
        expect(got.map((p) => Number(p.index))).toEqual(indices);
        for (const p of got) {
          const i = Number(p.index);
          expect(bytesEqual(p.entry, all[i]!)).toBe(true);
          verifyInclusion(i, snap.size, hasher.leafHash(p.entry), p.inclusionProof, snap.tree.root);
        }
      }),
      { numRuns: 100 },
    );
  });
});
