import { describe, expect, it } from "vitest";
import { integrate } from "../../log/integrate.js";
import { defaultHasher } from "../../log/hash.js";
import { proveInclusion } from "../../log/prove.js";
import { verifyInclusion } from "../../log/proof.js";
import { emptyTreeState } from "../../log/tree-state.js";
import { utf8 } from "../../log/bytes.js";
import { openMemoryStore } from "../store/memory.js";
import { LogView } from "./log-view.js";

describe("LogView.warmTiles", () => {
  it("hashes up the full level-0 tiles, newest first, and proofs from them still verify", async () => {
    const store = openMemoryStore();
    const entries = Array.from({ length: 700 }, (_, i) => utf8(`entry ${i}`));
    const { state, tiles } = integrate(emptyTreeState(defaultHasher), entries, defaultHasher);
    await store.append({ expectedSize: 0, entries, tiles, checkpoint: utf8("test checkpoint\n") });
    const view = new LogView(store, defaultHasher, new Uint8Array(32));
    view.tree = state; // as catchUp would, without decoding these synthetic entries
    expect(await view.warmTiles()).toBe(2);
    expect(view.tileCache.size).toBe(2);
    for (const i of [0, 255, 256, 511, 699]) {
      const proof = await proveInclusion(defaultHasher, view.hashReader(), i, 700);
      verifyInclusion(defaultHasher, i, 700, defaultHasher.leafHash(entries[i]!), proof, state.root);
    }
  });

  it("stops when aborted", async () => {
    const store = openMemoryStore();
    const entries = Array.from({ length: 600 }, (_, i) => utf8(`e${i}`));
    const { state, tiles } = integrate(emptyTreeState(defaultHasher), entries, defaultHasher);
    await store.append({ expectedSize: 0, entries, tiles, checkpoint: utf8("c\n") });
    const view = new LogView(store, defaultHasher, new Uint8Array(32));
    view.tree = state;
    const ac = new AbortController();
    ac.abort();
    expect(await view.warmTiles(ac.signal)).toBe(0);
  });
});
