// Map proof verification: fold the proof up from where the key's path ends, by the key's bits,
// and compare with the root. Portable (a browser verifies with defaultMapHasher). Returns what
// the proof proves, or throws ProofError; it never throws anything else, whatever the input.
import { bytesEqual } from "../bytes.js";
import { HASH_SIZE, type Hash } from "../hash.js";
import { ProofError } from "../proof-error.js";
import { keyBit, sharedBits, ZERO_HASH, type MapHasher, type MapKey } from "./hash.js";
import { MAX_MAP_DEPTH, type MapProof } from "./proof.js";

export type MapProofResult = { readonly present: true; readonly value: Uint8Array } | { readonly present: false };

/** What `proof` proves about `key` in the map whose root is `root`. */
export function verifyMapProof(hasher: MapHasher, root: Hash, key: MapKey, proof: MapProof): MapProofResult {
  checkHash(root, "root");
  checkHash(key, "key");
  if (typeof proof !== "object" || proof === null || !Array.isArray(proof.siblings))
    throw new ProofError("BAD_PROOF", "a map proof needs a siblings array");
  const { siblings, terminal } = proof;
  const depth = siblings.length;
  if (depth > MAX_MAP_DEPTH)
    throw new ProofError("PROOF_TOO_LONG", `map proof has ${depth} siblings; a path is at most ${MAX_MAP_DEPTH} deep`);
  for (let i = 0; i < depth; i++) checkHash(siblings[i], `sibling ${i}`);

  let h: Hash;
  let result: MapProofResult;
  switch (terminal?.kind) {
    case "empty":
      h = ZERO_HASH;
      result = { present: false };
      break;
    case "leaf":
      checkHash(terminal.key, "the leaf's key");
      checkHash(terminal.valueHash, "the leaf's value hash");
      if (bytesEqual(terminal.key, key))
        throw new ProofError("BAD_MAP_PROOF", "a map proof ending at the key's own leaf must carry its value");
      if (sharedBits(terminal.key, key) < depth)
        throw new ProofError(
          "BAD_MAP_PROOF",
          `the leaf the map proof ends at does not share the key's first ${depth} bits`,
        );
      h = hasher.leafHash(terminal.key, terminal.valueHash);
      result = { present: false };
      break;
    case "value":
      if (!(terminal.value instanceof Uint8Array))
        throw new ProofError("BAD_PROOF", "a map proof's value must be bytes");
      h = hasher.leafHash(key, hasher.digest(terminal.value));
      result = { present: true, value: terminal.value };
      break;
    default:
      throw new ProofError("BAD_PROOF", "a map proof must end at an empty subtree, a leaf, or the key's value");
  }
  for (let i = depth - 1; i >= 0; i--)
    h = keyBit(key, i) === 0 ? hasher.nodeHash(h, siblings[i]!) : hasher.nodeHash(siblings[i]!, h);
  if (!bytesEqual(h, root)) throw new ProofError("ROOT_MISMATCH", "the map proof does not lead to the map's root");
  return result;
}

function checkHash(h: unknown, what: string): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
    throw new ProofError("BAD_HASH", `map proof: ${what} is not 32 bytes`);
}
