// The state map's messages as bytes (proto/labelreg/v1/map.proto): map proofs, map values and
// commitments, decoded from untrusted bytes in their canonical encoding only, within their size
// limits. Never throws on bad input: a RuleViolation names the rule.
import { HASH_SIZE } from "../../log/hash.js";
import { ProofError } from "../../log/proof-error.js";
import { compactSiblings, expandSiblings, MAX_MAP_DEPTH, type MapProof } from "../../log/map/proof.js";
import { MapCommitment, MapProof as MapProofMessage, MapValue } from "../../proto/gen/messages/labelreg/v1/map.js";
import { decodeCanonical } from "./decode.js";
import { MAX_MAP_VALUE_BYTES } from "./limits.js";
import { isViolation, violation, type RuleViolation } from "./violation.js";

/** An encoded MapProof: every sibling, a leaf, a value at its limit, and framing. */
export const MAX_MAP_PROOF_BYTES = MAX_MAP_DEPTH * HASH_SIZE + MAX_MAP_VALUE_BYTES + 256;

export function encodeMapProof(proof: MapProof): Uint8Array {
  const { depth, zeroBitmap, nonZero } = compactSiblings(proof.siblings);
  const t = proof.terminal;
  const terminal: MapProofMessage["terminal"] =
    t.kind === "empty"
      ? { $case: "empty", value: {} }
      : t.kind === "leaf"
        ? { $case: "leaf", value: { key: t.key, valueHash: t.valueHash } }
        : { $case: "value", value: t.value };
  return MapProofMessage.encode({ depth, zeroSiblings: zeroBitmap, siblings: nonZero, terminal }).finish();
}

const bad = (message: string) => violation("INVALID_ARGUMENT", "bad-map-proof", message);

export function decodeMapProof(bytes: Uint8Array): MapProof | RuleViolation {
  if (bytes.length > MAX_MAP_PROOF_BYTES) return bad(`a map proof is at most ${MAX_MAP_PROOF_BYTES} bytes`);
  const m = decodeCanonical(MapProofMessage, bytes, "map proof");
  if (isViolation(m)) return m;
  let siblings;
  try {
    siblings = expandSiblings({ depth: m.depth, zeroBitmap: m.zeroSiblings, nonZero: m.siblings });
  } catch (e) {
    if (e instanceof ProofError) return bad(e.message);
    throw e;
  }
  const t = m.terminal;
  switch (t?.$case) {
    case "empty":
      return { siblings, terminal: { kind: "empty" } };
    case "leaf":
      if (t.value.key.length !== HASH_SIZE || t.value.valueHash.length !== HASH_SIZE)
        return bad("a map proof's leaf key and value hash are 32 bytes each");
      return { siblings, terminal: { kind: "leaf", key: t.value.key, valueHash: t.value.valueHash } };
    case "value":
      if (t.value.length === 0 || t.value.length > MAX_MAP_VALUE_BYTES)
        return bad(`a map proof's value is 1..${MAX_MAP_VALUE_BYTES} bytes`);
      return { siblings, terminal: { kind: "value", value: t.value } };
    case undefined:
      return bad("a map proof must end at an empty subtree, a leaf or a value");
  }
}

export function decodeMapValue(bytes: Uint8Array): MapValue | RuleViolation {
  if (bytes.length === 0 || bytes.length > MAX_MAP_VALUE_BYTES)
    return violation("INVALID_ARGUMENT", "bad-map-value", `a map value is 1..${MAX_MAP_VALUE_BYTES} bytes`);
  const v = decodeCanonical(MapValue, bytes, "map value");
  if (isViolation(v)) return v;
  if (v.kind === undefined) return violation("INVALID_ARGUMENT", "bad-map-value", "a map value names its kind");
  return v;
}

export function decodeMapCommitment(bytes: Uint8Array): MapCommitment | RuleViolation {
  if (bytes.length > 64)
    return violation("INVALID_ARGUMENT", "bad-map-commitment", "a map commitment is at most 64 bytes");
  const c = decodeCanonical(MapCommitment, bytes, "map commitment");
  if (isViolation(c)) return c;
  // The empty map's root is 32 zero bytes, written out like any other.
  if (c.root.length !== HASH_SIZE)
    return violation("INVALID_ARGUMENT", "bad-map-commitment", "a map commitment's root is 32 bytes");
  return c;
}
