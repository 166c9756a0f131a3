// The stateless checks' primitives on Node (entry-check.ts EntryCheckDeps), shared by the
// CheckPool's workers and its in-thread fallback: OpenSSL Ed25519.
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import type { EntryCheckDeps } from "./entry-check.js";

export const nodeEntryCheckDeps: EntryCheckDeps = { verifier: nodeEd25519.verifier };
