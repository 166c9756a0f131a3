// A thread of the WorkerPool (pool.ts): checks Ed25519 signatures and whole entries with Node's
// primitives, for the registry's VerifyPool and the auditor's CheckPool. Messages in:
// { kind: "verify", id, buffer } (packSignatures), { kind: "check", id, buffer } (packEntries),
// { kind: "keys", keys } (public keys for entry checks); out: { ready: true } once loaded, then
// { id, reply } (buffers transferred).
import { parentPort, workerData } from "node:worker_threads";
import { nodeEntryCheckDeps as deps } from "../audit/check-deps.js";
import { checkEntries, KeyTable, unpackEntries } from "../audit/entry-check.js";
import { checkSignatures } from "../crypto/signature-batch.js";
import type { PoolRequest } from "./pool.js";

const keys = new KeyTable();
for (const k of (workerData as { keys?: Uint8Array[] } | undefined)?.keys ?? []) keys.add(k);

parentPort!.on("message", (m: PoolRequest | { kind: "keys"; keys: Uint8Array[] }) => {
  switch (m.kind) {
    case "keys":
      for (const k of m.keys) keys.add(k);
      return;
    case "verify": {
      const out = checkSignatures(m.buffer);
      parentPort!.postMessage({ id: m.id, reply: out }, [out.buffer as ArrayBuffer]);
      return;
    }
    case "check": {
      const reply = checkEntries(unpackEntries(m.buffer), keys, deps);
      parentPort!.postMessage({ id: m.id, reply }, [reply.records]);
      return;
    }
  }
});
parentPort!.postMessage({ ready: true });
