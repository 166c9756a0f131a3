// The stateless checks' primitives on Node (entry-check.ts EntryCheckDeps), shared by the
// CheckPool's workers and its in-thread fallback: OpenSSL Ed25519; SHA-256 by the server's
// hasher (WebAssembly for short inputs, Node's crypto for long ones, sha256-node.ts).
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { nodeHasher, shortOrLongSha256 } from "../crypto/sha256-node.js";
import type { EntryCheckDeps } from "./entry-check.js";

export const nodeEntryCheckDeps: EntryCheckDeps = { hasher: nodeHasher, sha256: shortOrLongSha256, verifier: nodeEd25519.verifier };
