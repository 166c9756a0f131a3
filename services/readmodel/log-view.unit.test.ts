import { describe, expect, it } from "vitest";
import { integrate } from "../../log/integrate.js";
import { proveInclusion } from "../../log/prove.js";
import { verifyInclusion } from "../../log/proof.js";
import { emptyTreeState } from "../../log/tree-state.js";
import { utf8 } from "../../log/bytes.js";
import { formatCheckpoint } from "../../log/checkpoint.js";
import { ed25519NoteSigner } from "../../log/note-keys.js";
import { signNote } from "../../log/note.js";
import { LogEntry } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { categoryPublished, issuerKey, sign } from "../../test/statement-kit.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { openMemoryStore } from "../store/memory.js";
import { LogView } from "./log-view.js";
import { hasher } from "../../log/hasher.js";

describe("LogView.warmTiles", () => {
  it("hashes up the full level-0 tiles, newest first, and proofs from them still verify", async () => {
    const store = openMemoryStore();
    const entries = Array.from({ length: 700 }, (_, i) => utf8(`entry ${i}`));
    const { state, tiles } = integrate(emptyTreeState(), entries);
    await store.append({ expectedSize: 0, entries, tiles, checkpoint: utf8("test checkpoint\n") });
    const view = new LogView(store, new Uint8Array(32));
    view.tree = state; // as catchUp would, without decoding these synthetic entries
    expect(await view.warmTiles()).toBe(2);
    expect(view.tileCache.size).toBe(2);
    for (const i of [0, 255, 256, 511, 699]) {
      const proof = await proveInclusion(view.hashReader(), i, 700);
      verifyInclusion(i, 700, hasher.leafHash(entries[i]!), proof, state.root);
    }
  });

  it("stops when aborted", async () => {
    const store = openMemoryStore();
    const entries = Array.from({ length: 600 }, (_, i) => utf8(`e${i}`));
    const { state, tiles } = integrate(emptyTreeState(), entries);
    await store.append({ expectedSize: 0, entries, tiles, checkpoint: utf8("c\n") });
    const view = new LogView(store, new Uint8Array(32));
    view.tree = state;
    const ac = new AbortController();
    ac.abort();
    expect(await view.warmTiles(ac.signal)).toBe(0);
  });
});

describe("LogView.catchUp", () => {
  it("warms the full tiles on the first catch-up, before it returns", async () => {
    const authority = issuerKey(7);
    const entries = Array.from({ length: 520 }, (_, i) => {
      const s = sign(authority, categoryPublished(`r${i}`, `cat-${i}`));
      return LogEntry.encode({ statement: s.statement, keyId: s.keyId, signature: s.signature, sequencedAtUnix: 1n }).finish();
    });
    const { state, tiles } = integrate(emptyTreeState(), entries);
    const note = signNote(formatCheckpoint({ origin: "example.com/log", size: state.size, root: state.root, extensions: [] }), [ed25519NoteSigner("example.com/log", new Uint8Array(32).fill(3), nodeEd25519)]);
    const store = openMemoryStore();
    await store.append({ expectedSize: 0, entries, tiles, checkpoint: utf8(note) });
    const view = new LogView(store, authority.publicKey);
    expect(await view.catchUp()).toBe(520);
    expect(view.state.categories.size).toBe(520);
    expect(view.tileCache.size).toBe(2); // tiles 0/0 and 0/1, hashed up
    expect(view.tileCache.bytes).toBeGreaterThan(2 * 511 * 32);
  });
});

