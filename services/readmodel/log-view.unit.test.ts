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
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import { mapStateWrite } from "../store/map-nodes.js";
import type { MapNodeWrite, MapValueWrite, StateWrite } from "../store/state.js";
import { LogView } from "./log-view.js";
import { hasher } from "../../log/hasher.js";
import { encodeCommitmentEntry } from "../domain/decode.js";
import { MapTouched, mapEntries } from "../domain/map-values.js";
import { RegistryState } from "../domain/state.js";
import { apply } from "../domain/apply.js";
import { decodeStatementEntry } from "../domain/decode.js";
import { computeUpdate, defaultMapHasher, MemoryMapNodeStore } from "../../log/map/index.js";

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
      const s = sign(authority, categoryPublished(`r${i}`, `cat-${i}`), "example.com/log");
      return LogEntry.encode({
        statement: s.statement,
        keyId: s.keyId,
        signature: s.signature,
        sequencedAtUnix: 1n,
        mapCommitment: undefined,
      }).finish();
    });
    const { state, tiles } = integrate(emptyTreeState(), entries);
    const note = signNote(
      formatCheckpoint({ origin: "example.com/log", size: state.size, root: state.root, extensions: [] }),
      [ed25519NoteSigner("example.com/log", new Uint8Array(32).fill(3), nodeEd25519)],
    );
    const store = openMemoryStore();
    await store.append({ expectedSize: 0, entries, tiles, checkpoint: utf8(note) });
    const view = new LogView(store, authority.publicKey);
    expect(await view.catchUp()).toBe(520);
    expect(view.state.categories.size).toBe(520);
    expect(view.tileCache.size).toBe(2); // tiles 0/0 and 0/1, hashed up
    expect(view.tileCache.bytes).toBeGreaterThan(2 * 511 * 32);
  });
});

describe.each([
  ["kept in memory (the store's state tables need a rebuild)", false],
  ["kept in the store", true],
])("LogView.catchUp with map commitments, the map %s", (_, stored) => {
  const authority = issuerKey(7);
  const signer = ed25519NoteSigner("example.com/log", new Uint8Array(32).fill(3), nodeEd25519);
  const statementEntry = (i: number) => {
    const s = sign(authority, categoryPublished(`r${i}`, `cat-${i}`), "example.com/log");
    return LogEntry.encode({
      statement: s.statement,
      keyId: s.keyId,
      signature: s.signature,
      sequencedAtUnix: 1n,
      mapCommitment: undefined,
    }).finish();
  };
  /**
   * Batches of statements, each ended by a commitment to the map computed independently here,
   * with the map's nodes and values as a sequencer stores them; `tamper` flips a committed root.
   */
  function log(batches: number[], tamper?: number): { entries: Uint8Array[]; state: StateWrite } {
    const state = new RegistryState(authority.publicKey);
    const nodes = new MemoryMapNodeStore();
    const out: Uint8Array[] = [];
    const written = { nodes: [] as MapNodeWrite[], values: [] as MapValueWrite[] };
    let n = 0;
    for (const size of batches) {
      const touched = new MapTouched();
      for (let i = 0; i < size; i++) {
        const e = statementEntry(n++);
        const d = decodeStatementEntry(e);
        if ("rule" in d) throw new Error(d.message);
        apply(state, d, out.length);
        touched.add(state, d.statement);
        out.push(e);
      }
      const values = mapEntries(state, touched, defaultMapHasher);
      const update = computeUpdate(nodes, defaultMapHasher, values);
      nodes.putNodes(update.writes);
      const part = mapStateWrite(out.length, update, values);
      written.nodes.push(...part.nodes);
      written.values.push(...part.values);
      const root = update.root.slice();
      if (out.length === tamper) root[0]! ^= 1;
      out.push(encodeCommitmentEntry({ root, size: BigInt(out.length) }, 1n));
      state.advance();
    }
    return { entries: out, state: written };
  }
  async function viewOf({ entries, state: written }: { entries: Uint8Array[]; state: StateWrite }) {
    const { state, tiles } = integrate(emptyTreeState(), entries);
    const note = signNote(
      formatCheckpoint({ origin: "example.com/log", size: state.size, root: state.root, extensions: [] }),
      [signer],
    );
    const memory = new MemoryLog();
    if (!stored) memory.state.rebuild = "needed";
    const store = openMemoryStore(memory);
    const view = new LogView(store, authority.publicKey);
    // Opened on the empty log, the view follows: it passes every entry written after (one that
    // opens on the whole log checks only its newest commitment: the test below).
    if (stored) await view.catchUp();
    await store.append({
      expectedSize: 0,
      entries,
      tiles,
      checkpoint: utf8(note),
      ...(stored ? { state: written } : {}),
    });
    return view;
  }

  it("checks every commitment it passes, and proves against kept ones", async () => {
    const view = await viewOf(log([3, 1, 5]));
    expect(await view.catchUp()).toBe(12);
    expect(view.map.latest?.size).toBe(11);
    // The map proves a category present against the last commitment.
    const key = view.map.key("category", "cat-8");
    const [p] = await view.map.prove(11, [key]);
    expect(p!.terminal.kind).toBe("leaf");
    // and an older kept commitment still proves what it held then: cat-8 was not there at 5.
    const [old] = await view.map.prove(5, [key]);
    expect(old!.terminal.kind === "leaf" && old!.terminal.key.every((b, i) => b === key[i])).toBe(false);
  });

  it("stops at a commitment whose root is not the map's, naming its index", async () => {
    const view = await viewOf(log([3, 1, 5], 5));
    await expect(view.catchUp()).rejects.toThrow(/map commitment at index 5 does not match/);
  });

  it("stops at a commitment that does not count the entries before it", async () => {
    const built = log([2]);
    built.entries[2] = encodeCommitmentEntry({ root: new Uint8Array(32), size: 7n }, 1n);
    const view = await viewOf(built);
    await expect(view.catchUp()).rejects.toThrow(/map commitment at index 2 counts 7 entries/);
  });
});
