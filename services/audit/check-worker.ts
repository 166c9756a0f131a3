// A worker thread of CheckPool (check-pool.ts): runs checkEntries over batches with Node's
// crypto (OpenSSL Ed25519, SHA-256). Messages in: { keys } (public keys to add to its table) and
// { id, buffer } (packEntries); out: { id, records, violations } (records transferred).
import { parentPort, workerData } from "node:worker_threads";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { nodeHasher, nodeSha256 } from "../crypto/sha256-node.js";
import { checkEntries, KeyTable, unpackEntries, type EntryCheckDeps } from "./entry-check.js";

const deps: EntryCheckDeps = { hasher: nodeHasher, sha256: (b) => nodeSha256(b), verifier: nodeEd25519.verifier };
const keys = new KeyTable();
for (const k of (workerData as { keys: Uint8Array[] }).keys) keys.add(k);

parentPort!.on("message", (m: { keys: Uint8Array[] } | { id: number; buffer: ArrayBuffer }) => {
  if ("keys" in m) {
    for (const k of m.keys) keys.add(k);
    return;
  }
  const { records, violations, learned } = checkEntries(unpackEntries(m.buffer), keys, deps);
  parentPort!.postMessage({ id: m.id, records, violations, learned }, [records]);
});
