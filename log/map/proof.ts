// A map proof (DESIGN.md, "The state map"): the sibling hashes on a key's path from the root down
// to the depth where the path ends, and what it ends at.
//
// A proof of presence carries the key's value itself (its hash is recomputed), so the one thing
// a reader needs besides the root is the proof; a proof of absence ends at an empty subtree or at
// the leaf of another key sharing the path's bits (that key and its value's hash).
import { bytesEqual } from "../bytes.js";
import { HASH_SIZE, type Hash } from "../hash.js";
import { ProofError } from "../proof-error.js";
import { isZeroHash, ZERO_HASH, type MapHasher, type MapKey } from "./hash.js";

/** A key's path ends at depth 256 at the most (two keys share at most 255 bits). */
export const MAX_MAP_DEPTH = 256;

export type MapTerminal =
  | { readonly kind: "empty" }
  | { readonly kind: "leaf"; readonly key: MapKey; readonly valueHash: Hash }
  | { readonly kind: "value"; readonly value: Uint8Array };

export interface MapProof {
  /** Sibling hashes from the root down: siblings[i] is the other child at depth i (ZERO_HASH for an empty one). */
  readonly siblings: readonly Hash[];
  readonly terminal: MapTerminal;
}

/**
 * A proof of presence from the proof prove.ts gives for a key in the map (which ends at the key's
 * own leaf), with the key's value: throws unless the value is the one the map holds.
 */
export function withValue(hasher: MapHasher, key: MapKey, proof: MapProof, value: Uint8Array): MapProof {
  const t = proof.terminal;
  if (t.kind !== "leaf" || !bytesEqual(t.key, key))
    throw new Error("withValue: the proof does not end at the key's own leaf");
  if (!bytesEqual(hasher.digest(value), t.valueHash))
    throw new Error("withValue: the value is not the one the map holds");
  return { siblings: proof.siblings, terminal: { kind: "value", value } };
}

/**
 * The siblings as sent: `depth` of them, a bitmap of the empty ones (bit i, most significant bit
 * of byte i / 8 first, set for an empty sibling at depth i; ceil(depth / 8) bytes, unused bits
 * clear) and the others' 32 bytes each, concatenated from the root down.
 */
export interface CompactSiblings {
  readonly depth: number;
  readonly zeroBitmap: Uint8Array;
  readonly nonZero: Uint8Array;
}

export function compactSiblings(siblings: readonly Hash[]): CompactSiblings {
  const depth = siblings.length;
  const zeroBitmap = new Uint8Array((depth + 7) >> 3);
  let zeros = 0;
  for (let i = 0; i < depth; i++) {
    if (isZeroHash(siblings[i]!)) {
      zeroBitmap[i >> 3]! |= 0x80 >> (i & 7);
      zeros++;
    }
  }
  const nonZero = new Uint8Array((depth - zeros) * HASH_SIZE);
  let at = 0;
  for (const s of siblings) {
    if (isZeroHash(s)) continue;
    nonZero.set(s, at);
    at += HASH_SIZE;
  }
  return { depth, zeroBitmap, nonZero };
}

/**
 * The inverse of compactSiblings, accepting only what it writes (one encoding per proof): throws
 * ProofError BAD_PROOF naming the rule broken.
 */
export function expandSiblings(c: CompactSiblings): Hash[] {
  const { depth, zeroBitmap, nonZero } = c;
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_MAP_DEPTH)
    throw new ProofError("BAD_PROOF", `map proof depth ${depth} is not in 0..${MAX_MAP_DEPTH}`);
  if (zeroBitmap.length !== (depth + 7) >> 3)
    throw new ProofError("BAD_PROOF", `map proof zero bitmap has ${zeroBitmap.length} bytes, not ceil(${depth} / 8)`);
  if (depth & 7 && (zeroBitmap[zeroBitmap.length - 1]! & (0xff >> (depth & 7))) !== 0)
    throw new ProofError("BAD_PROOF", "map proof zero bitmap has bits set past its depth");
  let zeros = 0;
  for (let i = 0; i < depth; i++) zeros += (zeroBitmap[i >> 3]! >> (7 - (i & 7))) & 1;
  if (nonZero.length !== (depth - zeros) * HASH_SIZE) {
    throw new ProofError(
      "BAD_PROOF",
      `map proof has ${nonZero.length} bytes of siblings, not 32 for each of the ${depth - zeros} non-empty ones`,
    );
  }
  const out: Hash[] = [];
  let at = 0;
  for (let i = 0; i < depth; i++) {
    if ((zeroBitmap[i >> 3]! >> (7 - (i & 7))) & 1) {
      out.push(ZERO_HASH);
      continue;
    }
    const h = nonZero.subarray(at, at + HASH_SIZE);
    if (isZeroHash(h))
      throw new ProofError(
        "BAD_PROOF",
        `map proof sibling ${i} is the empty hash written out: it belongs in the zero bitmap`,
      );
    out.push(h);
    at += HASH_SIZE;
  }
  return out;
}
