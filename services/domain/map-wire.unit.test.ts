// The map proof parser, fuzzed: any bytes give a proof or a violation, never a throw; what it
// accepts is canonical (encodes back to the same bytes); damaged encodings of real proofs are
// refused or decode to a proof that no longer verifies.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesEqual } from "../../log/bytes.js";
import { defaultMapHasher as hasher } from "../../log/map/hash.js";
import { withValue } from "../../log/map/proof.js";
import { proveKeys } from "../../log/map/prove.js";
import { MemoryMapNodeStore } from "../../log/map/store.js";
import { updateMap } from "../../log/map/update.js";
import { verifyMapProof } from "../../log/map/verify.js";
import { ProofError } from "../../log/proof-error.js";
import { decodeMapCommitment, decodeMapProof, decodeMapValue, encodeMapProof } from "./map-wire.js";
import { isViolation } from "./violation.js";

const store = new MemoryMapNodeStore();
const entries = Array.from({ length: 300 }, (_, i) => ({
  key: hasher.digest(Uint8Array.of(i & 255, i >> 8)),
  value: Uint8Array.of(0x10, 1 + (i % 200)),
}));
// Two keys sharing 250 bits, for proofs with long runs of empty siblings.
const near = new Uint8Array(32).fill(0xaa);
entries.push(
  { key: near, value: Uint8Array.of(1) },
  { key: Uint8Array.from(near).fill(0xab, 31), value: Uint8Array.of(2) },
);
const root = updateMap(store, hasher, entries);
const keys = [
  ...entries.map((e) => e.key),
  ...Array.from({ length: 50 }, (_, i) => hasher.digest(Uint8Array.of(9, 9, i))),
  Uint8Array.from(near).fill(0xa8, 31),
];
const proofs = proveKeys(store, keys).map((p, i) =>
  i < entries.length ? withValue(hasher, keys[i]!, p, entries[i]!.value) : p,
);
const encoded = proofs.map(encodeMapProof);

function outcome(key: Uint8Array, bytes: Uint8Array): "refused" | "fails" | "verifies" {
  const p = decodeMapProof(bytes);
  if (isViolation(p)) {
    expect(p.code).toBe("INVALID_ARGUMENT");
    return "refused";
  }
  expect(bytesEqual(encodeMapProof(p), bytes)).toBe(true);
  try {
    verifyMapProof(hasher, root, key, p);
    return "verifies";
  } catch (e) {
    expect(e).toBeInstanceOf(ProofError);
    return "fails";
  }
}

describe("map proof wire form", () => {
  it("real proofs round-trip and verify; the long shared prefix goes in the bitmap", () => {
    encoded.forEach((b, i) => expect(outcome(keys[i]!, b)).toBe("verifies"));
    const deep = proofs[entries.length - 1]!;
    expect(deep.siblings.length).toBeGreaterThan(240);
    expect(encoded[entries.length - 1]!.length).toBeLessThan(20 * 32);
  });

  it("arbitrary bytes: a proof or a violation, never a throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        outcome(keys[0]!, b);
      }),
      { numRuns: 3000 },
    );
  });

  it("damaged real proofs are refused or fail", () => {
    fc.assert(
      fc.property(
        fc.nat(encoded.length - 1),
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        (i, at, how, extra) => {
          const b = encoded[i]!;
          let damaged: Uint8Array;
          if (how === 0) {
            damaged = Uint8Array.from(b);
            damaged[at % b.length]! ^= 1 << (at % 8);
          } else if (how === 1) damaged = b.subarray(0, at % b.length);
          else damaged = Uint8Array.of(...b, ...extra);
          expect(outcome(keys[i]!, damaged)).not.toBe("verifies");
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("map values and commitments: canonical only, within limits", () => {
    expect(isViolation(decodeMapValue(new Uint8Array(0)))).toBe(true);
    expect(decodeMapValue(Uint8Array.of(0x08, 0x00))).toMatchObject({ rule: "non-canonical-encoding" });
    expect(decodeMapValue(Uint8Array.of(0x08, 0x05))).toMatchObject({ rule: "bad-map-value" });
    expect(decodeMapValue(Uint8Array.of(0x08, 0x05, 0x32, 0x00))).toMatchObject({
      lastIndex: 5n,
      kind: { $case: "category" },
    });
    expect(decodeMapCommitment(Uint8Array.of(0x0a, 0x01, 0x00))).toMatchObject({ rule: "bad-map-commitment" });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        decodeMapValue(b);
        decodeMapCommitment(b);
      }),
      { numRuns: 2000 },
    );
  });
});
