// Checks a store against everything crash-test clients were told (test/issuance-load.ts): every
// acknowledged entry at its index with the same bytes, the recomputed tree has the signed root,
// every checkpoint a client saw is a prefix of it (root recomputed, consistency proof from the
// store's tiles verified), nothing seen beyond the durable log. Used by the registry SIGKILL
// rounds (crash.e2e.test.ts) and the PostgreSQL kills (postgres-crash.int.test.ts).
import { expect } from "vitest";
import { bytesEqual, fromHex, toHex } from "../log/bytes.js";
import { openCheckpoint } from "../log/checkpoint.js";
import { integrate } from "../log/integrate.js";
import { parseVerifierKey } from "../log/note-keys.js";
import { verifyConsistency } from "../log/proof.js";
import { proveConsistency } from "../log/prove.js";
import { TileHashReader } from "../log/tile-reader.js";
import { emptyTreeState } from "../log/tree-state.js";
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { hasher } from "../log/hasher.js";
import type { LogStore } from "../services/store/port.js";
import type { ReceiptBook } from "./issuance-load.js";
import { expectRowsOf, replayedState } from "./state-rows-kit.js";

/** Returns the store's tree size. */
export async function auditStore(store: LogStore, book: ReceiptBook, logVerifierKey: string): Promise<number> {
  const latest = await store.latestCheckpoint();
  const size = latest?.size ?? 0;
  const entries = await store.readEntries(0, size);
  let root = hasher.emptyRoot;
  if (latest) {
    const { checkpoint } = openCheckpoint(latest.note, parseVerifierKey(logVerifierKey, nodeEd25519));
    expect(checkpoint.size).toBe(size);
    root = checkpoint.root;
  }

  // Receipts: same bytes at the same index.
  const wrong = book.acked.filter((a) => !(a.index < size && bytesEqual(entries[a.index]!, a.entry)));
  expect(
    wrong.map((a) => a.index),
    "acknowledged entries missing or changed",
  ).toEqual([]);

  // Every root clients saw is the root of that prefix of the entries; the last is the checkpoint's.
  const sizes = [...book.roots.keys()].sort((a, b) => a - b);
  expect(
    sizes.filter((s) => s > size),
    "checkpoints seen beyond the durable log",
  ).toEqual([]);
  let tree = emptyTreeState();
  for (const s of [...sizes, size]) {
    if (s > tree.size) tree = integrate(tree, entries.slice(tree.size, s)).state;
    const seen = book.roots.get(s);
    if (seen !== undefined) expect(toHex(tree.root), `root of size ${s}`).toBe(seen);
  }
  expect(toHex(tree.root), "recomputed tree vs the signed checkpoint").toBe(toHex(root));
  if (latest) book.seen(size, toHex(root));

  // Consistency proofs from the store's tiles, for (a sample of) the checkpoints seen.
  const reader = new TileHashReader(size, async (level, index, width) => {
    const t = await store.readTile(level, index);
    if (!t || t.width < width) throw new Error(`tile ${level}/${index} width ${width} missing`);
    return t.data.subarray(0, width * 32);
  });
  const sample =
    sizes.length <= 60 ? sizes : Array.from({ length: 60 }, () => sizes[Math.floor(Math.random() * sizes.length)]!);
  for (const s of sample) {
    const proof = await proveConsistency(reader, s, size);
    verifyConsistency(s, size, proof, fromHex(book.roots.get(s)!), root);
  }
  return size;
}

/**
 * Checks that the store's state tables are in step with its log: they reflect its size, and
 * every row is the one a rebuild (a replay of the log) writes. Returns the rows compared.
 */
export async function auditState(store: LogStore, authorityPublicKey: Uint8Array): Promise<number> {
  const size = (await store.latestCheckpoint())?.size ?? 0;
  expect(await store.state!.status(), "the state tables' status").toMatchObject({ size, rebuildNeeded: false });
  return expectRowsOf(store, await replayedState(store, authorityPublicKey));
}
