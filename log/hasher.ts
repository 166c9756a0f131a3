// The one RFC 9162 hasher of this runtime, chosen once when this module loads: the WebAssembly
// SHA-256 wherever it compiles (Node, browser workers), @noble/hashes where it cannot (no
// WebAssembly, a Content-Security-Policy without 'wasm-unsafe-eval', or a browser's main thread,
// where Chrome refuses to compile modules over 4 KiB synchronously). Both give the same bytes.
//
// Why WebAssembly on the server too, and not Node's crypto: each call into Node's crypto pays a
// crossing into C++ and a Buffer, which outweighs its faster compression function on the short
// inputs a Merkle tree hashes, and WebAssembly folds a proof path or a batch of leaves in one
// call. bench:log's sha256 and leaf rows measure both in the same run; when this was decided
// (Node 20, 2-core EPYC) node hashes ran 1.9x Node crypto's rate, hashes inside a proof fold 2.6x
// and leaves 1.6-1.7x up to 246 bytes, 1.3x at 310 and even at 400: integration and proof
// verification, bench:log's headline rates, gain far more than 10%. Node's crypto wins only on
// long inputs (3x at 1 KiB), which the log does not hash in bulk. Maintained packages were
// considered first: hash-wasm initialises asynchronously and, like @chainsafe/as-sha256, hashes
// one input per call, so neither can fold a proof path or a batch in one crossing.
import { nobleHasher, type TreeHasher } from "./hash.js";
import { loadWasmSha256 } from "./sha256-wasm.js";

export const hasher: TreeHasher = loadWasmSha256() ?? nobleHasher;

/** SHA-256 of one input, by this runtime's hasher. */
export const sha256 = (data: Uint8Array): Uint8Array => hasher.digest(data);
