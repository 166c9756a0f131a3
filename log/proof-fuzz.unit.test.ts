// Arbitrary input to the verifiers and provers: a ProofError or success, never another exception,
// never a hang (every loop is bounded by the 53 bits of a safe integer).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryHashes } from "./memory-hashes.js";
import { verifyConsistency, verifyInclusion } from "./proof.js";
import { ProofError } from "./proof-error.js";
import { proveConsistency, proveInclusion } from "./prove.js";
import { verifySubtreeInclusion } from "./subtree-proof.js";
import { treeRoot } from "./tree.js";
import { hasher } from "./hasher.js";

const h = hasher;

const numberArb = fc.oneof(
  fc.nat(40),
  fc.integer({ min: -5, max: 2 ** 20 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.double(),
  fc.constantFrom(-1, -0, 0.5, NaN, Infinity, -Infinity, 2 ** 53 - 1, 2 ** 53, 2 ** 63, 2 ** 64, Number.MIN_VALUE),
  fc.bigInt() as fc.Arbitrary<unknown>,
  fc.anything(),
) as fc.Arbitrary<number>;

const hashArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(h.emptyRoot, h.leafHash(new Uint8Array())) },
  { weight: 1, arbitrary: fc.anything() as fc.Arbitrary<unknown> },
) as fc.Arbitrary<Uint8Array>;

const proofArb = fc.oneof(
  { weight: 5, arbitrary: fc.array(hashArb, { maxLength: 70 }) },
  { weight: 1, arbitrary: fc.anything() as fc.Arbitrary<unknown> },
) as fc.Arbitrary<Uint8Array[]>;

const optionsArb = fc.oneof(
  fc.constant(undefined),
  fc.constant(null as never),
  fc.anything() as fc.Arbitrary<never>,
  fc.record({ emptyOldTree: fc.constantFrom("reject", "accept") as fc.Arbitrary<"reject" | "accept"> }),
);

function onlyProofErrors(run: () => void): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof ProofError)) throw e;
  }
}

async function onlyProofErrorsAsync(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (!(e instanceof ProofError)) throw e;
  }
}

describe("verifiers under arbitrary input", () => {
  it("verifyInclusion throws only ProofError", () => {
    fc.assert(
      fc.property(numberArb, numberArb, hashArb, proofArb, hashArb, (index, size, leaf, proof, root) => {
        onlyProofErrors(() => verifyInclusion(index, size, leaf, proof, root));
      }),
      { numRuns: 5000 },
    );
  });

  it("verifyConsistency throws only ProofError, in both modes", () => {
    fc.assert(
      fc.property(
        numberArb,
        numberArb,
        proofArb,
        hashArb,
        hashArb,
        optionsArb,
        (size1, size2, proof, root1, root2, options) => {
          onlyProofErrors(() => verifyConsistency(size1, size2, proof, root1, root2, options));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("verifySubtreeInclusion throws only ProofError", () => {
    fc.assert(
      fc.property(
        numberArb,
        numberArb,
        numberArb,
        hashArb,
        proofArb,
        hashArb,
        (index, start, end, leaf, proof, root) => {
          onlyProofErrors(() => verifySubtreeInclusion(index, start, end, leaf, proof, root));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("refuses well-formed random proofs at huge sizes quickly and with a ProofError", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.nat(),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 60 }),
        (size, seed, proof) => {
          const index = seed % size;
          const [a, b] = [new Uint8Array(32), new Uint8Array(32).fill(255)]; // no proof leads from one to the other
          expect(() => verifyInclusion(index, size, a, proof, b)).toThrow(ProofError);
          expect(() => verifyConsistency(Math.max(1, index), size, proof, a, b)).toThrow(ProofError);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("provers under arbitrary arguments", () => {
  const tree = MemoryHashes.fromLeafHashes(Array.from({ length: 37 }, (_, i) => h.leafHash(new Uint8Array([i]))));

  it("reject with ProofError for bad numbers and for sizes beyond the stored tree", async () => {
    await fc.assert(
      fc.asyncProperty(numberArb, numberArb, async (a, b) => {
        await onlyProofErrorsAsync(() => proveInclusion(tree, a, b));
        await onlyProofErrorsAsync(() => proveConsistency(tree, a, b));
        await onlyProofErrorsAsync(() => treeRoot(tree, a));
      }),
      { numRuns: 3000 },
    );
    await expect(proveInclusion(tree, 3, 38)).rejects.toMatchObject({ code: "NOT_IN_TREE" });
    await expect(proveInclusion(tree, 3, 3)).rejects.toMatchObject({ code: "INDEX_OUT_OF_RANGE" });
    await expect(proveConsistency(tree, 4, 3)).rejects.toMatchObject({ code: "SIZE_ORDER" });
    await expect(proveInclusion(tree, -1, 3)).rejects.toMatchObject({ code: "INVALID_NUMBER" });
  });
});
