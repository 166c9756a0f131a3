// The one RFC 9162 hasher of this runtime, chosen once when this module loads: the WebAssembly
// SHA-256 wherever it compiles (Node, browser workers), @noble/hashes where it cannot (no
// WebAssembly, a Content-Security-Policy without 'wasm-unsafe-eval', or a browser's main thread,
// where Chrome refuses to compile modules over 4 KiB synchronously). Both give the same bytes.
//
// Why WebAssembly on the server too, and not Node's crypto: a call into Node's crypto pays a
// crossing into C++ and a Buffer per hash, which outweighs its faster compression function on
// the short inputs a Merkle tree hashes. Measured in one run of bench:log (and /tmp comparisons
// of the two as whole hashers): node hashes about 1.9x and a 24-hash proof fold about 2.6x the
// rate of Node's crypto, leaves 1.3-1.7x up to 310 bytes and even at 400; so integration and
// proof verification, the log's user-visible rates, are well over 10% faster. Node's crypto wins
// only on long single inputs (about 3x at 1 KiB), which the registry hashes rarely (one
// statement digest per entry at start-up). Maintained packages were considered first: hash-wasm
// initialises asynchronously and, like @chainsafe/as-sha256, hashes one input per call, so
// neither can fold a whole proof path or a batch of leaves in one crossing, which is where this
// module's gain is.
import { nobleHasher, type TreeHasher } from "./hash.js";
import { loadWasmSha256 } from "./sha256-wasm.js";

export const hasher: TreeHasher = loadWasmSha256() ?? nobleHasher;

/** SHA-256 of one input, by this runtime's hasher. */
export const sha256 = (data: Uint8Array): Uint8Array => hasher.digest(data);
