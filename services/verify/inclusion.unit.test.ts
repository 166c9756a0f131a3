// InclusionVerifier against log/proof.ts verifyInclusion: over random trees and random sequences
// of proofs (genuine, or with a flipped bit, a swapped hash, the wrong index, a dropped or extra
// hash), every proof gets exactly the outcome it gets alone, whatever was verified before it.
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Hash } from "../../log/hash.js";
import { MemoryHashes } from "../../log/memory-hashes.js";
import { verifyInclusion } from "../../log/proof.js";
import { proveInclusion } from "../../log/prove.js";
import { treeRoot } from "../../log/tree.js";
import { proofOutcome } from "../../test/proof-outcome.js";
import { InclusionVerifier } from "./inclusion.js";
import { hasher } from "../../log/hasher.js";

const h = hasher;
const N = 5000;
let leaves: Hash[] = [];
let tree: MemoryHashes;

beforeAll(() => {
  leaves = Array.from({ length: N }, (_, i) => h.leafHash(new TextEncoder().encode(`entry ${i}`)));
  tree = MemoryHashes.fromLeafHashes(leaves);
});

type Mutation =
  | { kind: "none" }
  | { kind: "flip"; at: number; bit: number }
  | { kind: "swap"; a: number; b: number }
  | { kind: "index"; delta: number }
  | { kind: "drop" }
  | { kind: "extra" };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "none" as const }) },
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(255) }),
  fc.record({ kind: fc.constant("swap" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant("index" as const), delta: fc.integer({ min: -3, max: 3 }) }),
  fc.constant({ kind: "drop" as const }),
  fc.constant({ kind: "extra" as const }),
);

function mutate(index: number, proof: readonly Hash[], m: Mutation): { index: number; proof: Hash[] } {
  const out = proof.slice();
  switch (m.kind) {
    case "flip":
      if (out.length > 0) {
        const at = m.at % out.length;
        const b = Uint8Array.from(out[at]!); // a copy (slice() of a Buffer is a view)
        b[m.bit >> 3]! ^= 1 << (m.bit & 7);
        out[at] = b;
      }
      return { index, proof: out };
    case "swap":
      if (out.length > 1) {
        const [a, b] = [m.a % out.length, m.b % out.length];
        [out[a], out[b]] = [out[b]!, out[a]!];
      }
      return { index, proof: out };
    case "index":
      return { index: Math.max(0, index + m.delta), proof: out };
    case "drop":
      return { index, proof: out.slice(0, -1) };
    case "extra":
      return { index, proof: [...out, h.emptyRoot] };
    default:
      return { index, proof: out };
  }
}

describe("InclusionVerifier", () => {
  it("gives every proof in a sequence the outcome it has alone", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: N }),
        fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 12 }),
        async (size, asks) => {
          const root = await treeRoot(tree, size);
          const v = new InclusionVerifier(size, root);
          for (const [pick, m] of asks) {
            const at = pick % size;
            const { index, proof } = mutate(at, await proveInclusion(tree, at, size), m);
            const leaf = leaves[at]!;
            const alone = proofOutcome(() => verifyInclusion(index, size, leaf, proof, root));
            expect(proofOutcome(() => v.verify(index, leaf, proof))).toBe(alone);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("hashes a shared path once: a neighbour's proof costs only the hashes below the shared node", async () => {
    const size = 4096;
    const root = await treeRoot(tree, size);
    const spy = vi.spyOn(hasher, "nodeHash");
    const hashes = () => spy.mock.calls.length;
    const v = new InclusionVerifier(size, root);
    v.verify(1000, leaves[1000]!, await proveInclusion(tree, 1000, size));
    expect(hashes()).toBe(12);
    v.verify(1001, leaves[1001]!, await proveInclusion(tree, 1001, size));
    expect(hashes()).toBe(12); // its leaf is the first node's proven sibling
    v.verify(1002, leaves[1002]!, await proveInclusion(tree, 1002, size));
    expect(hashes()).toBe(13);
    spy.mockRestore();
  });

  it("remembers nothing from a proof that failed", async () => {
    const size = 1000;
    const root = await treeRoot(tree, size);
    const v = new InclusionVerifier(size, root);
    const good = await proveInclusion(tree, 10, size);
    const bad = good.slice();
    bad[5] = h.emptyRoot;
    expect(proofOutcome(() => v.verify(10, leaves[10]!, bad))).toBe("ROOT_MISMATCH");
    // A forged leaf hash whose (forged) path was never accepted is still refused.
    const p11 = await proveInclusion(tree, 11, size);
    expect(proofOutcome(() => v.verify(11, h.emptyRoot, p11))).toBe("ROOT_MISMATCH");
    expect(proofOutcome(() => v.verify(10, leaves[10]!, good))).toBe("ok");
  });
});
