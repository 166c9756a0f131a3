// The stateless checks' primitives on Node (entry-check.ts EntryCheckDeps), shared by the
// CheckPool's workers and its in-thread fallback: OpenSSL Ed25519; SHA-256 by the server's
// hasher (WebAssembly for short inputs, Node's crypto for long ones, sha256-node.ts).
import { loadWasmSha256 } from "../../log/sha256-wasm.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { LONG_LEAF_BYTES, nodeHasher, nodeSha256 } from "../crypto/sha256-node.js";
import type { EntryCheckDeps } from "./entry-check.js";

const wasm = loadWasmSha256();

/** SHA-256 of a statement: WebAssembly below the size where Node's crypto wins (same bytes). */
function statementSha256(b: Uint8Array): Uint8Array {
  return wasm !== undefined && b.length < LONG_LEAF_BYTES ? wasm.digest(b) : nodeSha256(b);
}

export const nodeEntryCheckDeps: EntryCheckDeps = { hasher: nodeHasher, sha256: statementSha256, verifier: nodeEd25519.verifier };
