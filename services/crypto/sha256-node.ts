// SHA-256 for the server's hot paths (integration, proof generation and verification): Node's
// native crypto and the WebAssembly SHA-256 (log/sha256-wasm.ts), each where it is faster. Both
// must give the same bytes as the portable nobleSha256 in log/hash.ts; tests check every vector.
import * as crypto from "node:crypto";
import { concatBytes } from "../../log/bytes.js";
import { treeHasherFromDigest, type Sha256, type TreeHasher } from "../../log/hash.js";
import { loadWasmSha256, type WasmSha256 } from "../../log/sha256-wasm.js";

// crypto.hash (Node >= 20.12) is a one-shot digest that skips the Hash object; on this project's
// inputs (1 + 32 + 32 bytes) it measured ~1.4x createHash with three update() calls.
const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: "buffer") => Uint8Array }).hash;

function digest(data: Uint8Array): Uint8Array {
  const d = oneShot ? oneShot("sha256", data, "buffer") : crypto.createHash("sha256").update(data).digest();
  // A plain Uint8Array view (no copy), so results compare equal to noble's in tests and never
  // expose Buffer-only behaviour to portable code.
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** SHA-256 of the concatenation of `parts`, by Node's crypto. */
export const nodeSha256: Sha256 = (...parts) => digest(parts.length === 1 ? parts[0]! : concatBytes(...parts));

/** The RFC 9162 tree hasher over Node's crypto alone. */
export const nodeCryptoHasher: TreeHasher = treeHasherFromDigest(digest);

/**
 * Leaves of at least this many bytes go to Node's crypto: a call costs ~0.6 us to cross into C++
 * but then SHA-NI hashes a 64-byte block in ~0.04 us, against ~0.21 us in WebAssembly. Measured
 * here (bench:log's "leaf" rows), WebAssembly is faster up to five blocks (310-byte entries:
 * 1.35x at 182 bytes, 1.01x at 310) and slower from six (0.86x at 374).
 */
export const LONG_LEAF_BYTES = 311;

const wasmSha256 = loadWasmSha256();

/** SHA-256 of one input, by whichever of WebAssembly and Node's crypto is faster at its size. */
export function shortOrLongSha256(data: Uint8Array): Uint8Array {
  return wasmSha256 !== undefined && data.length < LONG_LEAF_BYTES ? wasmSha256.digest(data) : digest(data);
}

/**
 * The server's RFC 9162 tree hasher: node hashes, path folds and short leaves in WebAssembly,
 * long leaves in Node's crypto; Node's crypto alone where WebAssembly is unavailable.
 * Byte-identical to defaultHasher.
 */
export const nodeHasher: TreeHasher = hybrid(wasmSha256);

function hybrid(wasm: WasmSha256 | undefined): TreeHasher {
  if (wasm === undefined) return nodeCryptoHasher;
  const long = nodeCryptoHasher;
  const leafHash = (entry: Uint8Array) => (entry.length < LONG_LEAF_BYTES ? wasm.leafHash(entry) : long.leafHash(entry));
  return {
    emptyRoot: wasm.emptyRoot,
    nodeHash: wasm.nodeHash,
    foldPath: wasm.foldPath,
    leafHash,
    leafHashes(entries) {
      if (entries.every((e) => e.length < LONG_LEAF_BYTES)) return wasm.leafHashes(entries);
      const out = new Uint8Array(entries.length * 32);
      for (let i = 0; i < entries.length; i++) out.set(leafHash(entries[i]!), i * 32);
      return out;
    },
  };
}
