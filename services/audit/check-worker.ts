// A worker thread of CheckPool (check-pool.ts): runs checkEntries over batches with Node's
// primitives (check-deps.ts). Messages in: { keys } (public keys to add to its table) and
// { id, buffer } (packEntries); out: { id, records, violations } (records transferred).
import { parentPort, workerData } from "node:worker_threads";
import { nodeEntryCheckDeps as deps } from "./check-deps.js";
import { checkEntries, KeyTable, unpackEntries } from "./entry-check.js";

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
